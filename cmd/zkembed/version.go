package main

import (
	"runtime"
	"runtime/debug"

	"github.com/zkembed/zkembed/transport"
)

// version describes the binary: the ZooKeeper version it reports to
// clients, its module version and the Go toolchain.
func version() string {
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		v = bi.Main.Version
	}
	return "zkembed " + v + " (" + transport.DefaultVersion + "; " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")"
}
