//go:build !linux

package main

import "os/exec"

// killWithParent does nothing here: only Linux kills a child when its parent
// dies, so an interrupted run may leave its server running.
func killWithParent(*exec.Cmd) {}
