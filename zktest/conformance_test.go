package zktest_test

import (
	"context"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/api/apitest"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/internal/gozk"
	"github.com/zkembed/zkembed/zktest"
)

// TestConformance runs the ZooKeeper conformance suite through zktest:
// direct clients (with the fault wrapper in the way, no faults injected),
// and go-zookeeper over zktest's TCP port, both on virtual time.
func TestConformance(t *testing.T) {
	opts := []zktest.Option{
		zktest.WithSuperUser("super", "conformance"),
		zktest.WithEngineOptions(func(o *engine.Options) { o.ContainerCheckInterval = time.Second }),
	}
	t.Run("direct", func(t *testing.T) {
		s := zktest.New(t, append(opts, zktest.WithoutTCP())...)
		apitest.Run(t, apitest.Target{
			Connect:   func(t testing.TB) api.Client { return s.Client(t) },
			SuperAuth: "super:conformance",
			ClientIP:  "127.0.0.1",
			Expire: func(t testing.TB, c api.Client) {
				if err := s.ExpireSession(c.SessionID()); err != nil {
					t.Fatal(err)
				}
			},
			Advance:      s.Advance,
			ReapInterval: time.Second,
		})
	})
	t.Run("go-zookeeper", func(t *testing.T) {
		s := zktest.New(t, opts...)
		apitest.Run(t, apitest.Target{
			Connect: func(t testing.TB) api.Client {
				c, err := gozk.Dial(context.Background(), s.Addr()+","+s.Addr(), gozk.Options{SessionTimeout: 10 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { c.Close() })
				return c
			},
			SuperAuth: "super:conformance",
			ClientIP:  "127.0.0.1",
			Expire: func(t testing.TB, c api.Client) {
				if err := s.ExpireSession(c.SessionID()); err != nil {
					t.Fatal(err)
				}
			},
			Advance:      s.Advance,
			ReapInterval: time.Second,
			Lacks:        gozk.Lacks,
		})
	})
}
