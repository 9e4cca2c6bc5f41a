package hostile

import (
	"context"
	"errors"
	"os"
	"strconv"
	"testing"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/transport"
)

// TestDeepPaths builds a chain of 1,000 znodes (ZKEMBED_DEEP_LEVELS for
// more) over the wire on a durable engine, reads, counts and watches it,
// and deletes it all again; the engine's invariants hold throughout.
func TestDeepPaths(t *testing.T) {
	levels := 1000
	if s := os.Getenv("ZKEMBED_DEEP_LEVELS"); s != "" {
		levels, _ = strconv.Atoi(s)
	}
	tg := newTargetWith(t, engine.Options{Dir: t.TempDir(), NoSync: true}, transport.Options{})
	c := tg.srv.Dial(t)
	ctx := context.Background()
	paths := make([]string, levels)
	p := ""
	for i := range levels {
		p += "/d"
		paths[i] = p
		if _, err := c.Create(ctx, p, []byte(strconv.Itoa(i)), api.OpenACLUnsafe, api.ModePersistent); err != nil {
			t.Fatalf("create level %d: %v", i+1, err)
		}
	}
	deepest := paths[levels-1]
	if d, st, err := c.Get(ctx, deepest); err != nil || string(d) != strconv.Itoa(levels-1) || st.NumChildren != 0 {
		t.Fatalf("get deepest: %q %+v %v", d, st, err)
	}
	if n, err := c.GetAllChildrenNumber(ctx, "/d"); err != nil || n != int32(levels-1) {
		t.Fatalf("descendants of /d: %d, %v; want %d", n, err, levels-1)
	}
	ev, err := c.AddWatch(ctx, "/d", api.AddWatchPersistentRecursive)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, deepest+"/x/y", nil, api.OpenACLUnsafe, api.ModePersistent); !errors.Is(err, api.ErrNoNode) {
		t.Fatalf("create below a missing parent at depth %d: %v, want NoNode", levels+2, err)
	}
	if _, err := c.Set(ctx, deepest, []byte("bottom"), 0); err != nil {
		t.Fatal(err)
	}
	if e := <-ev; e.Type != api.EventNodeDataChanged || e.Path != deepest {
		t.Fatalf("recursive watch at depth %d: %+v", levels, e)
	}
	if err := tg.eng.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
	for i := levels - 1; i >= 0; i-- {
		if err := c.Delete(ctx, paths[i], -1); err != nil {
			t.Fatalf("delete level %d: %v", i+1, err)
		}
	}
	tg.carriesOn(t)
}
