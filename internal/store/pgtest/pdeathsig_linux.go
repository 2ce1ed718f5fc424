package pgtest

import "syscall"

// stopWithParent has the kernel send the postmaster SIGQUIT (immediate
// shutdown) if the test binary dies without stopping it.
func stopWithParent(a *syscall.SysProcAttr) {
	a.Pdeathsig = syscall.SIGQUIT
}
