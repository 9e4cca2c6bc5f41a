package transport

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/internal/zkserver"
)

// TestClientFailoverApache38 stops the server a client is connected to, in
// a three-server Apache ZooKeeper 3.8 ensemble on loopback, in the middle
// of a write workload: the client moves to another server, its session,
// ephemeral and watches (one-shot and persistent) survive, and every write
// it was told succeeded is there. It skips when Java ZooKeeper is missing.
func TestClientFailoverApache38(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three JVMs; skipped in -short mode")
	}
	ens := zkserver.StartEnsemble(t, 3, zkserver.Options{MaxSessionTimeout: 20 * time.Second})
	ctx := context.Background()
	ev := newStateEvents()
	c := dialTest(t, ens.Addr(), WithSessionTimeout(15*time.Second), WithEventCallback(ev.callback))
	ev.wait(t, api.StateSyncConnected)
	id := c.SessionID()
	for _, p := range []string{"/fo", "/fo/w", "/fo/watched", "/fo/pw"} {
		if _, err := c.Create(ctx, p, nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
			t.Fatal(err)
		}
	}
	eph, err := c.Create(ctx, "/fo/eph", nil, api.OpenACLUnsafe, api.ModeEphemeral)
	if err != nil {
		t.Fatal(err)
	}
	_, _, dataW, err := c.GetW(ctx, "/fo/watched")
	if err != nil {
		t.Fatal(err)
	}
	persW, err := c.AddWatch(ctx, "/fo/pw", api.AddWatchPersistent)
	if err != nil {
		t.Fatal(err)
	}

	// The workload: sequential creates, pipelined by four writers.
	var mu sync.Mutex
	acked := map[string]bool{}
	losses := 0
	progress := make(chan struct{}, 1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				p := fmt.Sprintf("/fo/w/%d-%d", w, i)
				_, err := c.Create(ctx, p, []byte(p), api.OpenACLUnsafe, api.ModePersistent)
				mu.Lock()
				switch {
				case err == nil:
					acked[p] = true
				case errors.Is(err, api.ErrConnectionLoss):
					losses++ // outcome unknown
				default:
					mu.Unlock()
					t.Errorf("Create %s: %v", p, err)
					return
				}
				mu.Unlock()
				if err == nil {
					select {
					case progress <- struct{}{}:
					default:
					}
				}
			}
		}()
	}
	awaitProgress := func(n int) {
		t.Helper()
		timeout := time.After(60 * time.Second)
		for range n {
			select {
			case <-progress:
			case <-timeout:
				t.Fatalf("the workload made no progress for 60s")
			}
		}
	}
	awaitProgress(100)

	c.mu.Lock()
	addr := c.cur.addr
	c.mu.Unlock()
	victim := 0
	for i, m := range ens.Members() {
		if m.Addr() == addr {
			victim = i + 1
		}
	}
	if victim == 0 {
		t.Fatalf("connected to %s, not a member of %s", addr, ens.Addr())
	}
	t.Logf("stopping member %d (%s), leader is %d", victim, addr, ens.Leader())
	ens.Stop(victim)
	ev.waitFor(t, api.StateDisconnected)
	ev.waitFor(t, api.StateSyncConnected)
	awaitProgress(100)
	close(stop)
	wg.Wait()

	c.mu.Lock()
	now := c.cur.addr
	c.mu.Unlock()
	if now == addr {
		t.Fatalf("still connected to the stopped server %s", addr)
	}
	if c.SessionID() != id {
		t.Fatalf("session %v after failover, want %v", c.SessionID(), id)
	}
	other := dialTest(t, now)
	if st, err := other.Exists(ctx, eph); err != nil || st == nil || st.EphemeralOwner != id {
		t.Fatalf("ephemeral after failover: %+v, %v", st, err)
	}
	if _, err := other.Set(ctx, "/fo/watched", []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	wantEvent(t, dataW, api.EventNodeDataChanged, "/fo/watched")
	if _, err := other.Set(ctx, "/fo/pw", []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	wantEvent(t, persW, api.EventNodeDataChanged, "/fo/pw")

	if _, err := c.Sync(ctx, "/fo/w"); err != nil {
		t.Fatal(err)
	}
	kids, _, err := c.Children(ctx, "/fo/w")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, k := range kids {
		have["/fo/w/"+k] = true
	}
	for p := range acked {
		if !have[p] {
			t.Fatalf("acknowledged create %s lost in the failover", p)
		}
	}
	t.Logf("%d creates acknowledged, %d lost their connection, %d znodes present", len(acked), losses, len(kids))
}
