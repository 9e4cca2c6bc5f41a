package engine

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/zkembed/zkembed/api"
)

// The store syncs the WAL file each commit wrote, following Badger onto new
// files as memtables fill, and the value log only when a value went there;
// everything written comes back on reopen.
func TestSyncFollowsBadgerFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, c := openManual(t, Options{Dir: dir, BadgerMemTableSize: 1 << 20})
	firstWAL, firstVlog := e.store.wal.id, e.store.vlog.id
	small := bytes.Repeat([]byte("s"), 4000)
	for i := range 1500 { // 6 MB: several 1 MiB memtables
		if _, err := c.Create(ctx, fmt.Sprintf("/s%d", i), small, api.OpenACLUnsafe, api.ModePersistent); err != nil {
			t.Fatal(err)
		}
	}
	if e.store.wal.id < firstWAL+3 {
		t.Fatalf("WAL synced last: file %d, first %d: the sync did not follow Badger's new memtables", e.store.wal.id, firstWAL)
	}
	if e.store.vlog.f != nil {
		t.Fatal("the value log was synced though no value went there")
	}
	large := bytes.Repeat([]byte("L"), e.store.threshold+1)
	if _, err := c.Create(ctx, "/large", large, api.OpenACLUnsafe, api.ModePersistent); err != nil {
		t.Fatal(err)
	}
	if e.store.vlog.f == nil || e.store.vlog.id < firstVlog {
		t.Fatal("a value in the value log was not synced")
	}
	c2 := reopen(t, e, c, Options{Dir: dir, BadgerMemTableSize: 1 << 20})
	if d, _, err := c2.Get(ctx, "/large"); err != nil || !bytes.Equal(d, large) {
		t.Fatalf("large value after reopen: %d bytes, %v", len(d), err)
	}
	for _, i := range []int{0, 777, 1499} {
		if d, _, err := c2.Get(ctx, fmt.Sprintf("/s%d", i)); err != nil || !bytes.Equal(d, small) {
			t.Fatalf("/s%d after reopen: %v", i, err)
		}
	}
}

// A failed sync may have lost what the commit wrote, and the kernel may
// not report it twice: that write and every later one fail with a
// SystemError saying so, reads go on, and a reopen serves what is on disk
// (which may or may not include the write whose sync failed: Badger holds
// it, like a write whose connection was lost).
func TestFailedSyncRefusesLaterWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, c := openManual(t, Options{Dir: dir})
	mustCreate(t, c, "/before", api.ModePersistent)
	e.store.wal.f.Close() // the next fdatasync fails with EBADF
	for _, p := range []string{"/lost", "/after"} {
		_, err := c.Create(ctx, p, nil, api.OpenACLUnsafe, api.ModePersistent)
		if api.CodeOf(err) != api.ErrSystemError || !strings.Contains(err.Error(), "reopened") {
			t.Fatalf("create %s after a failed sync: %v", p, err)
		}
	}
	if d, _, err := c.Get(ctx, "/before"); err != nil || string(d) != "/before" {
		t.Fatalf("read after a failed sync: %q %v", d, err)
	}
	if st, _ := c.Exists(ctx, "/lost"); st != nil {
		t.Fatal("a write whose sync failed is in the tree")
	}
	c2 := reopen(t, e, c, Options{Dir: dir})
	if _, _, err := c2.Get(ctx, "/before"); err != nil {
		t.Fatalf("after reopen: %v", err)
	}
	mustCreate(t, c2, "/again", api.ModePersistent)
}
