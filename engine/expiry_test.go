package engine

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
)

func TestSessionExpiryWithVirtualTime(t *testing.T) {
	ctx := context.Background()
	clock := NewManualClock(epoch)
	e := open(t, Options{Clock: clock, TickTime: 2 * time.Second})
	watcher := client(t, e)
	ss, events := wireSession(t, e, 30*time.Second)
	if ss.Timeout() != 30*time.Second {
		t.Fatalf("negotiated %v, want 30s", ss.Timeout())
	}
	r := do(t, ss, &api.CreateRequest{Path: "/lock", ACL: api.OpenACLUnsafe, Mode: api.ModeEphemeral})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	_, ch, err := watcher.ExistsW(ctx, "/lock")
	if err != nil {
		t.Fatal(err)
	}

	// Pings keep it alive: touch at 20s, so 40s is not past the deadline.
	clock.Advance(20 * time.Second)
	ss.Touch()
	clock.Advance(20 * time.Second)
	if err := e.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := watcher.Exists(ctx, "/lock"); st == nil {
		t.Fatal("session expired although it was touched")
	}
	// Silence for longer than the timeout expires it.
	clock.Advance(11 * time.Second)
	if err := e.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	ev := <-ch
	if ev.Type != api.EventNodeDeleted || ev.Path != "/lock" {
		t.Fatalf("watcher got %+v, want NodeDeleted /lock", ev)
	}
	if st, _ := watcher.Exists(ctx, "/lock"); st != nil {
		t.Fatal("ephemeral survived expiry")
	}
	if got := <-events; got.State != api.StateExpired {
		t.Fatalf("session heard %+v, want Expired", got)
	}
	if r := do(t, ss, &api.GetDataRequest{Path: "/"}); api.CodeOf(r.Err) != api.ErrSessionExpired {
		t.Fatalf("request on expired session: %v", r.Err)
	}
	if _, err := e.OpenSession(api.SessionParams{ID: ss.ID(), Password: ss.Password()}, nil); api.CodeOf(err) != api.ErrSessionExpired {
		t.Fatalf("resume expired session: %v", err)
	}
}

func TestSessionTimeoutNegotiation(t *testing.T) {
	e := open(t, Options{TickTime: time.Second})
	for _, c := range []struct{ ask, want time.Duration }{
		{0, 2 * time.Second}, {time.Second, 2 * time.Second}, {5 * time.Second, 5 * time.Second},
		{20 * time.Second, 20 * time.Second}, {time.Hour, 20 * time.Second},
	} {
		ss, _ := wireSession(t, e, c.ask)
		if ss.Timeout() != c.want {
			t.Errorf("asked %v, got %v, want %v", c.ask, ss.Timeout(), c.want)
		}
		do(t, ss, &api.CloseSessionRequest{})
	}
}

