package recipes_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/examples/recipes"
	"github.com/zkembed/zkembed/zktest"
)

// Every test runs a recipe with a go-zookeeper session (over TCP) and a
// direct session on the same server at once, through a fault.

func TestMutex(t *testing.T) {
	ctx := testCtx(t)
	s := zktest.New(t)
	wire, direct := dialWire(t, s), s.Client(t)
	m1, m2 := recipes.NewMutex(wire, "/locks/job"), recipes.NewMutex(direct, "/locks/job")

	// The wire client's create is applied but its reply is lost: the
	// protected create finds its znode instead of leaving a stray one.
	in := s.Inject(zktest.Fault{Op: zktest.OpCreate, Path: "/locks/job/*", Session: wire.SessionID(), Drop: true, AfterApply: true, Times: 1})
	if err := m1.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if in.Hits() != 1 || len(s.Children("/locks/job")) != 1 {
		t.Fatalf("fault hits %d, lock znodes %q", in.Hits(), s.Children("/locks/job"))
	}
	got := goRun(t, func() error { return m2.Lock(ctx) })
	notYet(t, got, "a second lock")

	// The holder's session expires: its lock goes, the waiter gets it.
	if err := s.ExpireSession(wire.SessionID()); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, got); err != nil {
		t.Fatal(err)
	}
	if err := m1.Unlock(ctx); err != nil {
		t.Fatalf("unlock after expiry: %v", err)
	}
	if err := m1.Lock(ctx); !errors.Is(err, api.ErrSessionExpired) {
		t.Fatalf("lock on an expired session: %v", err)
	}

	// The application opens a new session and queues again.
	m3 := recipes.NewMutex(dialWire(t, s), "/locks/job")
	got = goRun(t, func() error { return m3.Lock(ctx) })
	notYet(t, got, "a lock while held")
	if err := m2.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, got); err != nil {
		t.Fatal(err)
	}
	if err := m3.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if kids := s.Children("/locks/job"); len(kids) != 0 {
		t.Fatalf("znodes left: %q", kids)
	}
}

func TestElection(t *testing.T) {
	ctx := testCtx(t)
	s := zktest.New(t)
	wire, direct := dialWire(t, s), s.Client(t)
	w, d := recipes.NewElection(wire, "/election", "wire"), recipes.NewElection(direct, "/election", "direct")
	if err := w.Campaign(ctx); err != nil {
		t.Fatal(err)
	}
	got := goRun(t, func() error { return d.Campaign(ctx) })
	notYet(t, got, "a second leader")

	// A dropped connection is not a lost session: the leader stays.
	s.DropConnections()
	if l, err := recipes.Leader(ctx, wire, "/election"); err != nil || l != "wire" {
		t.Fatalf("leader after a dropped connection: %q, %v", l, err)
	}
	notYet(t, got, "a leader change on a dropped connection")

	if err := s.ExpireSession(wire.SessionID()); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, got); err != nil {
		t.Fatal(err)
	}
	if l, err := recipes.Leader(ctx, direct, "/election"); err != nil || l != "direct" {
		t.Fatalf("leader after expiry: %q, %v", l, err)
	}
	if err := d.Resign(ctx); err != nil {
		t.Fatal(err)
	}
	if l, err := recipes.Leader(ctx, direct, "/election"); err != nil || l != "" {
		t.Fatalf("leader after resigning: %q, %v", l, err)
	}
}

func TestBarrier(t *testing.T) {
	ctx := testCtx(t)
	s := zktest.New(t)
	wire, direct := dialWire(t, s), s.Client(t)
	bw, bd := recipes.NewBarrier(wire, "/barrier", 2), recipes.NewBarrier(direct, "/barrier", 2)
	entered := goRun(t, func() error { return bd.Enter(ctx) })
	notYet(t, entered, "entering alone")
	s.DropConnections()
	if err := bw.Enter(ctx); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, entered); err != nil {
		t.Fatal(err)
	}
	left := goRun(t, func() error { return bd.Leave(ctx) })
	notYet(t, left, "leaving before the other")
	if err := bw.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, left); err != nil {
		t.Fatal(err)
	}
}

