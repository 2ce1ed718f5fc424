package e2e

import "syscall"

// killPID sends SIGKILL, as a crash would.
func killPID(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }
