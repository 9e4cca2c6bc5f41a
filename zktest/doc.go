// Package zktest runs a real ZooKeeper server inside a Go test, as
// net/http/httptest does for HTTP: zktest.New(t) starts one in
// microseconds, with no JVM and no port to find, and t.Cleanup shuts it
// down and checks that nothing is left behind.
//
// # Virtual time moves only when the test calls Advance
//
// By default a Server's clock is virtual: it stands still. Sessions do not
// expire, and TTL nodes and empty containers are not deleted, however long
// the test runs, until the test calls Advance, which moves the clock and
// returns once every expiry that fell due has been committed and its
// watches have fired. A 30-second session expiry takes a millisecond and
// never flakes. Give WithRealTime to run on the wall clock instead (then
// Advance may not be called).
//
// Clients, on the other hand, run in real time: a go-zookeeper client pings
// and times out on the wall clock. Advance treats a connected client as one
// that kept pinging through the time that passed, so its session lives on;
// a session without a working connection (see Pause) expires once its
// timeout has passed. ExpireSession expires any session at once.
//
//	func TestLock(t *testing.T) {
//		s := zktest.New(t)
//		conn, _, err := zk.Connect([]string{s.Addr()}, 30*time.Second) // or zk.WithDialer(s.Dialer())
//		...
//		s.Pause()                // partition: the client's connection stalls
//		s.Advance(31 * time.Second) // its session expires, its ephemerals go
//		s.Resume()               // the client hears that its session expired
//	}
//
// # Clients
//
// A Server serves any ZooKeeper client on Addr (a 127.0.0.1 TCP port; see
// WithoutTCP) and in memory through Dialer (go-zookeeper's zk.WithDialer).
// Client opens a direct session on the engine, an api.Client with no
// serialization and no sockets; code written against api.Client runs on
// either.
//
// # Faults
//
// Inject (and its shorthand Fail) disturbs requests that match an
// operation, a path glob and optionally a session: fail them with a
// ZooKeeper error, drop the client's connection before or after the change
// is applied, or delay them. DropConnections drops every connection (the
// sessions survive), Pause and Resume stall them all as a partition would,
// Restart restarts the server (keeping the data and sessions WithDir), and
// an Ensemble's members can be stopped and started to test failover across
// a multi-host connect string.
//
// # Inspection
//
// Tree, Get, Exists, Children, Sessions and Watches read the server's state
// without going through a client or its ACLs; Dump formats it for a
// failure message, and New's cleanup logs it when the test failed.
//
// # Goroutines
//
// When Close (or the test's cleanup) returns, every goroutine the Server
// started has exited, so go.uber.org/goleak's VerifyTestMain or VerifyNone
// can check a test package for leaks; clients the test made itself must be
// closed by the test.
package zktest
