package main

import (
	"os/exec"
	"syscall"
)

// killWithParent has the kernel kill cmd's process when zkbench dies, so an
// interrupted run leaves no server behind.
func killWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
