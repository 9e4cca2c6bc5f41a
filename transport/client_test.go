package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/internal/clientwatch"
	"github.com/zkembed/zkembed/jute"
)

func TestParseConnectString(t *testing.T) {
	for _, tc := range []struct {
		in     string
		hosts  []string
		chroot string
		bad    bool
	}{
		{in: "localhost", hosts: []string{"localhost:2181"}},
		{in: "a:1,b:2,c", hosts: []string{"a:1", "b:2", "c:2181"}},
		{in: "a:", hosts: []string{"a:2181"}},
		{in: "[::1]:2182,[fe80::1]", hosts: []string{"[::1]:2182", "[fe80::1]:2181"}},
		{in: "10.0.0.1:2181/app/x", hosts: []string{"10.0.0.1:2181"}, chroot: "/app/x"},
		{in: "a,b/", hosts: []string{"a:2181", "b:2181"}},
		{in: " a , ,b ", hosts: []string{"a:2181", "b:2181"}},
		{in: "", bad: true},
		{in: "/app", bad: true},
		{in: "a/app/", bad: true},
		{in: "a//b", bad: true},
		{in: "a:x", bad: true},
		{in: "a:70000", bad: true},
		{in: "[::1", bad: true},
		{in: "[::1]x", bad: true},
	} {
		cs, err := ParseConnectString(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseConnectString(%q) = %+v, want an error", tc.in, cs)
			}
			continue
		}
		if err != nil || !slices.Equal(cs.Hosts, tc.hosts) || cs.Chroot != tc.chroot {
			t.Errorf("ParseConnectString(%q) = %+v, %v; want %v %q", tc.in, cs, err, tc.hosts, tc.chroot)
		}
	}
}

func TestHostProviderRing(t *testing.T) {
	hosts := []string{"a:1", "b:1", "c:1", "d:1", "e:1"}
	h := newHostProvider(hosts, 10*time.Millisecond, 40*time.Millisecond)
	var round []string
	for range hosts {
		addr, wait := h.Next()
		if wait != 0 {
			t.Fatalf("wait %v within the first round", wait)
		}
		round = append(round, addr)
	}
	if sorted := slices.Sorted(slices.Values(round)); !slices.Equal(sorted, hosts) {
		t.Fatalf("first round %v is not a permutation of %v", round, hosts)
	}
	// A full round failed: back off, then the same ring order again, with
	// the backoff doubling up to the maximum.
	for i, want := range []time.Duration{10, 20, 40, 40} {
		want *= time.Millisecond
		for j, host := range round {
			addr, wait := h.Next()
			if addr != host {
				t.Fatalf("round %d: host %d is %s, want %s (the ring order)", i, j, addr, host)
			}
			if j == 0 && (wait < want || wait > want+want/4) {
				t.Fatalf("round %d: wait %v, want %v plus up to a quarter", i, wait, want)
			}
			if j > 0 && wait != 0 {
				t.Fatalf("round %d: wait %v before host %d", i, wait, j)
			}
		}
	}
	// A connection resets the backoff: the next host comes at once, and a
	// full failed round later the wait starts again from the minimum.
	h.Connected()
	for range hosts {
		if _, wait := h.Next(); wait != 0 {
			t.Fatalf("wait %v after a connection", wait)
		}
	}
	if _, wait := h.Next(); wait < 10*time.Millisecond || wait > 13*time.Millisecond {
		t.Fatalf("wait %v after a failed round following a connection, want the minimum", wait)
	}
}

func TestChrootPaths(t *testing.T) {
	r := chroot("/app")
	for _, tc := range [][2]string{{"/", "/app"}, {"/a", "/app/a"}, {"/a/b", "/app/a/b"}} {
		if got := r.server(tc[0]); got != tc[1] {
			t.Errorf("server(%q) = %q, want %q", tc[0], got, tc[1])
		}
		if got := r.client(tc[1]); got != tc[0] {
			t.Errorf("client(%q) = %q, want %q", tc[1], got, tc[0])
		}
	}
	if r.contains("/application") || !r.contains("/app") || !r.contains("/app/x") {
		t.Error("contains mismatches")
	}
	if got := r.client("/application"); got != "/application" {
		t.Errorf("client of a path outside the chroot = %q", got)
	}
	if chroot("").server("/a") != "/a" || chroot("").client("/a") != "/a" {
		t.Error("the empty chroot changes paths")
	}
}

// TestClientSetWatchesChunks checks that re-registration splits the watches
// into setWatches requests of about 128 KB of paths, uses setWatches2 only
// for chunks holding persistent watches, prefixes the chroot, and sends
// the credentials first.
func TestClientSetWatchesChunks(t *testing.T) {
	m := clientwatch.New()
	defer m.Close()
	defer m.End(api.StateClosed)
	c := &Client{watches: m, root: "/r", auth: []authInfo{{scheme: "digest", auth: []byte("u:p")}}}
	c.lastZxid.Store(42)
	long := strings.Repeat("x", 1000)
	want := map[string]bool{}
	for i := range 300 { // 300 KB of data watches
		p := fmt.Sprintf("/d%03d%s", i, long)
		m.Register(clientwatch.Data, p)
		want["/r"+p] = true
	}
	m.Register(clientwatch.Child, "/c")
	m.Register(clientwatch.Recursive, "/")
	want["/r/c"], want["/r"] = true, true
	calls := c.primeCalls()
	if len(calls) != 4 || calls[0].op != jute.OpAuth {
		t.Fatalf("%d prime calls (first %v), want auth then 3 setWatches", len(calls), calls[0].op)
	}
	got := map[string]bool{}
	for i, cl := range calls[1:] {
		var paths [][]string
		var rel int64
		switch r := cl.req.(type) {
		case *jute.SetWatches:
			if i == 2 {
				t.Fatalf("last chunk (with the recursive watch) is %v, want setWatches2", cl.op)
			}
			rel, paths = r.RelativeZxid, [][]string{r.DataWatches, r.ExistWatches, r.ChildWatches}
		case *jute.SetWatches2:
			if i != 2 {
				t.Fatalf("chunk %d is setWatches2 with no persistent watch", i)
			}
			if !slices.Equal(r.PersistentRecursiveWatches, []string{"/r"}) {
				t.Fatalf("recursive watches %v", r.PersistentRecursiveWatches)
			}
			rel, paths = r.RelativeZxid, [][]string{r.DataWatches, r.ExistWatches, r.ChildWatches, r.PersistentRecursiveWatches}
		}
		if rel != 42 {
			t.Fatalf("relativeZxid %d, want 42", rel)
		}
		n := 0
		for _, ps := range paths {
			for _, p := range ps {
				got[p] = true
				n += len(p)
			}
		}
		if n > setWatchesMaxLength+1100 {
			t.Fatalf("chunk %d holds %d path bytes", i, n)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("re-registered %d paths, want %d", len(got), len(want))
	}
	for p := range want {
		if !got[p] {
			t.Fatalf("%s not re-registered", p)
		}
	}
}

// TestClientDroppedConnection breaks the connection with requests in
// flight: they fail with ConnectionLoss, the session survives, and watches
// whose znodes changed while the client was away fire once it has
// reconnected and re-registered them.
func TestClientDroppedConnection(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		ts := startServer(t, Options{})
		other := ts.client(t, transport)
		ctx := context.Background()
		for _, p := range []string{"/a", "/p", "/kids"} {
			if _, err := other.Create(ctx, p, nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
				t.Fatal(err)
			}
		}
		d := newTestDialer(tcpDialer())
		if transport == "pipe" {
			d = newTestDialer(ts.pipe.ClientDialer())
		}
		ev := newStateEvents()
		c := dialTest(t, ts.addr, WithDialer(d.Dial), WithEventCallback(ev.callback))
		ev.wait(t, api.StateSyncConnected)
		id := c.SessionID()
		eph, err := c.Create(ctx, "/eph", nil, api.OpenACLUnsafe, api.ModeEphemeral)
		if err != nil {
			t.Fatal(err)
		}
		_, _, dataW, err := c.GetW(ctx, "/a")
		if err != nil {
			t.Fatal(err)
		}
		_, _, childW, err := c.ChildrenW(ctx, "/kids")
		if err != nil {
			t.Fatal(err)
		}
		_, existW, err := c.ExistsW(ctx, "/new")
		if err != nil {
			t.Fatal(err)
		}
		persW, err := c.AddWatch(ctx, "/p", api.AddWatchPersistent)
		if err != nil {
			t.Fatal(err)
		}

		// Requests in flight: their frames are out, the replies stalled.
		d.last().freeze()
		errs := make(chan error, 3)
		for range 3 {
			go func() { _, _, err := c.Get(ctx, "/a"); errs <- err }()
		}
		waitPending(t, c, d, 3)
		d.hold()
		d.breakAll()
		for range 3 {
			if err := <-errs; !errors.Is(err, api.ErrConnectionLoss) {
				t.Fatalf("request in flight: %v, want ConnectionLoss", err)
			}
		}
		ev.wait(t, api.StateDisconnected)

		// Changes while the client is away.
		if _, err := other.Set(ctx, "/a", []byte("x"), -1); err != nil {
			t.Fatal(err)
		}
		if _, err := other.Create(ctx, "/kids/k", nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
			t.Fatal(err)
		}
		if _, err := other.Create(ctx, "/new", nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
			t.Fatal(err)
		}
		if _, err := other.Set(ctx, "/p", []byte("y"), -1); err != nil {
			t.Fatal(err)
		}
		noEvent(t, dataW)
		d.release()
		ev.wait(t, api.StateSyncConnected)
		wantEvent(t, dataW, api.EventNodeDataChanged, "/a")
		wantEvent(t, childW, api.EventNodeChildrenChanged, "/kids")
		wantEvent(t, existW, api.EventNodeCreated, "/new")
		if c.SessionID() != id {
			t.Fatalf("session %v after reconnecting, want %v", c.SessionID(), id)
		}
		if st, err := other.Exists(ctx, eph); err != nil || st == nil || st.EphemeralOwner != id {
			t.Fatalf("ephemeral after reconnecting: %+v, %v", st, err)
		}
		// The persistent watch is registered again (setWatches2). As in
		// ZooKeeper's DataTree.setWatches, it does not replay what it
		// missed: its next event is the next change.
		st, err := other.Set(ctx, "/p", []byte("z"), -1)
		if err != nil {
			t.Fatal(err)
		}
		if e := wantEvent(t, persW, api.EventNodeDataChanged, "/p"); e.Zxid != st.Mzxid {
			t.Fatalf("persistent watch event of zxid %#x, want the new change's %#x", e.Zxid, st.Mzxid)
		}
	})
}

// TestClientSessionExpiry expires a session on the server: every watch of
// the client hears Expired, its ephemerals go, and its calls fail with
// SessionExpired.
func TestClientSessionExpiry(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		ts := startServer(t, Options{})
		ctx := context.Background()
		other := ts.client(t, transport)
		ev := newStateEvents()
		c := ts.client(t, transport, WithEventCallback(ev.callback))
		ev.wait(t, api.StateSyncConnected)
		eph, err := c.Create(ctx, "/e", nil, api.OpenACLUnsafe, api.ModeEphemeralSequential)
		if err != nil {
			t.Fatal(err)
		}
		_, goneW, err := other.ExistsW(ctx, eph)
		if err != nil {
			t.Fatal(err)
		}
		// Watches on znodes the expiry does not touch.
		if _, err := other.Create(ctx, "/kids", nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
			t.Fatal(err)
		}
		_, _, dataW, _ := c.GetW(ctx, "/kids")
		_, _, childW, _ := c.ChildrenW(ctx, "/kids")
		_, existW, _ := c.ExistsW(ctx, "/missing")
		persW, _ := c.AddWatch(ctx, "/", api.AddWatchPersistentRecursive)
		if err := ts.eng.ExpireSession(ctx, c.SessionID()); err != nil {
			t.Fatal(err)
		}
		wantEvent(t, goneW, api.EventNodeDeleted, eph)
		for _, ch := range []<-chan api.Event{dataW, childW, existW} {
			wantEnd(t, ch, api.StateExpired)
		}
		// The recursive watch may first hear the ephemeral's deletion.
		for e := range persW {
			if e.Type == api.EventNone {
				if e.State != api.StateExpired {
					t.Fatalf("persistent watch ended with %v", e.State)
				}
				break
			}
		}
		ev.waitFor(t, api.StateExpired)
		if _, _, err := c.Get(ctx, "/"); !errors.Is(err, api.ErrSessionExpired) {
			t.Fatalf("Get after expiry: %v", err)
		}
		if c.State() != api.StateExpired {
			t.Fatalf("State() = %v", c.State())
		}
		if st, _ := other.Exists(ctx, eph); st != nil {
			t.Fatal("ephemeral survived its session")
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		select {
		case e := <-ev:
			t.Fatalf("state event %v after Close of an expired session", e.State)
		default:
		}
	})
}

// TestClientChroot checks that every path the client sees is relative to
// its chroot: results, created names, multi results, ephemerals and events.
func TestClientChroot(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		ts := startServer(t, Options{})
		ctx := context.Background()
		root := ts.client(t, transport)
		for _, p := range []string{"/app", "/application"} {
			if _, err := root.Create(ctx, p, nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
				t.Fatal(err)
			}
		}
		addr := ts.addr + "/app"
		var opts []ClientOption
		if transport == "pipe" {
			addr = "pipe/app"
			opts = append(opts, WithDialer(ts.pipe.ClientDialer()))
		}
		c := dialTest(t, addr, opts...)
		rec, err := c.AddWatch(ctx, "/", api.AddWatchPersistentRecursive)
		if err != nil {
			t.Fatal(err)
		}
		_, _, rootKids, err := c.ChildrenW(ctx, "/")
		if err != nil {
			t.Fatal(err)
		}
		check := func(what, got, want string) {
			t.Helper()
			if got != want {
				t.Fatalf("%s = %q, want %q", what, got, want)
			}
		}
		name, err := c.Create(ctx, "/x", []byte("1"), api.OpenACLUnsafe, api.ModePersistent)
		check("Create", name, "/x")
		wantEvent(t, rootKids, api.EventNodeChildrenChanged, "/")
		wantEvent(t, rec, api.EventNodeCreated, "/x")
		if _, _, err := root.Get(ctx, "/app/x"); err != nil {
			t.Fatalf("/app/x on the server: %v", err)
		}
		name, _, err = c.Create2(ctx, "/x/s-", nil, api.OpenACLUnsafe, api.ModeEphemeralSequential, 0)
		check("Create2 sequential", name, "/x/s-0000000000")
		wantEvent(t, rec, api.EventNodeCreated, "/x/s-0000000000")
		res, err := c.Multi(ctx, &api.CreateRequest{Path: "/m", ACL: api.OpenACLUnsafe},
			&api.CreateRequest{Path: "/m/e-", ACL: api.OpenACLUnsafe, Mode: api.ModeEphemeralSequential})
		if err != nil {
			t.Fatal(err)
		}
		check("multi create", res[0].Path, "/m")
		check("multi sequential create", res[1].Path, "/m/e-0000000000")
		wantEvent(t, rec, api.EventNodeCreated, "/m")
		wantEvent(t, rec, api.EventNodeCreated, "/m/e-0000000000")
		eph, err := c.GetEphemerals(ctx, "/")
		slices.Sort(eph)
		if err != nil || !slices.Equal(eph, []string{"/m/e-0000000000", "/x/s-0000000000"}) {
			t.Fatalf("GetEphemerals = %v, %v", eph, err)
		}
		p, err := c.Sync(ctx, "/x")
		check("Sync", p, "/x")
		kids, _, err := c.Children(ctx, "/")
		slices.Sort(kids)
		if !slices.Equal(kids, []string{"m", "x"}) {
			t.Fatalf("Children(/) = %v", kids)
		}
		_, _, dataW, _ := c.GetW(ctx, "/x")
		if _, err := root.Set(ctx, "/app/x", []byte("2"), -1); err != nil {
			t.Fatal(err)
		}
		wantEvent(t, dataW, api.EventNodeDataChanged, "/x")
		wantEvent(t, rec, api.EventNodeDataChanged, "/x")
		if _, err := root.Set(ctx, "/app", []byte("r"), -1); err != nil {
			t.Fatal(err)
		}
		wantEvent(t, rec, api.EventNodeDataChanged, "/")
		// A change outside the chroot is not seen.
		if _, err := root.Set(ctx, "/application", []byte("r"), -1); err != nil {
			t.Fatal(err)
		}
		if err := c.Delete(ctx, "/m/e-0000000000", -1); err != nil {
			t.Fatal(err)
		}
		wantEvent(t, rec, api.EventNodeDeleted, "/m/e-0000000000")
	})
}

// TestClientOlderServer gives the client a server whose zxid is behind the
// one it has seen: that server refuses it, the client moves to the next
// host, and the session is not lost.
func TestClientOlderServer(t *testing.T) {
	ahead := startServer(t, Options{})
	behind := startServer(t, Options{})
	ctx := context.Background()
	d := newTestDialer(func(ctx context.Context, _, addr string) (net.Conn, error) {
		if addr == "behind:2181" {
			return behind.pipe.DialContext(ctx)
		}
		return ahead.pipe.DialContext(ctx)
	})
	d.setRefused("behind:2181", true)
	ev := newStateEvents()
	c := dialTest(t, "ahead,behind", WithDialer(d.Dial), WithEventCallback(ev.callback),
		WithReconnectBackoff(time.Millisecond, 5*time.Millisecond))
	ev.wait(t, api.StateSyncConnected)
	for i := range 5 {
		if _, err := c.Create(ctx, fmt.Sprintf("/n%d", i), nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
			t.Fatal(err)
		}
	}
	if c.LastZxid() <= behind.eng.LastZxid() {
		t.Fatalf("client zxid %#x not ahead of the other server's %#x", c.LastZxid(), behind.eng.LastZxid())
	}
	id := c.SessionID()
	// Only the server that is behind is reachable now.
	d.setRefused("behind:2181", false)
	d.setRefused("ahead:2181", true)
	before := d.attempts("behind:2181")
	d.breakAll()
	ev.wait(t, api.StateDisconnected)
	refusals := 0
	for d.attempts("behind:2181") < before+3 {
		<-d.written // each attempt writes a connect request, and is refused
		refusals++
	}
	if c.State() != api.StateDisconnected {
		t.Fatalf("state %v while only a server behind is reachable", c.State())
	}
	if !strings.Contains(behind.logs.String(), "refusing session") {
		t.Fatalf("the server behind did not refuse the client:\n%s", behind.logs.String())
	}
	d.setRefused("ahead:2181", false)
	ev.wait(t, api.StateSyncConnected)
	if c.SessionID() != id {
		t.Fatalf("session %v, want %v", c.SessionID(), id)
	}
	if _, _, err := c.Get(ctx, "/n4"); err != nil {
		t.Fatal(err)
	}
}

// TestClientCancel checks that a cancelled request never desynchronises the
// stream: before it is sent it is withdrawn; after, its reply is dropped.
func TestClientCancel(t *testing.T) {
	ts := startServer(t, Options{})
	d := newTestDialer(ts.pipe.ClientDialer())
	c := dialTest(t, "pipe", WithDialer(d.Dial))
	bg := context.Background()
	if _, err := c.Create(bg, "/a", []byte("a"), api.OpenACLUnsafe, api.ModePersistent); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(bg)
	cancel()
	if _, err := c.Create(cancelled, "/never", nil, api.OpenACLUnsafe, api.ModePersistent); !errors.Is(err, context.Canceled) {
		t.Fatalf("Create with a cancelled ctx: %v", err)
	}
	// Cancelled after sending: the reply is read and dropped.
	d.last().freeze()
	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() { _, _, err := c.Get(ctx, "/a"); done <- err }()
	waitPending(t, c, d, 1)
	var wg sync.WaitGroup
	results := make([]string, 20)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data, _, err := c.Get(bg, "/a")
			if err != nil {
				results[i] = err.Error()
				return
			}
			results[i] = string(data)
		}()
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Get: %v", err)
	}
	d.last().thaw()
	wg.Wait()
	for i, r := range results {
		if r != "a" {
			t.Fatalf("Get %d after a cancelled one = %q, want a", i, r)
		}
	}
	if st, _ := c.Exists(bg, "/never"); st != nil {
		t.Fatal("a create cancelled before it was sent was applied")
	}
}

// TestClientAuth checks that credentials are replayed on reconnection and
// that a refused one ends the session with AuthFailed.
func TestClientAuth(t *testing.T) {
	ts := startServer(t, Options{})
	ctx := context.Background()
	d := newTestDialer(ts.pipe.ClientDialer())
	ev := newStateEvents()
	c := dialTest(t, "pipe", WithDialer(d.Dial), WithEventCallback(ev.callback))
	ev.wait(t, api.StateSyncConnected)
	if err := c.AddAuth(ctx, "digest", []byte("alice:pw")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, "/secret", []byte("s"), api.DigestACL(api.PermAll, "alice", "pw"), api.ModePersistent); err != nil {
		t.Fatal(err)
	}
	d.breakAll()
	ev.wait(t, api.StateDisconnected)
	ev.wait(t, api.StateSyncConnected)
	if _, _, err := c.Get(ctx, "/secret"); err != nil {
		t.Fatalf("Get after reconnecting (credentials not replayed?): %v", err)
	}
	// WithAuth: sent before anything else.
	a := dialTest(t, "pipe", WithDialer(ts.pipe.ClientDialer()), WithAuth("digest", []byte("alice:pw")))
	if _, _, err := a.Get(ctx, "/secret"); err != nil {
		t.Fatalf("Get WithAuth: %v", err)
	}
	// A refused credential ends the session.
	_, _, w, err := c.GetW(ctx, "/secret")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddAuth(ctx, "nosuch", []byte("x")); !errors.Is(err, api.ErrAuthFailed) {
		t.Fatalf("AddAuth with an unknown scheme: %v", err)
	}
	wantEnd(t, w, api.StateAuthFailed)
	ev.wait(t, api.StateAuthFailed)
	if _, _, err := c.Get(ctx, "/secret"); !errors.Is(err, api.ErrAuthFailed) {
		t.Fatalf("Get after AuthFailed: %v", err)
	}
	if _, err := Dial(ctx, "pipe", WithDialer(ts.pipe.ClientDialer()), WithAuth("nosuch", nil)); !errors.Is(err, api.ErrAuthFailed) {
		t.Fatalf("Dial WithAuth of an unknown scheme: %v", err)
	}
}

// TestClientReadOnly checks the read-only flag: the client asks for it and
// reports a read-only server (zkembed is never read-only, so a fake server
// answers here).
func TestClientReadOnly(t *testing.T) {
	for _, ro := range []bool{false, true} {
		l := NewPipeListener()
		got := make(chan jute.ConnectRequest, 1)
		served := make(chan struct{})
		go func() {
			defer close(served)
			nc, err := l.Accept()
			if err != nil {
				return
			}
			defer nc.Close()
			b, err := jute.ReadFrame(nc, nil, 1<<20)
			if err != nil {
				return
			}
			var req jute.ConnectRequest
			req.Decode(jute.NewReader(b))
			got <- req
			resp := jute.ConnectResponse{Timeout: 4000, SessionID: 7, Passwd: make([]byte, 16), ReadOnly: true, HasReadOnly: true}
			nc.Write(jute.AppendFrame(nil, &resp))
			jute.ReadFrame(nc, nil, 1<<20) // until the client closes
		}()
		opts := []ClientOption{WithDialer(l.ClientDialer())}
		if ro {
			opts = append(opts, WithReadOnly())
		}
		ev := newStateEvents()
		c, err := Dial(context.Background(), "pipe", append(opts, WithEventCallback(ev.callback))...)
		if err != nil {
			t.Fatal(err)
		}
		req := <-got
		if !req.HasReadOnly || req.ReadOnly != ro {
			t.Fatalf("connect request read-only flag %v (present %v), want %v", req.ReadOnly, req.HasReadOnly, ro)
		}
		ev.wait(t, api.StateConnectedReadOnly)
		if !c.ServerReadOnly() || c.State() != api.StateConnectedReadOnly {
			t.Fatalf("ServerReadOnly %v, State %v", c.ServerReadOnly(), c.State())
		}
		l.Close()
		c.Close()
		<-served
	}
}

// TestClientReconnectStorm breaks the connection again and again under a
// pipelined workload: every request either succeeds or fails with
// ConnectionLoss, acknowledged writes are all there, the session lives,
// and Close leaves no goroutine behind (TestMain's goleak).
func TestClientReconnectStorm(t *testing.T) {
	ts := startServer(t, Options{})
	d := newTestDialer(ts.pipe.ClientDialer())
	c := dialTest(t, "pipe", WithDialer(d.Dial), WithReconnectBackoff(time.Millisecond, 5*time.Millisecond))
	ctx := context.Background()
	id := c.SessionID()
	if _, err := c.Create(ctx, "/w", nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
		t.Fatal(err)
	}
	_, _, watch, err := c.GetW(ctx, "/w")
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[string]bool{}
	progress := make(chan struct{}, 1)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				p := fmt.Sprintf("/w/%d-%d", w, i)
				_, err := c.Create(ctx, p, nil, api.OpenACLUnsafe, api.ModePersistent)
				switch {
				case err == nil:
					mu.Lock()
					acked[p] = true
					mu.Unlock()
					select {
					case progress <- struct{}{}:
					default:
					}
				case errors.Is(err, api.ErrConnectionLoss), errors.Is(err, api.ErrNodeExists):
				default:
					t.Errorf("Create %s: %v", p, err)
					return
				}
			}
		}()
	}
	for range 30 {
		<-progress // break it once it works again
		d.breakAll()
	}
	close(stop)
	wg.Wait()
	var kids []string
	if err := retryLoss(t, func() (err error) { kids, _, err = c.Children(ctx, "/w"); return err }); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, k := range kids {
		have["/w/"+k] = true
	}
	for p := range acked {
		if !have[p] {
			t.Fatalf("acknowledged create %s lost", p)
		}
	}
	if c.SessionID() != id {
		t.Fatal("the session changed")
	}
	if err := retryLoss(t, func() error { _, err := c.Set(ctx, "/w", []byte("x"), -1); return err }); err != nil {
		t.Fatal(err)
	}
	wantEvent(t, watch, api.EventNodeDataChanged, "/w")
	if len(acked) == 0 {
		t.Fatal("no write succeeded")
	}
}

// TestClientCloseWhileDisconnected closes a client that cannot reach any
// server: Close returns, every watch hears Closed.
func TestClientCloseWhileDisconnected(t *testing.T) {
	ts := startServer(t, Options{})
	d := newTestDialer(ts.pipe.ClientDialer())
	ev := newStateEvents()
	c, err := Dial(context.Background(), "pipe", WithDialer(d.Dial), WithEventCallback(ev.callback))
	if err != nil {
		t.Fatal(err)
	}
	_, _, w, err := c.GetW(context.Background(), "/")
	if err != nil {
		t.Fatal(err)
	}
	d.setRefused("pipe:2181", true)
	d.breakAll()
	ev.wait(t, api.StateSyncConnected)
	ev.wait(t, api.StateDisconnected)
	c.Close()
	wantEnd(t, w, api.StateClosed)
	ev.wait(t, api.StateClosed)
	if _, _, err := c.Get(context.Background(), "/"); !errors.Is(err, api.ErrSessionExpired) {
		t.Fatalf("Get after Close: %v", err)
	}
}

func TestDialFailures(t *testing.T) {
	if _, err := Dial(context.Background(), "a:1/bad/"); err == nil {
		t.Fatal("Dial with a bad chroot succeeded")
	}
	l := NewPipeListener()
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := Dial(ctx, "pipe", WithDialer(l.ClientDialer()))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("Dial to a closed listener: %v", err)
	}
}

// TestClientPingsKeepSessionAlive leaves a client with the shortest
// session timeout idle for several timeouts: its pings keep the connection
// and the session alive on a server that closes idle connections.
func TestClientPingsKeepSessionAlive(t *testing.T) {
	ts := startServer(t, Options{})
	ev := newStateEvents()
	c := ts.client(t, "tcp", WithSessionTimeout(400*time.Millisecond), WithEventCallback(ev.callback))
	ev.wait(t, api.StateSyncConnected)
	if got := c.SessionTimeout(); got != 400*time.Millisecond {
		t.Fatalf("negotiated %v, want 400ms", got)
	}
	idle := time.NewTimer(5 * c.SessionTimeout()) // the time passing is what is tested
	select {
	case e := <-ev:
		t.Fatalf("state %v while idle", e.State)
	case <-idle.C:
	}
	if _, _, err := c.Get(context.Background(), "/"); err != nil {
		t.Fatal(err)
	}
}
