package zktest_test

import (
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/zktest"
)

// loopTB is a testing.TB whose cleanups run when the loop says, so a test
// can make and drop servers by the thousand and measure what stays behind
// without testing's own bookkeeping of cleanups.
type loopTB struct {
	testing.TB
	fns []func()
}

func (l *loopTB) Cleanup(f func()) { l.fns = append(l.fns, f) }

func (l *loopTB) runCleanups() {
	for i := len(l.fns) - 1; i >= 0; i-- {
		l.fns[i]()
	}
	clear(l.fns)
	l.fns = l.fns[:0]
}

func heapAfterGC() uint64 {
	var ms runtime.MemStats
	for range 2 {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// oneServer makes a server, uses it (a direct create and read, and every
// hundredth time a go-zookeeper session over TCP) and closes it.
func oneServer(t *testing.T, l *loopTB, i int) {
	s := zktest.New(l)
	c := s.Client(l)
	if _, err := c.Create(ctx(), "/n", []byte("v"), api.OpenACLUnsafe, api.ModeEphemeral); err != nil {
		t.Fatal(err)
	}
	if d, _, err := c.Get(ctx(), "/n"); err != nil || string(d) != "v" {
		t.Fatalf("Get = %q, %v", d, err)
	}
	if i%100 == 0 {
		g := connectZK(l, []string{s.Addr()}, 10*time.Second, nil)
		if ok, _, err := g.Exists("/n"); err != nil || !ok {
			t.Fatalf("go-zookeeper Exists = %v, %v", ok, err)
		}
	}
	l.runCleanups()
}

// TestThousandServers makes and closes 1,000 servers in one test: no
// goroutine and no heap is left behind.
func TestThousandServers(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 servers; skipped in -short mode")
	}
	l := &loopTB{TB: t}
	for i := range 20 { // warm up pools, caches and the runtime
		oneServer(t, l, i+1)
	}
	before := heapAfterGC()
	start := time.Now()
	for i := range 1000 {
		oneServer(t, l, i)
	}
	elapsed := time.Since(start)
	after := heapAfterGC()
	goleak.VerifyNone(t)

	// One live server holds tens of kilobytes; keeping even a few per
	// hundred would show.
	live := make([]*zktest.Server, 100)
	base := heapAfterGC()
	for i := range live {
		live[i] = zktest.New(l)
	}
	per := (int64(heapAfterGC()) - int64(base)) / int64(len(live))
	l.runCleanups()
	runtime.KeepAlive(live)

	growth := int64(after) - int64(before)
	t.Logf("1,000 servers made, used and closed in %v (%v each); heap %d -> %d bytes after GC (%+d); a live idle server holds about %d bytes",
		elapsed, elapsed/1000, before, after, growth, per)
	if limit := int64(128 << 10); growth > limit {
		t.Fatalf("heap grew by %d bytes over 1,000 servers (limit %d)", growth, limit)
	}
}
