package apitest

import (
	"slices"
	"strings"
	"testing"
)

// TestChecks lists the suite's checks (go test -v shows them) and holds the
// suite to its promise of at least 150 distinct, uniquely named checks.
func TestChecks(t *testing.T) {
	names := Checks()
	for _, n := range names {
		t.Log(n)
	}
	t.Logf("%d checks", len(names))
	if len(names) < 150 {
		t.Errorf("%d checks, want at least 150", len(names))
	}
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	if d := slices.Compact(sorted); len(d) != len(names) {
		t.Errorf("%d duplicate check names", len(names)-len(d))
	}
	for _, n := range names {
		if strings.ContainsAny(n, " \t") {
			t.Errorf("check name %q has blanks", n)
		}
	}
}

// TestDifferencesNamed checks that every known difference is used by a check
// or says why none can exercise it.
func TestDifferencesNamed(t *testing.T) {
	used := map[string]bool{}
	for _, g := range groups() {
		for _, c := range g.checks {
			if c.diff != nil {
				used[c.diff.Name] = true
			}
		}
	}
	for _, d := range Differences {
		if !used[d.Name] && !strings.Contains(d.Spec, "no check") {
			t.Errorf("difference %q is covered by no check", d.Name)
		}
	}
}
