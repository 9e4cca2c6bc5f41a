package engine

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
)

func TestInspection(t *testing.T) {
	ctx := context.Background()
	clock := NewManualClock(epoch)
	e := open(t, Options{Clock: clock})
	c := client(t, e)
	mustCreate(t, c, "/a", api.ModePersistent)
	mustCreate(t, c, "/a/b", api.ModePersistent)
	ws, _ := wireSession(t, e, 10*time.Second)
	if r := do(t, ws, &api.CreateRequest{Path: "/a/e", Data: []byte("eph"), ACL: api.OpenACLUnsafe, Mode: api.ModeEphemeral}); r.Err != nil {
		t.Fatal(r.Err)
	}
	do(t, ws, &api.GetDataRequest{Path: "/a", Watch: true})
	do(t, ws, &api.GetChildrenRequest{Path: "/a", Watch: true})
	do(t, ws, &api.AddWatchRequest{Path: "/a/b", Mode: api.AddWatchPersistent})
	do(t, ws, &api.AddWatchRequest{Path: "/", Mode: api.AddWatchPersistentRecursive})

	st := e.Stats()
	// "/", /zookeeper, quota, config, /a, /a/b, /a/e
	if st.NodeCount != 7 || st.EphemeralsCount != 1 || st.SessionCount != 2 || st.LastZxid != e.LastZxid() {
		t.Fatalf("stats %+v", st)
	}
	// data /a, child /a, persistent /a/b in both tables, recursive /.
	if st.WatchCount != 5 {
		t.Fatalf("watch count %d, want 5", st.WatchCount)
	}
	var info api.SessionInfo
	for _, s := range e.Sessions() {
		if s.ID == ws.ID() {
			info = s
		}
	}
	want := api.SessionInfo{
		ID: ws.ID(), Timeout: 10 * time.Second, Expires: epoch.Add(10 * time.Second),
		Ephemerals: []string{"/a/e"}, DataWatches: []string{"/a"}, ChildWatches: []string{"/a"},
		PersistentWatches: []string{"/a/b"}, RecursiveWatches: []string{"/"},
	}
	if !info.Expires.Equal(want.Expires) || info.ID != want.ID || info.Timeout != want.Timeout ||
		!slices.Equal(info.Ephemerals, want.Ephemerals) || !slices.Equal(info.DataWatches, want.DataWatches) ||
		!slices.Equal(info.ChildWatches, want.ChildWatches) || !slices.Equal(info.PersistentWatches, want.PersistentWatches) ||
		!slices.Equal(info.RecursiveWatches, want.RecursiveWatches) {
		t.Fatalf("session info\n got %+v\nwant %+v", info, want)
	}
	var paths []string
	e.Walk("/", func(n Node) bool {
		paths = append(paths, n.Path)
		if n.Path == "/a/e" && (string(n.Data) != "eph" || n.Stat.EphemeralOwner != ws.ID()) {
			t.Errorf("walk shows %+v", n)
		}
		return true
	})
	if want := []string{"/", "/a", "/a/b", "/a/e", "/zookeeper", "/zookeeper/config", "/zookeeper/quota"}; !slices.Equal(paths, want) {
		t.Fatalf("walk order %v, want %v", paths, want)
	}
	n := 0
	e.Walk("/a", func(Node) bool { n++; return n < 2 })
	if n != 2 {
		t.Fatalf("walk did not stop when told: %d calls", n)
	}
	do(t, ws, &api.CloseSessionRequest{})
	if _, err := c.Exists(ctx, "/a/e"); err != nil {
		t.Fatal(err)
	}
}

func TestSessionBeforeHook(t *testing.T) {
	ctx := context.Background()
	e := open(t, Options{})
	var seen []string
	c, err := e.Session(ctx, SessionOptions{Before: func(_ context.Context, req api.Request) error {
		seen = append(seen, api.OpPath(req))
		if r, ok := req.(*api.GetDataRequest); ok && r.Path == "/fail" {
			return api.ErrConnectionLoss
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mustCreate(t, c, "/fail", api.ModePersistent)
	if _, _, err := c.Get(ctx, "/fail"); api.CodeOf(err) != api.ErrConnectionLoss {
		t.Fatalf("get with injected fault: %v", err)
	}
	if _, err := c.Exists(ctx, "/fail"); err != nil {
		t.Fatalf("exists not matched by the fault: %v", err)
	}
	if want := []string{"/fail", "/fail", "/fail"}; !slices.Equal(seen, want) {
		t.Fatalf("hook saw %v, want %v", seen, want)
	}
}

func TestClientAfterEngineClose(t *testing.T) {
	ctx := context.Background()
	e, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, c, "/a", api.ModePersistent)
	e.Close()
	if _, _, err := c.Get(ctx, "/a"); api.CodeOf(err) != api.ErrConnectionLoss {
		t.Fatalf("read after engine close: %v", err)
	}
	if _, err := c.Create(ctx, "/b", nil, api.OpenACLUnsafe, api.ModePersistent); api.CodeOf(err) != api.ErrConnectionLoss {
		t.Fatalf("write after engine close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("close after engine close: %v", err)
	}
}

func TestStatsDataDirSize(t *testing.T) {
	e := open(t, Options{Dir: t.TempDir()})
	st := e.Stats()
	// Badger preallocates a value log far larger than an empty store: the
	// size reported is what the files occupy, not their apparent length.
	if st.DataDirSize <= 0 || st.DataDirSize > 32<<20 {
		t.Fatalf("data dir size of an empty store %d bytes", st.DataDirSize)
	}
}
