package interop

import (
	"net"

	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/transport"
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
	{name: "zkembed", spec: "3.9", start: startZkembed},
}

// diffSides are the two servers TestDifferential compares. Both are Apache
// ZooKeeper for now, so their transcripts must be identical.
var diffSides = [2]target{
	{name: "zookeeper-3.8-a", spec: "3.8", start: startApacheZooKeeper},
	{name: "zkembed", spec: "3.9", start: startZkembed},
	// The second side is zkembed: every difference from Apache ZooKeeper
	// 3.8 is either fixed in zkembed or named as a 3.8/3.9 difference.
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

// startZkembed serves a fresh in-memory engine over loopback TCP with the
// same timing as startApacheZooKeeper: a 500ms tick and reaping every
// 200ms.
func startZkembed(t *testing.T) string {
	t.Helper()
	e, err := engine.Open(engine.Options{TickTime: 500 * time.Millisecond, ContainerCheckInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.Close()
		t.Fatal(err)
	}
	srv := transport.NewServer(e, transport.Options{})
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		if err := e.CheckInvariants(); err != nil {
			t.Errorf("zkembed invariants: %v", err)
		}
		e.Close()
	})
	return ln.Addr().String()
}