func TestTTLExpiryWithVirtualTime(t *testing.T) {
	ctx := context.Background()
	clock := NewManualClock(epoch)
	e := open(t, Options{Clock: clock, ContainerCheckInterval: time.Second})
	c := client(t, e)
	if _, _, err := c.Create2(ctx, "/ttl", nil, api.OpenACLUnsafe, api.ModePersistentWithTTL, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	p, st, err := c.Create2(ctx, "/ttlseq-", nil, api.OpenACLUnsafe, api.ModePersistentSequentialWithTTL, 10*time.Second)
	if err != nil || p != "/ttlseq-0000000001" {
		t.Fatalf("create %s: %v", p, err)
	}
	if st.EphemeralOwner != 0 {
		t.Fatalf("client sees TTL ephemeralOwner %x, want 0", st.EphemeralOwner)
	}
	e.treeMu.RLock()
	owner := e.tree.get(p).stat.EphemeralOwner
	e.treeMu.RUnlock()
	if want := api.SessionID(-0x100000000000000 | 10000); owner != want {
		t.Fatalf("stored TTL ephemeralOwner %x, want %x", owner, want)
	}
	mustCreate(t, c, "/ttl/child", api.ModePersistent)
	clock.Advance(5 * time.Second)
	if err := e.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Exists(ctx, "/ttlseq-0000000001"); st == nil {
		t.Fatal("TTL node reaped before its TTL")
	}
	clock.Advance(6 * time.Second)
	if err := e.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Exists(ctx, "/ttlseq-0000000001"); st != nil {
		t.Fatal("TTL node not reaped after its TTL")
	}
	if st, _ := c.Exists(ctx, "/ttl"); st == nil {
		t.Fatal("TTL node with a child was reaped")
	}
	if err := c.Delete(ctx, "/ttl/child", -1); err != nil {
		t.Fatal(err)
	}
	// The TTL counts from the last data change (mtime), not the child's delete.
	clock.Advance(2 * time.Second)
	if err := e.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Exists(ctx, "/ttl"); st != nil {
		t.Fatal("empty TTL node past its TTL not reaped")
	}
	// A set pushes the TTL back.
	if _, _, err := c.Create2(ctx, "/ttl2", nil, api.OpenACLUnsafe, api.ModePersistentWithTTL, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	clock.Advance(8 * time.Second)
	if _, err := c.Set(ctx, "/ttl2", []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(8 * time.Second)
	if err := e.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Exists(ctx, "/ttl2"); st == nil {
		t.Fatal("TTL node reaped although set within its TTL")
	}
}

func TestTTLErrors(t *testing.T) {
	ctx := context.Background()
	c := client(t, open(t, Options{}))
	for _, tc := range []struct {
		mode api.CreateMode
		ttl  time.Duration
		want api.Code
	}{
		{api.ModePersistentWithTTL, 0, api.ErrBadArguments},
		{api.ModePersistentWithTTL, -time.Second, api.ErrBadArguments},
		{api.ModePersistentWithTTL, time.Duration(maxTTLMillis+1) * time.Millisecond, api.ErrBadArguments},
		{api.ModePersistent, time.Second, api.ErrBadArguments},
		{api.ModeEphemeral, time.Second, api.ErrBadArguments},
		{api.CreateMode(7), 0, api.ErrBadArguments},
	} {
		_, _, err := c.Create2(ctx, "/x", nil, api.OpenACLUnsafe, tc.mode, tc.ttl)
		if api.CodeOf(err) != tc.want {
			t.Errorf("mode %v ttl %v: %v, want %v", tc.mode, tc.ttl, err, tc.want)
		}
	}
	off := client(t, open(t, Options{DisableTTL: true}))
	if _, _, err := off.Create2(ctx, "/x", nil, api.OpenACLUnsafe, api.ModePersistentWithTTL, time.Second); api.CodeOf(err) != api.ErrUnimplemented {
		t.Errorf("TTL disabled: %v, want Unimplemented", err)
	}
}

func TestContainerReapingWithVirtualTime(t *testing.T) {
	ctx := context.Background()
	clock := NewManualClock(epoch)
	e := open(t, Options{Clock: clock, ContainerCheckInterval: time.Minute})
	c := client(t, e)
	mustCreate(t, c, "/used", api.ModeContainer)
	mustCreate(t, c, "/never", api.ModeContainer)
	mustCreate(t, c, "/used/a", api.ModePersistent)
	st := must[*api.Stat](t)(c.Exists(ctx, "/used"))
	if st.EphemeralOwner != 0 {
		t.Fatalf("client sees container ephemeralOwner %x, want 0", st.EphemeralOwner)
	}
	_, ch, err := c.ExistsW(ctx, "/used")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, "/used/a", -1); err != nil {
		t.Fatal(err)
	}
	// Not before the check interval.
	clock.Advance(30 * time.Second)
	if err := e.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Exists(ctx, "/used"); st == nil {
		t.Fatal("container reaped before the check interval")
	}
	clock.Advance(31 * time.Second)
	if err := e.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if ev := <-ch; ev.Type != api.EventNodeDeleted {
		t.Fatalf("watch on reaped container: %+v", ev)
	}
	if st, _ := c.Exists(ctx, "/never"); st == nil {
		t.Fatal("a container that never had children was reaped")
	}
}

// Connections racing to resume one session: each attach supersedes the one
// before, and only the newest handle is live.
func TestConcurrentResume(t *testing.T) {
	e := open(t, Options{})
	ss, _ := wireSession(t, e, 10*time.Second)
	var wg sync.WaitGroup
	handles := make(chan api.ServerSession, 8)
	for range 8 {
		wg.Go(func() {
			h, err := e.OpenSession(api.SessionParams{ID: ss.ID(), Password: ss.Password(), RemoteAddr: "127.0.0.1:1"}, func(api.Event) {})
			if err != nil {
				t.Error(err)
				return
			}
			do(t, h, &api.AddAuthRequest{Scheme: "digest", Auth: []byte("u:p")})
			handles <- h
		})
	}
	wg.Wait()
	close(handles)
	live := 0
	for h := range handles {
		if r := do(t, h, &api.ExistsRequest{Path: "/"}); r.Err == nil {
			live++
		} else if api.CodeOf(r.Err) != api.ErrSessionMoved {
			t.Fatalf("superseded handle: %v", r.Err)
		}
		h.Detach()
	}
	if live != 1 {
		t.Fatalf("%d live handles, want 1", live)
	}
}
