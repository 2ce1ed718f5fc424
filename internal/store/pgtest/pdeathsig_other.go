//go:build !linux

package pgtest

import "syscall"

// stopWithParent does nothing where there is no parent-death signal: a test
// binary that dies without stopping the server leaves it running.
func stopWithParent(*syscall.SysProcAttr) {}
