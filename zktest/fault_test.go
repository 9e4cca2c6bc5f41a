package zktest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/zktest"
)

func TestMatchPath(t *testing.T) {
	for _, c := range []struct {
		pattern, path string
		want          bool
	}{
		{"", "/anything", true},
		{"", "", true},
		{"/locks/*", "/locks/a", true},
		{"/locks/*", "/locks/a/b", false}, // * does not cross "/"
		{"/locks/*", "/locks", false},
		{"/locks/**", "/locks", true},
		{"/locks/**", "/locks/a", true},
		{"/locks/**", "/locks/a/b", true},
		{"/locks/**", "/lockss", false},
		{"/app/*/leader", "/app/x/leader", true},
		{"/app/*/leader", "/app/x/y/leader", false},
		{"/app/**/leader", "/app/x/y/leader", true},
		{"/app/**/leader", "/app/leader", true},
		{"/lock-?", "/lock-1", true},
		{"/lock-?", "/lock-12", false},
		{"/lock-*", "/lock-0000000001", true},
		{"/**", "/", true},
		{"/", "/", true},
		{"/*", "/", false},
		{"/a", "", false},
	} {
		if got := zktest.MatchPath(c.pattern, c.path); got != c.want {
			t.Errorf("MatchPath(%q, %q) = %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
}

func TestFaultErrDirect(t *testing.T) {
	s := zktest.New(t, zktest.WithoutTCP(), zktest.WithTree(map[string]string{"/locks/deep": ""}))
	c := s.Client(t)
	in := s.Fail(zktest.OpCreate, "/locks/*", api.ErrNoAuth)
	// The glob matches one level only.
	if _, err := c.Create(ctx(), "/locks/deep/x", nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx(), "/locks/a", nil, api.OpenACLUnsafe, api.ModePersistent); !errors.Is(err, api.ErrNoAuth) {
		t.Fatalf("create with a fault: %v", err)
	}
	if s.Exists("/locks/a") {
		t.Fatal("a failed request was executed")
	}
	if _, err := c.Create(ctx(), "/locks/a", nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
		t.Fatalf("Times: 1 applied twice: %v", err)
	}
	if in.Hits() != 1 {
		t.Fatalf("Hits = %d", in.Hits())
	}
}

func TestFaultSelection(t *testing.T) {
	s := zktest.New(t, zktest.WithoutTCP(), zktest.WithTree(map[string]string{"/a": "", "/b": ""}))
	c1, c2 := s.Client(t), s.Client(t)

	// Times 0: every matching request until Remove; only c1's session.
	in := s.Inject(zktest.Fault{Op: zktest.OpGetData | zktest.OpExists, Path: "/a", Session: c1.SessionID(), Err: api.ErrOperationTimeout})
	for range 3 {
		if _, _, err := c1.Get(ctx(), "/a"); !errors.Is(err, api.ErrOperationTimeout) {
			t.Fatalf("c1 Get: %v", err)
		}
	}
	if _, err := c1.Exists(ctx(), "/a"); !errors.Is(err, api.ErrOperationTimeout) {
		t.Fatalf("c1 Exists: %v", err)
	}
	if _, _, err := c1.Children(ctx(), "/a"); err != nil {
		t.Fatalf("another op: %v", err)
	}
	if _, _, err := c1.Get(ctx(), "/b"); err != nil {
		t.Fatalf("another path: %v", err)
	}
	if _, _, err := c2.Get(ctx(), "/a"); err != nil {
		t.Fatalf("another session: %v", err)
	}
	in.Remove()
	if _, _, err := c1.Get(ctx(), "/a"); err != nil {
		t.Fatalf("after Remove: %v", err)
	}
	if in.Hits() != 4 {
		t.Fatalf("Hits = %d", in.Hits())
	}

	// A multi matches through any of its ops.
	s.Fail(zktest.OpMulti, "/b", api.ErrBadVersion)
	_, err := c1.Multi(ctx(), &api.SetDataRequest{Path: "/a", Version: -1}, &api.SetDataRequest{Path: "/b", Version: -1})
	if !errors.Is(err, api.ErrBadVersion) {
		t.Fatalf("multi: %v", err)
	}

	// An empty Path also matches requests without a path; a pattern does
	// not.
	s.Inject(zktest.Fault{Op: zktest.OpAddAuth, Path: "/**", Err: api.ErrAuthFailed, Times: 1})
	if err := c1.AddAuth(ctx(), "digest", []byte("u:p")); err != nil {
		t.Fatalf("auth matched a path pattern: %v", err)
	}
	s.Inject(zktest.Fault{Op: zktest.OpAddAuth, Err: api.ErrAuthFailed, Times: 1})
	if err := c1.AddAuth(ctx(), "digest", []byte("u:p")); !errors.Is(err, api.ErrAuthFailed) {
		t.Fatalf("auth: %v", err)
	}

	s.Inject(zktest.Fault{Err: api.ErrSystemError})
	if _, err := c2.Sync(ctx(), "/"); !errors.Is(err, api.ErrSystemError) {
		t.Fatalf("catch-all: %v", err)
	}
	s.ClearFaults()
	if _, err := c2.Sync(ctx(), "/"); err != nil {
		t.Fatalf("after ClearFaults: %v", err)
	}
}

func TestFaultAfterApplyDirect(t *testing.T) {
	s := zktest.New(t, zktest.WithoutTCP())
	c := s.Client(t)
	s.Inject(zktest.Fault{Op: zktest.OpCreate, Times: 1, Drop: true, AfterApply: true})
	if _, err := c.Create(ctx(), "/x", nil, api.OpenACLUnsafe, api.ModePersistent); !errors.Is(err, api.ErrConnectionLoss) {
		t.Fatalf("create: %v", err)
	}
	if !s.Exists("/x") {
		t.Fatal("AfterApply: the create was not applied")
	}
	s.Inject(zktest.Fault{Op: zktest.OpDelete, Times: 1, Drop: true})
	if err := c.Delete(ctx(), "/x", -1); !errors.Is(err, api.ErrConnectionLoss) {
		t.Fatalf("delete: %v", err)
	}
	if !s.Exists("/x") {
		t.Fatal("a dropped request was applied")
	}
}

func TestFaultLatencyDirect(t *testing.T) {
	s := zktest.New(t, zktest.WithoutTCP())
	c := s.Client(t)
	s.Inject(zktest.Fault{Op: zktest.OpExists, Latency: time.Hour})
	cctx, cancel := context.WithCancel(ctx())
	done := make(chan error, 1)
	go func() {
		_, err := c.Exists(cctx, "/")
		done <- err
	}()
	notYet(t, done, "a delayed Exists")
	cancel()
	if err := recv(t, done); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled during latency: %v", err)
	}
}

func TestFaultsOverTheWire(t *testing.T) {
	for _, via := range []string{"tcp", "pipe"} {
		t.Run(via, func(t *testing.T) {
			s := zktest.New(t)
			connect := connectTCP
			if via == "pipe" {
				connect = connectPipe
			}
			c := connect(t, s, 10*time.Second)
			id := c.SessionID()

			s.Fail(zktest.OpGetData, "/zookeeper/**", api.ErrNoAuth)
			if _, _, err := c.Get("/zookeeper/config"); !errors.Is(err, zk.ErrNoAuth) {
				t.Fatalf("Get with a fault: %v", err)
			}
			if _, _, err := c.Get("/zookeeper/config"); err != nil {
				t.Fatal(err)
			}

			// Drop: no change, the connection goes, the session stays.
			s.Inject(zktest.Fault{Op: zktest.OpCreate, Path: "/d", Drop: true, Times: 1})
			if _, err := c.Create("/d", nil, 0, zk.WorldACL(zk.PermAll)); err == nil {
				t.Fatal("dropped create succeeded")
			}
			c.waitState(t, zk.StateDisconnected)
			c.waitState(t, zk.StateHasSession)
			if s.Exists("/d") || c.SessionID() != id {
				t.Fatalf("after the drop: exists %v, session %x (was %x)", s.Exists("/d"), c.SessionID(), id)
			}

			// Drop after apply: the change is made, the client cannot know.
			s.Inject(zktest.Fault{Op: zktest.OpCreate, Path: "/d", Drop: true, AfterApply: true, Times: 1})
			if _, err := c.Create("/d", nil, 0, zk.WorldACL(zk.PermAll)); err == nil {
				t.Fatal("create with a lost reply succeeded")
			}
			c.waitState(t, zk.StateHasSession)
			if !s.Exists("/d") {
				t.Fatal("AfterApply create not applied")
			}
			if _, err := c.Create("/d", nil, 0, zk.WorldACL(zk.PermAll)); !errors.Is(err, zk.ErrNodeExists) {
				t.Fatalf("retried create: %v", err)
			}

			// Latency keeps the session's order: a read sent after a
			// delayed create sees it.
			in := s.Inject(zktest.Fault{Op: zktest.OpCreate, Path: "/slow", Latency: 100 * time.Millisecond, Times: 1})
			created := make(chan error, 1)
			go func() {
				_, err := c.Create("/slow", nil, 0, zk.WorldACL(zk.PermAll))
				created <- err
			}()
			for deadline := time.Now().Add(waitTimeout); in.Hits() == 0; {
				if time.Now().After(deadline) {
					t.Fatal("the delayed create never reached the server")
				}
				time.Sleep(time.Millisecond)
			}
			ok, _, err := c.Exists("/slow")
			if err != nil || !ok {
				t.Fatalf("Exists after a delayed create: %v, %v", ok, err)
			}
			if err := recv(t, created); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCloseEndsLatency checks that Close does not wait for injected
// latency and leaves no timer behind.
func TestCloseEndsLatency(t *testing.T) {
	s := zktest.New(t)
	c := connectPipe(t, s, 10*time.Second)
	s.Inject(zktest.Fault{Op: zktest.OpCreate, Latency: time.Hour})
	done := make(chan error, 1)
	go func() {
		_, err := c.Create("/never", nil, 0, zk.WorldACL(zk.PermAll))
		done <- err
	}()
	notYet(t, done, "a create delayed by an hour")
	s.Close()
	c.Close()
	if err := recv(t, done); err == nil {
		t.Fatal("create succeeded")
	}
}
