package interop

import (
	"testing"
	"time"

	"github.com/zkembed/zkembed/internal/zkserver"
)

// target is a server the interop tests drive.
type target struct {
	// name names the target in subtest names.
	name string
	// spec is the ZooKeeper version whose answers to expect where 3.8 and
	// 3.9 differ: "3.8" for Debian's Apache ZooKeeper, "3.9" for zkembed.
	spec string
	// start starts a server for t, stops it when t ends, and returns its
	// address (host:port). It skips t if the server cannot run here.
	start func(t *testing.T) string
}

// targets are the servers every client script runs against.
var targets = []target{
	{name: "zookeeper-3.8", spec: "3.8", start: startApacheZooKeeper},
	// ZKEMBED TARGET HOOK: once transport's server exists, add
	//
	//	{name: "zkembed", spec: "3.9", start: startZkembed},
	//
	// where startZkembed opens an engine (TTL nodes enabled, a container
	// check interval of about 200ms: the scripts wait at most 30s for
	// reaping), serves it on a 127.0.0.1:0 TCP listener with something like
	// transport.NewServer(engine, opts).Serve(ln), registers t.Cleanup to
	// close both, and returns ln.Addr().String().
}

// diffSides are the two servers TestDifferential compares. Both are Apache
// ZooKeeper for now, so their transcripts must be identical.
var diffSides = [2]target{
	{name: "zookeeper-3.8-a", spec: "3.8", start: startApacheZooKeeper},
	{name: "zookeeper-3.8-b", spec: "3.8", start: startApacheZooKeeper},
	// ZKEMBED DIFFERENTIAL HOOK: replace the second side with
	//	{name: "zkembed", spec: "3.9", start: startZkembed},
}

// startApacheZooKeeper starts Debian's ZooKeeper 3.8 through zkserver: a
// 500ms tick (sessions of 1s to 10s), TTL nodes on, and containers and TTL
// nodes reaped every 200ms.
func startApacheZooKeeper(t *testing.T) string {
	t.Helper()
	s := zkserver.Start(t, zkserver.Options{
		TickTime:               500 * time.Millisecond,
		ContainerCheckInterval: 200 * time.Millisecond,
	})
	return s.Addr()
}
