package zktest_test

import (
	"bufio"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/zktest"
)

func TestDirectClient(t *testing.T) {
	s := zktest.New(t, zktest.WithoutTCP())
	c := s.Client(t)
	if _, err := c.Create(ctx(), "/a", []byte("x"), api.OpenACLUnsafe, api.ModePersistent); err != nil {
		t.Fatal(err)
	}
	d, _, err := c.Get(ctx(), "/a")
	if err != nil || string(d) != "x" {
		t.Fatalf("Get = %q, %v", d, err)
	}
	if got, _, ok := s.Get("/a"); !ok || string(got) != "x" {
		t.Fatalf("Server.Get = %q, %v", got, ok)
	}
}

// TestWireAndDirectTogether drives one server with go-zookeeper over TCP,
// go-zookeeper over the in-memory Dialer and a direct client at once.
func TestWireAndDirectTogether(t *testing.T) {
	s := zktest.New(t)
	tcp := connectTCP(t, s, 10*time.Second)
	pipe := connectPipe(t, s, 10*time.Second)
	direct := s.Client(t)

	if _, err := tcp.Create("/shared", []byte("tcp"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	_, _, w, err := pipe.GetW("/shared")
	if err != nil {
		t.Fatal(err)
	}
	_, _, dw, err := direct.GetW(ctx(), "/shared")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := direct.Set(ctx(), "/shared", []byte("direct"), -1); err != nil {
		t.Fatal(err)
	}
	if ev := recv(t, w); ev.Type != zk.EventNodeDataChanged || ev.Path != "/shared" {
		t.Fatalf("pipe client event %+v", ev)
	}
	if ev := recv(t, dw); ev.Type != api.EventNodeDataChanged {
		t.Fatalf("direct client event %+v", ev)
	}
	d, _, err := tcp.Get("/shared")
	if err != nil || string(d) != "direct" {
		t.Fatalf("tcp Get = %q, %v", d, err)
	}
	if n := len(s.Sessions()); n != 3 {
		t.Fatalf("%d sessions, want 3:\n%s", n, s.Dump())
	}
}

// TestAdvanceExpiresSession makes a go-zookeeper client's 30-second session
// expire in virtual time: the test takes milliseconds.
func TestAdvanceExpiresSession(t *testing.T) {
	for _, via := range []string{"tcp", "pipe"} {
		t.Run(via, func(t *testing.T) {
			start := time.Now()
			s := zktest.New(t)
			connect := connectTCP
			if via == "pipe" {
				connect = connectPipe
			}
			c := connect(t, s, 30*time.Second)
			if _, err := c.Create("/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatal(err)
			}
			watcher := s.Client(t)
			_, gone, err := watcher.ExistsW(ctx(), "/eph")
			if err != nil {
				t.Fatal(err)
			}

			// A connected client keeps its session through any amount of
			// virtual time: it would have pinged.
			s.Advance(10 * time.Minute)
			if !s.Exists("/eph") {
				t.Fatal("a connected client's ephemeral went on Advance")
			}

			// Partitioned, it expires once 30s have passed.
			s.Pause()
			s.Advance(29 * time.Second)
			if !s.Exists("/eph") {
				t.Fatal("expired before its timeout")
			}
			s.Advance(2 * time.Second) // Advance returns after the expiry committed
			if s.Exists("/eph") {
				t.Fatalf("ephemeral still there after the timeout:\n%s", s.Dump())
			}
			if ev := recv(t, gone); ev.Type != api.EventNodeDeleted {
				t.Fatalf("watcher got %+v", ev)
			}
			s.Resume()
			c.waitState(t, zk.StateExpired)
			t.Logf("30s session expiry observed by go-zookeeper in %v of real time", time.Since(start))
		})
	}
}

func TestExpireSession(t *testing.T) {
	s := zktest.New(t)
	c := connectTCP(t, s, 10*time.Second)
	if _, err := c.Create("/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if err := s.ExpireSession(api.SessionID(c.SessionID())); err != nil {
		t.Fatal(err)
	}
	if s.Exists("/eph") {
		t.Fatal("ephemeral survived ExpireSession")
	}
	c.waitState(t, zk.StateExpired)
	if err := s.ExpireSession(api.SessionID(c.SessionID())); !errors.Is(err, api.ErrSessionExpired) {
		t.Fatalf("expiring it again: %v", err)
	}

	d := s.Client(t)
	_, ch, err := d.ExistsW(ctx(), "/x")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ExpireSession(d.SessionID()); err != nil {
		t.Fatal(err)
	}
	if ev := recv(t, ch); ev.State != api.StateExpired {
		t.Fatalf("direct watch got %+v", ev)
	}
	if _, err := d.Exists(ctx(), "/x"); !errors.Is(err, api.ErrSessionExpired) {
		t.Fatalf("direct client after expiry: %v", err)
	}
}

func TestDropConnections(t *testing.T) {
	s := zktest.New(t)
	c := connectTCP(t, s, 10*time.Second)
	p := connectPipe(t, s, 10*time.Second)
	id := c.SessionID()
	if _, err := c.Create("/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	_, _, w, err := p.GetW("/eph")
	if err != nil {
		t.Fatal(err)
	}
	s.DropConnections()
	c.waitState(t, zk.StateDisconnected)
	c.waitState(t, zk.StateHasSession)
	p.waitState(t, zk.StateHasSession)
	if c.SessionID() != id {
		t.Fatalf("session changed: %x -> %x", id, c.SessionID())
	}
	if !s.Exists("/eph") {
		t.Fatal("ephemeral lost with the connection")
	}
	// The pipe client's watch came back with setWatches.
	if _, err := c.Set("/eph", []byte("v"), -1); err != nil {
		t.Fatal(err)
	}
	if ev := recv(t, w); ev.Type != zk.EventNodeDataChanged {
		t.Fatalf("restored watch got %+v", ev)
	}
}

func TestPauseResume(t *testing.T) {
	s := zktest.New(t)
	c := connectPipe(t, s, 10*time.Second)
	s.Pause()
	done := make(chan error, 1)
	go func() {
		_, err := c.Create("/during-pause", nil, 0, zk.WorldACL(zk.PermAll))
		done <- err
	}()
	notYet(t, done, "a create during Pause")
	if s.Exists("/during-pause") {
		t.Fatal("the engine saw a request during Pause")
	}
	s.Resume()
	if err := recv(t, done); err != nil {
		t.Fatal(err)
	}
	if !s.Exists("/during-pause") {
		t.Fatal("create lost")
	}
}

func TestRestartOnDisk(t *testing.T) {
	dir := t.TempDir()
	s := zktest.New(t, zktest.WithDir(dir))
	c := connectTCP(t, s, 10*time.Second)
	p := connectPipe(t, s, 10*time.Second)
	if _, err := c.Create("/kept", []byte("v"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	old := s.Client(t)
	id := c.SessionID()
	addr := s.Addr()

	s.Restart()
	if s.Addr() != addr {
		t.Fatalf("address changed: %s -> %s", addr, s.Addr())
	}
	c.waitState(t, zk.StateDisconnected)
	c.waitState(t, zk.StateHasSession)
	p.waitState(t, zk.StateHasSession)
	if c.SessionID() != id {
		t.Fatal("session not kept across the restart")
	}
	d, _, err := p.Get("/kept")
	if err != nil || string(d) != "v" {
		t.Fatalf("after restart: %q, %v", d, err)
	}
	if !s.Exists("/eph") {
		t.Fatal("ephemeral of a live session lost")
	}
	if _, err := old.Exists(ctx(), "/kept"); err == nil {
		t.Fatal("a direct client of the old engine still works")
	}
	if _, err := s.Client(t).Exists(ctx(), "/kept"); err != nil {
		t.Fatal(err)
	}
}

func TestRestartInMemory(t *testing.T) {
	s := zktest.New(t)
	c := connectPipe(t, s, 10*time.Second)
	direct := s.Client(t)
	if _, err := c.Create("/kept", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	s.Restart()
	c.waitState(t, zk.StateDisconnected)
	c.waitState(t, zk.StateHasSession)
	if _, err := direct.Exists(ctx(), "/kept"); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := c.Exists("/kept"); !ok || err != nil {
		t.Fatal(ok, err)
	}
}

func TestSeeds(t *testing.T) {
	s := zktest.New(t, zktest.WithoutTCP(),
		zktest.WithTree(map[string]string{"/app/config/db": "postgres://", "/app": "root", "/b/c": ""}),
		zktest.WithZnodes(
			zktest.Znode{Path: "/app/jobs", Mode: api.ModeContainer},
			zktest.Znode{Path: "/app/ro", Data: []byte("r"), ACL: api.ReadACLUnsafe},
			zktest.Znode{Path: "/tmp/x", Mode: api.ModePersistentWithTTL, TTL: time.Minute},
		))
	var got []string
	for _, n := range s.Tree("/") {
		got = append(got, n.Path+"="+string(n.Data))
	}
	want := []string{"/=", "/app=root", "/app/config=", "/app/config/db=postgres://", "/app/jobs=", "/app/ro=r",
		"/b=", "/b/c=", "/tmp=", "/tmp/x=", "/zookeeper=", "/zookeeper/config=", "/zookeeper/quota="}
	if !slices.Equal(got, want) {
		t.Fatalf("tree\n got %q\nwant %q", got, want)
	}
	if _, err := s.Client(t).Set(ctx(), "/app/ro", nil, -1); !errors.Is(err, api.ErrNoAuth) {
		t.Fatalf("seeded ACL not applied: %v", err)
	}
	// The TTL node goes once its TTL and a container check have passed.
	s.Advance(time.Minute + time.Second)
	if s.Exists("/tmp/x") {
		t.Fatal("TTL seed not reaped")
	}
}

func TestSuperUser(t *testing.T) {
	s := zktest.New(t, zktest.WithoutTCP(), zktest.WithSuperUser("super", "secret"),
		zktest.WithZnodes(zktest.Znode{Path: "/locked", ACL: api.DigestACL(api.PermAll, "u", "p")}))
	c := s.Client(t)
	if _, _, err := c.Get(ctx(), "/locked"); !errors.Is(err, api.ErrNoAuth) {
		t.Fatalf("before auth: %v", err)
	}
	if err := c.AddAuth(ctx(), "digest", []byte("super:secret")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Get(ctx(), "/locked"); err != nil {
		t.Fatalf("super user: %v", err)
	}
}

func TestSessionTimeoutBounds(t *testing.T) {
	s := zktest.New(t, zktest.WithSessionTimeouts(time.Second, 5*time.Second))
	c := connectPipe(t, s, 30*time.Second)
	ss := s.Sessions()
	if len(ss) != 1 || ss[0].Timeout != 5*time.Second || ss[0].ID != api.SessionID(c.SessionID()) {
		t.Fatalf("sessions %+v", ss)
	}
}

func TestInspection(t *testing.T) {
	s := zktest.New(t, zktest.WithTree(map[string]string{"/app/a": "1", "/app/b": "2"}))
	c := s.Client(t)
	w := connectPipe(t, s, 10*time.Second)
	if _, err := c.Create(ctx(), "/app/e", nil, api.OpenACLUnsafe, api.ModeEphemeral); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := c.GetW(ctx(), "/app/a"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := w.ChildrenW("/app"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddWatch(ctx(), "/app", api.AddWatchPersistentRecursive); err != nil {
		t.Fatal(err)
	}
	if got := s.Children("/app"); !slices.Equal(got, []string{"a", "b", "e"}) {
		t.Fatalf("Children = %q", got)
	}
	if s.Children("/nope") != nil {
		t.Fatal("children of a missing znode")
	}
	want := []zktest.Watch{
		{Session: c.SessionID(), Path: "/app", Kind: zktest.WatchRecursive},
		{Session: c.SessionID(), Path: "/app/a", Kind: zktest.WatchData},
		{Session: api.SessionID(w.SessionID()), Path: "/app", Kind: zktest.WatchChild},
	}
	slices.SortFunc(want, func(a, b zktest.Watch) int {
		if a.Session != b.Session {
			if a.Session < b.Session {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Path, b.Path)
	})
	if got := s.Watches(); !slices.Equal(got, want) {
		t.Fatalf("Watches\n got %+v\nwant %+v", got, want)
	}
	dump := s.Dump()
	for _, frag := range []string{"/app/a = \"1\"", "/app/e [ephemeral of " + c.SessionID().String() + "]",
		"recursive watches /app", "child watches /app", "sessions (2)"} {
		if !strings.Contains(dump, frag) {
			t.Errorf("Dump lacks %q:\n%s", frag, dump)
		}
	}
	if strings.Contains(dump, "/zookeeper") {
		t.Errorf("Dump shows /zookeeper:\n%s", dump)
	}
}

// TestFourLetterWords checks that the wire server reports the engine's
// counters.
func TestFourLetterWords(t *testing.T) {
	s := zktest.New(t, zktest.WithTree(map[string]string{"/a": "", "/b": ""}))
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Write([]byte("srvr")); err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(nc)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if !slices.Contains(lines, "Node count: 6") {
		t.Fatalf("srvr:\n%s", strings.Join(lines, "\n"))
	}
}

func TestRealTime(t *testing.T) {
	s := zktest.New(t, zktest.WithRealTime(), zktest.WithTickTime(50*time.Millisecond))
	c := connectPipe(t, s, 500*time.Millisecond)
	if _, err := c.Create("/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	_, gone, err := s.Client(t).ExistsW(ctx(), "/eph")
	if err != nil {
		t.Fatal(err)
	}
	s.Pause() // the client stops pinging; the engine's own ticker expires it
	if ev := recv(t, gone); ev.Type != api.EventNodeDeleted {
		t.Fatalf("got %+v", ev)
	}
	s.Resume()
	c.waitState(t, zk.StateExpired)
}

func TestEnsembleFailover(t *testing.T) {
	e := zktest.NewEnsemble(t, 3)
	if got := strings.Split(e.ConnectString(), ","); !slices.Equal(got, e.Addrs()) || len(got) != 3 {
		t.Fatalf("ConnectString %q, Addrs %q", e.ConnectString(), e.Addrs())
	}
	for _, via := range []string{"tcp", "pipe"} {
		t.Run(via, func(t *testing.T) {
			var dialer zk.Dialer
			if via == "pipe" {
				dialer = e.Dialer()
			}
			c := connectZK(t, e.Addrs(), 10*time.Second, dialer)
			id := c.SessionID()
			path := "/eph-" + via
			if _, err := c.Create(path, nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatal(err)
			}
			for round := 0; round < 2; round++ {
				i := slices.Index(e.Addrs(), c.Server())
				if i < 0 {
					t.Fatalf("client on %q, not a member", c.Server())
				}
				e.Stop(i)
				if e.Running(i) {
					t.Fatal("stopped member still running")
				}
				c.waitState(t, zk.StateDisconnected)
				c.waitState(t, zk.StateHasSession)
				if j := slices.Index(e.Addrs(), c.Server()); j == i || j < 0 {
					t.Fatalf("client reconnected to %q (member %d), stopped member %d", c.Server(), j, i)
				}
				if c.SessionID() != id || !e.Exists(path) {
					t.Fatal("session lost in failover")
				}
				e.Start(i)
			}
		})
	}
	// With every member stopped, clients are cut off and their sessions
	// expire with time.
	c := connectZK(t, e.Addrs(), 10*time.Second, nil)
	if _, err := c.Create("/last", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	for i := range e.Size() {
		e.Stop(i)
	}
	e.Advance(11 * time.Second)
	if e.Exists("/last") {
		t.Fatal("session of a cut-off client did not expire")
	}
	e.Start(0)
	c.waitState(t, zk.StateExpired)
}

func TestCloseIsIdempotentAndEarly(t *testing.T) {
	s := zktest.New(t)
	c := s.Client(t)
	s.Close()
	s.Close()
	if _, err := c.Exists(ctx(), "/"); err == nil {
		t.Fatal("client works after Close")
	}
	if _, err := net.Dial("tcp", s.Addr()); err == nil {
		t.Fatal("port still open after Close")
	}
}
