package localserver

import "syscall"

// dieWithParent has the kernel kill the server when the process that
// started it dies, even by SIGKILL: a test binary killed by a timeout
// leaves no server behind.
func dieWithParent(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }
