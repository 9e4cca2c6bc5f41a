package transport

import (
	"context"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/api/apitest"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/internal/gozk"
)

// TestConformanceGoZK runs the conformance suite against the engine served
// over TCP and over the in-memory dialer, driven by go-zookeeper/zk (a
// client no one here wrote) through internal/gozk's api.Client adapter.
// Operations go-zookeeper lacks are declared as such and skipped; the same
// suite runs with nothing skipped through this package's own client
// (TestClientConformance), and the raw-frame tests drive those operations
// through our own jute records.
func TestConformanceGoZK(t *testing.T) {
	if testing.Short() {
		t.Skip("the conformance suite takes a while")
	}
	forEachTransport(t, func(t *testing.T, transport string) {
		// A long session: go-zookeeper v1.0.4 has a data race of its own
		// (Conn.lastZxid, read by sendSetWatches while recvLoop writes it)
		// that a reconnect with watches can hit. A 4s session let a loaded
		// CI machine miss go-zookeeper's 2.7s read deadline and reconnect;
		// the suite expires sessions with ExpireSession, never by timeout.
		eng, err := engine.Open(engine.Options{TickTime: 200 * time.Millisecond, MaxSessionTimeout: 40 * time.Second,
			ContainerCheckInterval: 100 * time.Millisecond, SuperDigest: api.DigestID("super", "superpw")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { eng.Close() })
		ts := startServerFor(t, eng, eng, Options{})
		opts := gozk.Options{SessionTimeout: 40 * time.Second}
		addr := ts.addr
		if transport == "pipe" {
			opts.Dialer, addr = ts.pipe.Dialer(), "127.0.0.1:1" // the dialer ignores the address
		}
		target := apitest.Target{
			Connect: func(t testing.TB) api.Client {
				c, err := gozk.Dial(context.Background(), addr, opts)
				if err != nil {
					t.Fatalf("gozk.Dial: %v", err)
				}
				return c
			},
			SuperAuth: "super:superpw",
			Expire: func(t testing.TB, c api.Client) {
				if err := eng.ExpireSession(context.Background(), c.SessionID()); err != nil {
					t.Fatalf("expire: %v", err)
				}
			},
			ReapInterval: 100 * time.Millisecond,
			Lacks:        gozk.Lacks,
		}
		if transport == "tcp" {
			target.ClientIP = "127.0.0.1"
		}
		apitest.Run(t, target)
	})
}
