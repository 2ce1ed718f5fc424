package e2e

import (
	"errors"
	"syscall"
)

// killPID sends SIGKILL, as a crash would.
func killPID(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }

// alive reports whether a process with pid exists.
func alive(pid int) bool {
	return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
