//go:build unix && !linux

package localserver

import "syscall"

// dieWithParent does nothing where the kernel cannot tie a process to its
// parent's life: Stop is then the only way a server goes.
func dieWithParent(*syscall.SysProcAttr) {}
