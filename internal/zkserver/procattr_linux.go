package zkserver

import "syscall"

// sysProcAttr makes the child die with the process that started it, so a
// crashed test binary leaves no JVM behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
