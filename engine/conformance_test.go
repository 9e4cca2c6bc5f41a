package engine

import (
	"context"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/api/apitest"
)

// TestConformance runs the ZooKeeper conformance suite against direct
// sessions, in memory and on disk, with virtual time.
func TestConformance(t *testing.T) {
	for _, kind := range []string{"memory", "disk"} {
		t.Run(kind, func(t *testing.T) {
			clock := NewManualClock(epoch)
			o := Options{Clock: clock, SuperDigest: api.DigestID("super", "conformance"), ContainerCheckInterval: time.Second}
			if kind == "disk" {
				o.Dir = t.TempDir()
			}
			e := open(t, o)
			apitest.Run(t, apitest.Target{
				Connect: func(t testing.TB) api.Client {
					c, err := e.Session(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					return c
				},
				SuperAuth: "super:conformance",
				ClientIP:  "127.0.0.1",
				Expire: func(t testing.TB, c api.Client) {
					if err := e.ExpireSession(context.Background(), c.SessionID()); err != nil {
						t.Fatal(err)
					}
				},
				Advance: func(d time.Duration) {
					clock.Advance(d)
					if err := e.Tick(context.Background()); err != nil {
						t.Error(err)
					}
				},
				ReapInterval: time.Second,
			})
		})
	}
}
