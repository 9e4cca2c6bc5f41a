package soak

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/internal/reliability/rig"
	"github.com/zkembed/zkembed/transport"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func settings(t *testing.T) (time.Duration, int) {
	d, n := 10*time.Second, 250 // .ci/reliability.sh runs 60s and 1,000
	if testing.Short() {
		d, n = 3*time.Second, 100
	}
	if s := os.Getenv("ZKEMBED_SOAK_DURATION"); s != "" {
		v, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("ZKEMBED_SOAK_DURATION=%q: %v", s, err)
		}
		d = v
	}
	if s := os.Getenv("ZKEMBED_SOAK_SESSIONS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 2 {
			t.Fatalf("ZKEMBED_SOAK_SESSIONS=%q: want a number above 1", s)
		}
		n = v
	}
	return d, n
}

// session is one soak client and what it has seen.
type session struct {
	i      int
	c      *transport.Client
	own    string
	sets   atomic.Int64 // successful sets of own
	pEvent atomic.Int64 // persistent watch events on own
	// One-shot watch on the neighbour: owned by the worker goroutine.
	oneShot      <-chan api.Event
	armed, fired int64
	dupes        int64
}

func (s *session) countPersistent(ch <-chan api.Event, errs chan<- error) {
	for ev := range ch {
		if ev.Type == api.EventNone {
			continue // the session's end
		}
		if ev.Type != api.EventNodeDataChanged || ev.Path != s.own {
			errs <- fmt.Errorf("session %d: persistent watch event %+v", s.i, ev)
			continue
		}
		s.pEvent.Add(1)
	}
}

