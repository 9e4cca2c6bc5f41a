package main

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/zkembed/zkembed/internal/zkserver"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// serverArgs returns the flags that point zkbench at the servers this
// machine has, and how many there are: ZKBENCH_TARGET (name=host:port of a
// running server) if set, else Apache ZooKeeper from Debian and zkembed
// (cmd/zkembed), each if available. It skips the test when there is none.
func serverArgs(t *testing.T) ([]string, int) {
	t.Helper()
	if spec := os.Getenv("ZKBENCH_TARGET"); spec != "" {
		return []string{"--servers=", "--target", spec}, 1
	}
	var servers []string
	var why []string
	if ok, reason := zkserver.Available(); ok {
		servers = append(servers, "apache")
	} else {
		why = append(why, reason)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := buildZkembed(ctx, t.TempDir()); err == nil {
		servers = append(servers, "zkembed")
	} else {
		t.Logf("not driving zkembed: %v", err)
		why = append(why, err.Error())
	}
	if len(servers) == 0 {
		t.Skip("no server to benchmark: " + strings.Join(why, "; ") + "; or set ZKBENCH_TARGET=name=host:port")
	}
	return []string{"--servers=" + strings.Join(servers, ",")}, len(servers)
}

// TestQuickRun runs a tiny --quick run and checks the table it writes: every
// workload has a row, with a positive rate and ordered percentiles, and the
// footprint figures are plausible.
func TestQuickRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server; skipped in -short mode")
	}
	md := filepath.Join(t.TempDir(), "bench.md")
	sargs, nt := serverArgs(t)
	t.Logf("driving %v", sargs)
	args := append(sargs, "--quick", "--duration=100ms", "--sessions=1,4", "--watchers=1,5",
		"--znodes=500", "--markdown", md)
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if code := run(ctx, args, &stdout, &stderr); code != 0 {
		t.Fatalf("zkbench exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "workload") || !strings.Contains(stdout.String(), "p99.9") {
		t.Errorf("text output has no table header:\n%s", stdout.String())
	}
	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	tables := parseMarkdownTables(string(b))
	if len(tables) != 2 {
		t.Fatalf("want an ops table and a footprint table, got %d tables:\n%s", len(tables), b)
	}
	ops, foot := tables[0], tables[1]
	wantRows := map[string]bool{}
	for _, w := range opWorkloads {
		for _, n := range []string{"1", "4"} {
			wantRows[w+"/"+n] = true
		}
	}
	for _, r := range []string{"watch/1", "watch/5", "watch (last)/5", "session/1", "ephemeral/1"} {
		wantRows[r] = true
	}
	head := ops[0]
	if len(head) != 3+5*nt+3*(nt-1) {
		t.Fatalf("header %q: want %d targets' columns", head, nt)
	}
	for k := range nt {
		if !strings.HasSuffix(head[3+5*k], " ops/s") {
			t.Fatalf("header %q: column %d is not a target's ops/s", head, 3+5*k)
		}
	}
	for _, row := range ops[1:] {
		key := row[0] + "/" + row[2]
		delete(wantRows, key)
		for k := range nt {
			col := 3 + 5*k
			if rate := parseRate(t, row[col]); rate <= 0 {
				t.Errorf("%s, %s: rate %q", key, head[col], row[col])
			}
			var prev time.Duration
			for i, cell := range row[col+1 : col+5] {
				d := parseDur(t, cell)
				if d <= 0 || d > 10*time.Second || d < prev {
					t.Errorf("%s, %s: percentile %d is %q after %v: not a sane, ordered latency", key, head[col], i, cell, prev)
				}
				prev = d
			}
		}
		for _, cell := range row[3+5*nt:] {
			r, ok := strings.CutSuffix(cell, "×")
			if f, err := strconv.ParseFloat(r, 64); !ok || err != nil || f <= 0 {
				t.Errorf("%s: ratio %q", key, cell)
			}
		}
	}
	for k := range wantRows {
		t.Errorf("no row for %s", k)
	}
	if os.Getenv("ZKBENCH_TARGET") != "" {
		return // an external server has no footprint figures
	}
	for _, row := range foot[1:] {
		if len(row) != 1+nt+(nt-1) {
			t.Fatalf("footprint row %q: want %d targets", row, nt)
		}
	}
	for k := range nt {
		figures := map[string]string{}
		for _, row := range foot[1:] {
			figures[row[0]] = row[1+k]
		}
		start := parseUnit(t, figures["start to first served request (median)"], " ms")
		idle := parseUnit(t, figures["RSS idle"], " MB")
		loaded := parseUnit(t, figures["RSS with 500 znodes of 100 B"], " MB")
		if start <= 0 || start > 60000 {
			t.Errorf("%s: start-up %v ms", foot[0][1+k], start)
		}
		if idle < 1 || idle > 4096 || loaded < idle/2 {
			t.Errorf("%s: RSS idle %v MB, loaded %v MB", foot[0][1+k], idle, loaded)
		}
	}
}

// parseMarkdownTables returns the cells of each Markdown table in s, header
// row first, without the separator row.
func parseMarkdownTables(s string) [][][]string {
	var tables [][][]string
	var cur [][]string
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(line, "|") {
			if cur != nil {
				tables = append(tables, cur)
				cur = nil
			}
			continue
		}
		if strings.HasPrefix(line, "| ---") {
			continue
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.TrimSpace(c))
		}
		cur = append(cur, cells)
	}
	if cur != nil {
		tables = append(tables, cur)
	}
	return tables
}

func parseRate(t *testing.T, s string) float64 {
	t.Helper()
	mult := 1.0
	if v, ok := strings.CutSuffix(s, "k"); ok {
		s, mult = v, 1000
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Errorf("rate %q: %v", s, err)
	}
	return f * mult
}

func parseDur(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(strings.Replace(s, "µs", "us", 1))
	if err != nil {
		t.Errorf("latency %q: %v", s, err)
	}
	return d
}

func parseUnit(t *testing.T, s, unit string) float64 {
	t.Helper()
	v, ok := strings.CutSuffix(s, unit)
	if !ok {
		t.Errorf("figure %q: want unit %q", s, unit)
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Errorf("figure %q: %v", s, err)
	}
	return f
}

// TestHistogramQuantiles checks the histogram's percentiles against the
// exact ones of the same observations: within the bucket precision.
func TestHistogramQuantiles(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	var all []time.Duration
	for range 100000 {
		// Log-uniform from 1ns to about 1s, the range latencies span.
		d := time.Duration(math.Exp2(r.Float64() * 30))
		d += time.Duration(r.Int64N(int64(d)))
		h.Record(d)
		all = append(all, d)
	}
	slices.Sort(all)
	if h.Count() != uint64(len(all)) || h.Min() != all[0] || h.Max() != all[len(all)-1] {
		t.Fatalf("count %d min %v max %v, want %d %v %v", h.Count(), h.Min(), h.Max(), len(all), all[0], all[len(all)-1])
	}
	for _, q := range []float64{0, 0.5, 0.9, 0.99, 0.999, 1} {
		idx := int(q*float64(len(all))+0.999999999) - 1
		exact := all[max(idx, 0)]
		got := h.Quantile(q)
		if diff := float64(got-exact) / float64(exact); diff > 0.01 || diff < -0.01 {
			t.Errorf("q%.3f = %v, exact %v (%.2f%% off)", q, got, exact, 100*diff)
		}
	}
}

// TestHistogramBuckets checks that every bucket's bounds hold exactly the
// values bucketOf maps to it, and that buckets are contiguous.
func TestHistogramBuckets(t *testing.T) {
	var next uint64
	for i := range numBuckets {
		lo, hi := bucketBounds(i)
		if lo != next || hi < lo {
			t.Fatalf("bucket %d is [%d, %d], want it to start at %d", i, lo, hi, next)
		}
		if bucketOf(lo) != i || bucketOf(hi) != i {
			t.Fatalf("bucket %d [%d, %d]: bucketOf gives %d, %d", i, lo, hi, bucketOf(lo), bucketOf(hi))
		}
		if i < numBuckets-1 && hi != ^uint64(0) {
			next = hi + 1
		}
	}
	if _, hi := bucketBounds(numBuckets - 1); hi != ^uint64(0) {
		t.Errorf("last bucket ends at %d, want the largest uint64", hi)
	}
}

// TestValueDistinct checks that values of different writes differ, so a
// check cannot pass on stale data.
func TestValueDistinct(t *testing.T) {
	a := slices.Clone(value(make([]byte, 100), 3, 7))
	b := value(make([]byte, 100), 3, 8)
	c := value(make([]byte, 100), 4, 7)
	if bytes.Equal(a, b) || bytes.Equal(a, c) || len(a) != 100 {
		t.Errorf("values not distinct: %q %q %q", a, b, c)
	}
}

// TestExternalTarget drives a server zkbench did not start (--target) and
// checks it gets rows but no footprint figures.
func TestExternalTarget(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server; skipped in -short mode")
	}
	s := zkserver.Start(t, zkserver.Options{})
	args := []string{"--servers=", "--target", "ext=" + s.Addr(), "--quick", "--duration=50ms",
		"--workloads=get,watch", "--sessions=2", "--watchers=3", "--starts=1"}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("zkbench exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"ext ops/s", "get", "watch", "missing: RSS idle, ext: external target"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
