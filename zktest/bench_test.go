package zktest_test

import (
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/zktest"
)

// BenchmarkNewFirstOp measures what a test pays for a ZooKeeper server:
// zktest.New, the first successful operation, and shutting it all down
// (the cleanup that checks invariants and waits for every goroutine).
func BenchmarkNewFirstOp(b *testing.B) {
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		l := &loopTB{TB: b}
		for b.Loop() {
			s := zktest.New(l, zktest.WithoutTCP())
			if _, err := s.Client(l).Create(ctx(), "/x", nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
				b.Fatal(err)
			}
			l.runCleanups()
		}
	})
	for _, via := range []string{"tcp", "pipe"} {
		b.Run("go-zookeeper-"+via, func(b *testing.B) {
			b.ReportAllocs()
			l := &loopTB{TB: b}
			for b.Loop() {
				var s *zktest.Server
				var dialer zk.Dialer
				if via == "tcp" {
					s = zktest.New(l)
				} else {
					s = zktest.New(l, zktest.WithoutTCP())
					dialer = s.Dialer()
				}
				c := connectZK(l, []string{s.Addr()}, 10*time.Second, dialer)
				if _, err := c.Create("/x", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
					b.Fatal(err)
				}
				l.runCleanups()
			}
		})
	}
}
