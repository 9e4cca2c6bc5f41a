package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
)

// snapshot records every znode's Stat, data and ACL through a client.
func snapshot(t *testing.T, c api.Client) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	var walk func(p string)
	walk = func(p string) {
		d, st, err := c.Get(ctx, p)
		if err != nil {
			t.Fatalf("get %s: %v", p, err)
		}
		acl, _, err := c.GetACL(ctx, p)
		if err != nil {
			t.Fatalf("getacl %s: %v", p, err)
		}
		out[p] = fmtNode(d, st, acl)
		kids, _, err := c.Children(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(kids)
		for _, k := range kids {
			walk(join(p, k))
		}
	}
	walk("/")
	return out
}

func fmtNode(d []byte, st *api.Stat, acl []api.ACL) string {
	return fmt.Sprintf("%q %+v %v", d, *st, acl)
}

func TestReopenRestoresEverything(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clock := NewManualClock(epoch)
	super := api.DigestID("super", "s3cret")
	e, err := Open(Options{Dir: dir, Clock: clock, SuperDigest: super})
	if err != nil {
		t.Fatal(err)
	}
	c := must[*Client](t)(e.Session(ctx))
	mustCreate(t, c, "/app", api.ModePersistent)
	seq1 := mustCreate(t, c, "/app/job-", api.ModePersistentSequential)
	seq2 := mustCreate(t, c, "/app/job-", api.ModePersistentSequential)
	if seq1 != "/app/job-0000000000" || seq2 != "/app/job-0000000001" {
		t.Fatalf("sequential names %s %s", seq1, seq2)
	}
	if err := c.AddAuth(ctx, "digest", []byte("alice:secret")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, "/app/private", []byte("p"), api.CreatorAllACL, api.ModePersistent); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, "/app/shared", nil, api.DigestACL(api.PermRead, "bob", "pw"), api.ModePersistent); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Create2(ctx, "/app/ttl", []byte("t"), api.OpenACLUnsafe, api.ModePersistentWithTTL, time.Hour); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, c, "/app/box", api.ModeContainer)
	mustCreate(t, c, "/app/box/item", api.ModePersistent)
	if _, err := c.Set(ctx, "/app", []byte("v2"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetACL(ctx, "/app/job-0000000000", api.ReadACLUnsafe, 0); err != nil {
		t.Fatal(err)
	}
	// An ephemeral of a wire session, which must survive the restart.
	ws, _ := wireSession(t, e, 10*time.Second)
	r := do(t, ws, &api.CreateRequest{Path: "/app/eph-", Data: []byte("e"), ACL: api.OpenACLUnsafe, Mode: api.ModeEphemeralSequential})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	ephPath := r.Path
	root := must[*Client](t)(e.Session(ctx))
	if err := root.AddAuth(ctx, "digest", []byte("super:s3cret")); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, root)
	if err := e.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
	last := e.LastZxid()
	// Close the engine without closing the sessions: they persist.
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	e2 := open(t, Options{Dir: dir, Clock: clock, SuperDigest: super})
	if e2.LastZxid() != last {
		t.Fatalf("last zxid %d after reopen, want %d", e2.LastZxid(), last)
	}
	c2 := client(t, e2)
	if err := c2.AddAuth(ctx, "digest", []byte("super:s3cret")); err != nil {
		t.Fatal(err)
	}
	after := snapshot(t, c2)
	for p, want := range before {
		if after[p] != want {
			t.Errorf("%s after reopen:\n got %s\nwant %s", p, after[p], want)
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d znodes after reopen, want %d", len(after), len(before))
	}
	// The new session's createSession took zxid last+1; the next write
	// continues the sequence.
	st := must[*api.Stat](t)(c2.Set(ctx, "/app", []byte("v3"), -1))
	if st.Mzxid != last+2 {
		t.Fatalf("next write has zxid %d, want %d", st.Mzxid, last+2)
	}
	if got := snapshot(t, c2)["/app/private"]; got != before["/app/private"] {
		t.Fatalf("creator ACL changed: %s", got)
	}
	seq3 := mustCreate(t, c2, "/app/job-", api.ModePersistentSequential)
	if seq3 <= seq2 {
		t.Fatalf("sequential name after reopen %s, want after %s", seq3, seq2)
	}
	// The wire session was restored: it can resume with its password, and
	// still owns its ephemeral.
	ss, err := e2.OpenSession(api.SessionParams{ID: ws.ID(), Password: ws.Password(), Timeout: 10 * time.Second, LastZxidSeen: last}, func(api.Event) {})
	if err != nil {
		t.Fatalf("resume restored session: %v", err)
	}
	eph := do(t, ss, &api.GetEphemeralsRequest{Prefix: "/"})
	if len(eph.Children) != 1 || eph.Children[0] != ephPath {
		t.Fatalf("ephemerals of restored session %v, want [%s]", eph.Children, ephPath)
	}
	// If it does not come back in time, it expires and its ephemeral goes.
	ss.Detach()
	clock.Advance(11 * time.Second)
	if err := e2.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := c2.Exists(ctx, ephPath); st != nil {
		t.Fatalf("ephemeral %s survived its session's expiry", ephPath)
	}
}

func TestReopenEmptyAndTwice(t *testing.T) {
	dir := t.TempDir()
	for i := range 3 {
		e, err := Open(Options{Dir: dir})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if err := e.CheckInvariants(); err != nil {
			t.Fatal(err)
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// Names longer than Badger's key limit are stored under their hash and come
// back on reopen, parents before children.
func TestReopenLongNames(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, c := openManual(t, Options{Dir: dir})
	long := "/" + strings.Repeat("p", 70000)
	child := long + "/" + strings.Repeat("c", 5000)
	mustCreate(t, c, long, api.ModePersistent)
	mustCreate(t, c, child, api.ModePersistent)
	mustCreate(t, c, long+"/short", api.ModePersistent)
	if err := c.Delete(ctx, long+"/short", -1); err != nil {
		t.Fatal(err)
	}
	c2 := reopen(t, e, c, Options{Dir: dir})
	kids, st, err := c2.Children(ctx, long)
	if err != nil || len(kids) != 1 || st.NumChildren != 1 || kids[0] != strings.Repeat("c", 5000) {
		t.Fatalf("children of the long name after reopen: %d names, %v, %v", len(kids), st, err)
	}
	if d, _, err := c2.Get(ctx, child); err != nil || string(d) != child {
		t.Fatalf("long child after reopen: %v", err)
	}
}

// Writes storage refuses fail with a SystemError naming the cause; later
// writes, with the ACL lists the refused ones had interned, are stored and
// come back on reopen.
func TestRefusedWritesThenReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, c := openManual(t, Options{Dir: dir})
	acl := api.DigestACL(api.PermAll, "bob", "pw")
	e.store.minFree = 1 << 62 // no filesystem has that much free: every commit is refused
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			_, err := c.Create(ctx, fmt.Sprintf("/refused%d", i), nil, acl, api.ModePersistent)
			if api.CodeOf(err) != api.ErrSystemError || !strings.Contains(err.Error(), "free disk space") {
				t.Errorf("create on a full disk: %v", err)
			}
		})
	}
	wg.Wait()
	e.store.minFree = 0
	if _, err := c.Create(ctx, "/kept", []byte("k"), acl, api.ModePersistent); err != nil {
		t.Fatal(err)
	}
	if err := e.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
	c2 := reopen(t, e, c, Options{Dir: dir})
	if err := c2.AddAuth(ctx, "digest", []byte("bob:pw")); err != nil {
		t.Fatal(err)
	}
	got, _, err := c2.GetACL(ctx, "/kept")
	if err != nil || len(got) != 1 || got[0].Scheme != "digest" {
		t.Fatalf("ACL after reopen: %v %v", got, err)
	}
	if st, _ := c2.Exists(ctx, "/refused0"); st != nil {
		t.Fatal("a refused write is on disk")
	}
}