func TestQueue(t *testing.T) {
	ctx := testCtx(t)
	s := zktest.New(t)
	wire, direct := dialWire(t, s), s.Client(t)
	qw, qd := recipes.NewQueue(wire, "/queue"), recipes.NewQueue(direct, "/queue")

	// The first put loses its connection before it is applied: retried once.
	s.Inject(zktest.Fault{Op: zktest.OpCreate, Path: "/queue/*", Drop: true, Times: 1})
	for _, item := range []string{"a", "b", "c"} {
		if err := qw.Put(ctx, []byte(item)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.Children("/queue")); n != 3 {
		t.Fatalf("%d items, want 3", n)
	}
	// The direct taker's delete is applied but its reply lost: the item
	// is still delivered, once.
	s.Inject(zktest.Fault{Op: zktest.OpDelete, Path: "/queue/*", Session: direct.SessionID(), Drop: true, AfterApply: true, Times: 1})
	var got []string
	for _, q := range []*recipes.Queue{qd, qw, qd} {
		data, err := q.Take(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(data))
	}
	if strings.Join(got, "") != "abc" {
		t.Fatalf("took %q", got)
	}
	taken := make(chan string, 1)
	errs := goRun(t, func() error {
		data, err := qd.Take(ctx)
		taken <- string(data)
		return err
	})
	notYet(t, taken, "a take from an empty queue")
	if err := qw.Put(ctx, []byte("d")); err != nil {
		t.Fatal(err)
	}
	if v := recv(t, taken); v != "d" {
		t.Fatalf("took %q", v)
	}
	if err := recv(t, errs); err != nil {
		t.Fatal(err)
	}
}

func TestWatchConfig(t *testing.T) {
	ctx := testCtx(t)
	s := zktest.New(t)
	wire, direct, writer := dialWire(t, s), s.Client(t), s.Client(t)
	seen := map[string]chan string{"wire": make(chan string, 16), "direct": make(chan string, 16)}
	ended := map[string]<-chan error{}
	for name, c := range map[string]api.Client{"wire": wire, "direct": direct} {
		ch := seen[name]
		ended[name] = goRun(t, func() error {
			return recipes.WatchConfig(ctx, c, "/app/config", func(data []byte, _ int32) { ch <- string(data) })
		})
	}
	for _, ch := range seen {
		waitFor(t, ch, "") // missing for now
	}
	if _, err := writer.Create(ctx, "/app", nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
		t.Fatal(err)
	}
	if _, err := writer.Create(ctx, "/app/config", []byte("v1"), api.OpenACLUnsafe, api.ModePersistent); err != nil {
		t.Fatal(err)
	}
	for _, ch := range seen {
		waitFor(t, ch, "v1")
	}
	s.DropConnections() // the wire watcher's watch is restored on reconnect
	if _, err := writer.Set(ctx, "/app/config", []byte("v2"), -1); err != nil {
		t.Fatal(err)
	}
	for _, ch := range seen {
		waitFor(t, ch, "v2")
	}
	if err := s.ExpireSession(wire.SessionID()); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, ended["wire"]); !errors.Is(err, api.ErrSessionExpired) {
		t.Fatalf("watcher of an expired session: %v", err)
	}
	if _, err := writer.Set(ctx, "/app/config", []byte("v3"), -1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, seen["direct"], "v3")
}

func TestServiceDiscovery(t *testing.T) {
	ctx := testCtx(t)
	s := zktest.New(t)
	wire, direct, watcher := dialWire(t, s), s.Client(t), s.Client(t)
	views := make(chan string, 16)
	goRun(t, func() error {
		return recipes.WatchService(ctx, watcher, "api", func(addrs []string) { views <- strings.Join(addrs, ",") })
	})
	waitFor(t, views, "")
	if _, err := recipes.Register(ctx, wire, "api", "10.0.0.1:80"); err != nil {
		t.Fatal(err)
	}
	if _, err := recipes.Register(ctx, direct, "api", "10.0.0.2:80"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, views, "10.0.0.1:80,10.0.0.2:80")

	// A dropped connection keeps the registration; an expiry ends it.
	s.DropConnections()
	if err := s.ExpireSession(wire.SessionID()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, views, "10.0.0.2:80")
	if _, err := recipes.Register(ctx, dialWire(t, s), "api", "10.0.0.1:80"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, views, "10.0.0.1:80,10.0.0.2:80")
}
