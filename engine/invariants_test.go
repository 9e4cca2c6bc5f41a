package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/zkembed/zkembed/api"
)

// TestCheckInvariantsReportsEveryViolation breaks the tree in three unrelated
// ways and expects all three in the error, in a stable order, then mends it.
func TestCheckInvariantsReportsEveryViolation(t *testing.T) {
	ctx := context.Background()
	e := open(t, Options{Dir: t.TempDir()})
	c, err := e.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range []string{"/a", "/a/x", "/b"} {
		if _, err := c.Create(ctx, p, []byte("data"), api.OpenACLUnsafe, api.ModePersistent); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.CheckInvariants(); err != nil {
		t.Fatalf("invariants of a sound tree: %v", err)
	}

	e.treeMu.Lock()
	a, b := e.tree.nodes["/a"].n, e.tree.nodes["/b"].n
	saveA, saveB := a.stat, b.stat
	a.stat.NumChildren = 7
	b.stat.DataLength = 99
	b.stat.Mzxid = b.stat.Czxid - 1
	e.treeMu.Unlock()

	err = e.CheckInvariants()
	if err == nil {
		t.Fatal("CheckInvariants of a broken tree = nil")
	}
	want := []string{
		"/a: numChildren 7, has 1",
		"/a: stat in memory",
		"/b: dataLength 99, data 4 bytes",
		"/b: stat in memory",
		"/b: zxids out of order",
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("CheckInvariants reported %d violations, want %d:\n%v", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("violation %d = %q, want it to start %q", i, lines[i], w)
		}
	}
	if again := e.CheckInvariants(); again == nil || again.Error() != err.Error() {
		t.Errorf("a second check reported\n%v\nwant the same\n%v", again, err)
	}

	e.treeMu.Lock()
	a.stat, b.stat = saveA, saveB
	e.treeMu.Unlock()
	if err := e.CheckInvariants(); err != nil {
		t.Errorf("invariants after mending: %v", err)
	}
}

// TestViolationsBounded lists the first maxViolations and counts the rest.
func TestViolationsBounded(t *testing.T) {
	var v violations
	if v.err() != nil {
		t.Fatal("no violations gave an error")
	}
	for i := range maxViolations + 5 {
		v.addf("v%03d", i)
	}
	var joined interface{ Unwrap() []error }
	if !errors.As(v.err(), &joined) {
		t.Fatalf("err() = %T, want a joined error", v.err())
	}
	errs := joined.Unwrap()
	if len(errs) != maxViolations+1 {
		t.Fatalf("listed %d errors, want %d", len(errs), maxViolations+1)
	}
	if got := errs[len(errs)-1].Error(); got != "and 5 more violations" {
		t.Errorf("last = %q, want the count of the rest", got)
	}
}