// collect takes the one-shot watch's event if it fired, checking it is one
// NodeDataChanged followed by the channel's close.
func (s *session) collect(block bool, neighbour string, errs chan<- error) {
	if s.oneShot == nil {
		return
	}
	var ev api.Event
	var ok bool
	if block {
		select {
		case ev, ok = <-s.oneShot:
		case <-time.After(30 * time.Second):
			errs <- fmt.Errorf("session %d: armed watch on %s never fired", s.i, neighbour)
			s.oneShot = nil
			return
		}
	} else {
		select {
		case ev, ok = <-s.oneShot:
		default:
			return
		}
	}
	if !ok || ev.Type != api.EventNodeDataChanged || ev.Path != neighbour {
		errs <- fmt.Errorf("session %d: one-shot watch on %s: %+v (open %v)", s.i, neighbour, ev, ok)
	}
	s.fired++
	if _, more := <-s.oneShot; more {
		s.dupes++
		errs <- fmt.Errorf("session %d: a one-shot watch delivered a second event", s.i)
	}
	s.oneShot = nil
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func TestSoak(t *testing.T) {
	duration, n := settings(t)
	eng := rig.OpenEngine(t, engine.Options{Dir: t.TempDir()})
	srv := rig.StartServer(t, eng, transport.Options{})
	ctx := context.Background()
	setup := srv.DialPipe(t)
	if _, err := setup.Create(ctx, "/soak", nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
		t.Fatal(err)
	}
	baseG, baseHeap := runtime.NumGoroutine(), heapInUse()

	errs := make(chan error, 1000)
	ss := make([]*session, n)
	var consumers sync.WaitGroup
	for i := range ss {
		var c *transport.Client
		if i%5 == 0 {
			c = srv.Dial(t)
		} else {
			c = srv.DialPipe(t)
		}
		s := &session{i: i, c: c, own: fmt.Sprintf("/soak/s%d", i)}
		if _, err := c.Create(ctx, s.own, nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
			t.Fatal(err)
		}
		ch, err := c.AddWatch(ctx, s.own, api.AddWatchPersistent)
		if err != nil {
			t.Fatal(err)
		}
		consumers.Go(func() { s.countPersistent(ch, errs) })
		ss[i] = s
	}
	t.Logf("%d sessions open (%d over TCP), %d goroutines", n, (n+4)/5, runtime.NumGoroutine())

	var ops atomic.Int64
	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	for _, s := range ss {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(s.i), 7))
			neighbour := ss[(s.i+1)%n].own
			tick := time.NewTicker(time.Duration(50+rng.IntN(100)) * time.Millisecond) // paced load
			defer tick.Stop()
			k := 0
			fail := func(op string, err error) {
				select {
				case errs <- fmt.Errorf("session %d: %s: %w", s.i, op, err):
				default:
				}
			}
			for time.Now().Before(deadline) {
				<-tick.C
				s.collect(false, neighbour, errs)
				ops.Add(1)
				switch x := rng.IntN(100); {
				case x < 35:
					if _, _, err := s.c.Get(ctx, ss[rng.IntN(n)].own); err != nil {
						fail("get", err)
					}
				case x < 60:
					if _, err := s.c.Set(ctx, s.own, []byte(strconv.Itoa(k)), -1); err != nil {
						fail("set", err)
					} else {
						s.sets.Add(1)
					}
				case x < 75:
					if s.oneShot == nil {
						_, _, ch, err := s.c.GetW(ctx, neighbour)
						if err != nil {
							fail("getW", err)
						} else {
							s.oneShot = ch
							s.armed++
						}
					}
				case x < 88:
					k++
					p := fmt.Sprintf("/soak/e%d-%d", s.i, k)
					if _, err := s.c.Create(ctx, p, nil, api.OpenACLUnsafe, api.ModeEphemeral); err != nil {
						fail("create ephemeral", err)
					} else if err := s.c.Delete(ctx, p, 0); err != nil {
						fail("delete ephemeral", err)
					}
				case x < 95:
					k++
					p := fmt.Sprintf("/soak/m%d-%d", s.i, k)
					if _, err := s.c.Multi(ctx,
						&api.CreateRequest{Path: p, ACL: api.OpenACLUnsafe},
						&api.SetDataRequest{Path: p, Data: []byte("x"), Version: 0},
						&api.DeleteRequest{Path: p, Version: 1}); err != nil {
						fail("multi", err)
					}
				default:
					if _, err := s.c.GetAllChildrenNumber(ctx, "/soak"); err != nil {
						fail("getAllChildrenNumber", err)
					}
				}
			}
		})
	}
	wg.Wait()

	// Every armed one-shot watch fires once more change comes: each owner
	// sets its znode once more.
	for _, s := range ss {
		if _, err := s.c.Set(ctx, s.own, []byte("final"), -1); err != nil {
			t.Fatalf("final set: %v", err)
		}
		s.sets.Add(1)
	}
	var armed, fired int64
	for _, s := range ss {
		s.collect(true, ss[(s.i+1)%n].own, errs)
		armed += s.armed
		fired += s.fired
	}
	for _, s := range ss {
		s.c.Close()
	}
	consumers.Wait() // each persistent channel closes with its session
	close(errs)
	nerr := 0
	for err := range errs {
		if nerr++; nerr <= 20 {
			t.Error(err)
		}
	}
	var sets, pEvents int64
	for _, s := range ss {
		sets += s.sets.Load()
		pEvents += s.pEvent.Load()
		if s.sets.Load() != s.pEvent.Load() {
			t.Errorf("session %d: %d sets of its znode, %d persistent watch events", s.i, s.sets.Load(), s.pEvent.Load())
		}
	}
	if armed != fired {
		t.Errorf("%d one-shot watches armed, %d fired", armed, fired)
	}
	t.Logf("%d sessions for %v: %d operations, %d unexpected errors, %d one-shot watches fired once each, %d persistent watch events for %d sets",
		n, duration, ops.Load(), nerr, fired, pEvents, sets)

	// Back to baseline: the server's connection goroutines end as it sees
	// each close; there is nothing to wait on but the count, so look at it
	// every 10 ms, for at most 20 s.
	end := time.Now().Add(20 * time.Second)
	for (runtime.NumGoroutine() > baseG+5 || srv.Srv.Counters().Connections != 1) && time.Now().Before(end) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > baseG+5 {
		t.Errorf("%d goroutines after the load, %d before", g, baseG)
	}
	if c := srv.Srv.Counters(); c.Connections != 1 {
		t.Errorf("%d connections open after the sessions closed, want 1 (setup)", c.Connections)
	}
	if h := heapInUse(); h > baseHeap+64<<20 {
		t.Errorf("heap in use %d MiB after the load, %d MiB before", h>>20, baseHeap>>20)
	} else {
		t.Logf("heap in use: %d MiB before, %d MiB after; goroutines: %d before, %d after", baseHeap>>20, h>>20, baseG, runtime.NumGoroutine())
	}
	if got := len(eng.Sessions()); got != 1 {
		t.Errorf("%d sessions left on the engine, want 1 (setup)", got)
	}
}
