package engine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
)

// vlogBytes returns the size of the value-log files in dir.
func vlogBytes(t *testing.T, dir string) int64 {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".vlog") {
			fi, err := os.Stat(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			n += fi.Size()
		}
	}
	return n
}

// Values big enough for Badger's value log are overwritten many times; once
// compaction has counted the garbage, collectValueLog rewrites the files it
// fills, the value log shrinks, and the last value survives reopening.
func TestValueLogGarbageCollected(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	o := Options{Dir: dir, BadgerMemTableSize: 1 << 20, valueLogFileSize: 1 << 20}
	const rounds, sets = 7, 10
	var e *Engine
	big := func(i int) []byte { return bytes.Repeat([]byte{byte('a' + i%26)}, int(valueThreshold(&o))+1000) }
	for r := range rounds { // each round's Close flushes a level-0 table
		var err error
		e, err = Open(o)
		if err != nil {
			t.Fatal(err)
		}
		c := must[*Client](t)(e.Session(ctx))
		if r == 0 {
			mustCreate(t, c, "/big", api.ModePersistent)
		}
		for i := range sets {
			if _, err := c.Set(ctx, "/big", big(r*sets+i), -1); err != nil {
				t.Fatal(err)
			}
		}
		c.Close()
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	}
	before := vlogBytes(t, dir)

	e, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	// Opening with more level-0 tables than NumLevelZeroTables starts a
	// compaction, which counts the garbage; collect once it has.
	var n int
	for deadline := time.Now().Add(20 * time.Second); n == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var err error
		if n, err = e.store.collectValueLog(); err != nil {
			t.Fatal(err)
		}
	}
	if n == 0 {
		t.Fatal("no value-log file was collected")
	}
	after := vlogBytes(t, dir)
	if after >= before/2 {
		t.Fatalf("value log %d bytes before, %d after collecting %d files", before, after, n)
	}
	c2 := must[*Client](t)(e.Session(ctx))
	if d, _, err := c2.Get(ctx, "/big"); err != nil || !bytes.Equal(d, big(rounds*sets-1)) {
		t.Fatalf("after collection: %d bytes, %v", len(d), err)
	}
	c2.Close()
	if err := e.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	c3 := client(t, open(t, o))
	if d, _, err := c3.Get(ctx, "/big"); err != nil || !bytes.Equal(d, big(rounds*sets-1)) {
		t.Fatalf("reopened after collection: %d bytes, %v", len(d), err)
	}
}
