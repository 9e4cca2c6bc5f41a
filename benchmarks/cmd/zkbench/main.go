// Command zkbench measures zkembed side by side with Apache ZooKeeper: it
// starts each server (or drives ones already running), runs the same
// workloads through the same client against each, taking turns so the
// machine's drift hits all of them, checks every result, and prints one table
// with each target's throughput and latency percentiles and the ratios to the
// first target.
//
// Run it from the repository:
//
//	go run ./benchmarks/cmd/zkbench                  # full run, a few minutes
//	go run ./benchmarks/cmd/zkbench --quick          # smoke run, seconds
//	go run ./benchmarks/cmd/zkbench --markdown out.md
//	go run ./benchmarks/cmd/zkbench --servers= --target mine=127.0.0.1:2181
//
// See benchmarks/README.md for what each workload does and the latest
// figures.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// options are the parsed flags.
type options struct {
	duration   time.Duration
	maxOps     int
	quick      bool
	servers    string
	targets    listFlag
	client     string
	markdown   string
	workloads  string
	sizes      []int
	sessions   []int
	watchers   []int
	connects   []int
	footprint  bool
	znodes     int
	starts     int
	workDir    string
	verbose    bool
	rounds     int
	warmup     time.Duration
	commandStr string
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bad number %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// run is the whole command; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zkbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var sizes, sessions, watchers, connects string
	fs.DurationVar(&o.duration, "duration", 2*time.Second, "time limit of each cell (one workload on one target)")
	fs.IntVar(&o.maxOps, "max-ops", 1_000_000, "operation limit of each worker in each cell")
	fs.BoolVar(&o.quick, "quick", false, "CI-sized smoke run: short cells, fewer sizes, sessions and znodes")
	fs.StringVar(&o.servers, "servers", "apache,zkembed", "servers to start and compare, in column order (apache, zkembed); those unavailable are skipped with the reason")
	fs.Var(&o.targets, "target", "name=host:port of an already-running server to drive too (repeatable)")
	fs.StringVar(&o.client, "client", "go-zookeeper", "client library driving every target: "+driverNames())
	fs.StringVar(&o.markdown, "markdown", "", "also write the tables as Markdown to this file")
	fs.StringVar(&o.workloads, "workloads", "all", "comma list of: "+strings.Join(opWorkloads, ",")+",watch,session,ephemeral (or all)")
	fs.StringVar(&sizes, "sizes", "100,4096", "value sizes in bytes")
	fs.StringVar(&sessions, "sessions", "1,8,64", "concurrent sessions of the op workloads")
	fs.StringVar(&watchers, "watchers", "1,1000", "watcher sessions of the watch workload")
	fs.StringVar(&connects, "connects", "1,8", "concurrent workers of the session and ephemeral workloads")
	fs.BoolVar(&o.footprint, "footprint", true, "measure start-up time, RSS and disk of the servers zkbench starts")
	fs.IntVar(&o.znodes, "znodes", 100_000, "znodes of 100 B loaded for the loaded-RSS figure")
	fs.IntVar(&o.starts, "starts", 3, "fresh starts timed per server (the median is reported)")
	fs.StringVar(&o.workDir, "dir", "", "directory for the servers' data (default: a new temporary directory); its filesystem matters for fsync")
	fs.BoolVar(&o.verbose, "v", false, "log progress to stderr")
	fs.IntVar(&o.rounds, "rounds", 1, "times each cell runs on each server, taking turns; the rounds' operations and latencies are pooled")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "untimed warm-up per server before measuring (JIT, caches), spread over every op workload")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.rounds < 1 {
		o.rounds = 1
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "zkbench: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if o.quick {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["duration"] {
			o.duration = 150 * time.Millisecond
		}
		if !set["sizes"] {
			sizes = "100"
		}
		if !set["sessions"] {
			sessions = "1,8"
		}
		if !set["watchers"] {
			watchers = "1,20"
		}
		if !set["connects"] {
			connects = "1"
		}
		if !set["znodes"] {
			o.znodes = 2000
		}
		if !set["starts"] {
			o.starts = 1
		}
		if !set["warmup"] {
			o.warmup = 0
		}
	}
	var err error
	for _, p := range []struct {
		s   string
		dst *[]int
	}{{sizes, &o.sizes}, {sessions, &o.sessions}, {watchers, &o.watchers}, {connects, &o.connects}} {
		if *p.dst, err = parseInts(p.s); err != nil {
			fmt.Fprintf(stderr, "zkbench: %v\n", err)
			return 2
		}
	}
	o.commandStr = "zkbench " + strings.Join(args, " ")
	rep, err := bench(ctx, o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "zkbench: %v\n", err)
		return 1
	}
	if err := rep.Write(stdout, false); err != nil {
		fmt.Fprintf(stderr, "zkbench: %v\n", err)
		return 1
	}
	if o.markdown != "" {
		f, err := os.Create(o.markdown)
		if err == nil {
			err = rep.Write(f, true)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "zkbench: %v\n", err)
			return 1
		}
	}
	if rep.failed() {
		fmt.Fprintln(stderr, "zkbench: some cells FAILED (see above)")
		return 1
	}
	return 0
}

// failed reports whether any cell failed its checks.
func (r *Report) failed() bool {
	for _, row := range r.Rows {
		for _, res := range row.Results {
			if res.Err != nil {
				return true
			}
		}
	}
	return false
}

// bench runs every workload of o against every target and returns the
// report.
func bench(ctx context.Context, o options, stderr io.Writer) (*Report, error) {
	logf := func(format string, a ...any) {
		if o.verbose {
			fmt.Fprintf(stderr, "zkbench: "+format+"\n", a...)
		}
	}
	d, ok := drivers[o.client]
	if !ok {
		return nil, fmt.Errorf("unknown --client %q (have %s)", o.client, driverNames())
	}
	want := map[string]bool{}
	for _, w := range strings.Split(o.workloads, ",") {
		want[strings.TrimSpace(w)] = true
	}
	all := want["all"]
	workDir := o.workDir
	if workDir == "" {
		dir, err := os.MkdirTemp("", "zkbench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		workDir = dir
	}

	var targets []Target
	var header []string
	for _, name := range strings.Split(o.servers, ",") {
		var t Target
		var err error
		switch strings.TrimSpace(name) {
		case "":
			continue
		case "apache":
			t, err = apacheTarget()
		case "zkembed":
			t, err = zkembedTarget(ctx, workDir)
		default:
			err = fmt.Errorf("unknown server %q", name)
		}
		if err != nil {
			fmt.Fprintf(stderr, "zkbench: skipping %s: %v\n", name, err)
			header = append(header, fmt.Sprintf("skipped %s: %v", name, err))
			continue
		}
		targets = append(targets, t)
	}
	for _, spec := range o.targets {
		name, addr, ok := strings.Cut(spec, "=")
		if !ok || name == "" || addr == "" {
			return nil, fmt.Errorf("--target %q: want name=host:port", spec)
		}
		targets = append(targets, Target{Name: name, Addr: addr})
	}
	if len(targets) == 0 {
		return nil, errors.New("no server to measure (Apache ZooKeeper not installed, zkembed not serving yet, no --target)")
	}
	rep := &Report{Client: d.Name(), Header: append(machineInfo(ctx, o, d), header...)}
	defer func() { rep.Header = append(rep.Header, "load average at the end: "+loadAvg()) }()
	for _, t := range targets {
		rep.Targets = append(rep.Targets, t.Name)
	}

	// Start one server per target for the workloads.
	servers := make([]Server, len(targets))
	defer func() {
		for _, s := range servers {
			if s != nil {
				s.Close()
			}
		}
	}()
	roots := make([]string, len(targets))
	checkers := make([]Client, len(targets))
	defer func() { closeAll(checkers) }()
	for i, t := range targets {
		if t.Start == nil {
			servers[i] = externalServer{t.Addr}
		} else {
			s, err := t.Start(ctx)
			if err != nil {
				return nil, fmt.Errorf("start %s: %w", t.Name, err)
			}
			servers[i] = s
		}
		c, err := dialRetry(ctx, d, servers[i].Addr(), 30*time.Second)
		if err != nil {
			return nil, fmt.Errorf("%s at %s: %w", t.Name, servers[i].Addr(), err)
		}
		checkers[i] = c
		roots[i] = fmt.Sprintf("/zkbench-%d-%d", os.Getpid(), time.Now().UnixNano())
		if _, err := c.Create(ctx, roots[i], nil, false); err != nil {
			return nil, fmt.Errorf("%s: create %s: %w", t.Name, roots[i], err)
		}
		logf("%s serving at %s", t.Name, servers[i].Addr())
	}
	lim := limits{duration: o.duration, maxOps: o.maxOps}
	turn := 0

	if o.warmup > 0 {
		wl := limits{duration: o.warmup / time.Duration(len(opWorkloads)), maxOps: o.maxOps}
		for i, t := range targets {
			_, err := checkers[i].Create(ctx, roots[i]+"/warmup", nil, false)
			var g *opGroup
			if err == nil {
				g, err = newOpGroup(ctx, d, servers[i].Addr(), roots[i]+"/warmup", 100, 8)
			}
			if err == nil {
				for _, w := range opWorkloads {
					if err = g.run(w, wl).Err; err != nil {
						break
					}
				}
				g.close()
			}
			if err != nil {
				return nil, fmt.Errorf("%s: warm-up: %w", t.Name, err)
			}
			logf("%s warmed up", t.Name)
		}
	}

	// Op workloads: per value size and session count, every target gets a
	// group of sessions; cells run in workload order, targets alternating.
	for si, size := range o.sizes {
		for _, n := range o.sessions {
			var names []string
			for _, w := range opWorkloads {
				if (all || want[w]) && (w != "children" || si == 0) {
					names = append(names, w)
				}
			}
			if len(names) == 0 {
				continue
			}
			groups := make([]*opGroup, len(targets))
			var setupErr error
			for i := range targets {
				if groups[i], setupErr = newOpGroup(ctx, d, servers[i].Addr(), roots[i], size, n); setupErr != nil {
					setupErr = fmt.Errorf("%s: %w", targets[i].Name, setupErr)
					break
				}
			}
			for _, w := range names {
				row := Row{Workload: w, Size: size, Sessions: n, Results: make([]Result, len(targets))}
				if w == "children" {
					row.Size = 0
				}
				turns(len(targets), o.rounds, &turn, func(i, _ int) {
					if setupErr != nil {
						row.Results[i].Err = setupErr
						return
					}
					res := groups[i].run(w, lim)
					logf("%s %s %dB x%d: %d ops %.0f/s err=%v", targets[i].Name, w, size, n, res.Ops, res.Rate(), res.Err)
					row.Results[i].add(res)
				})
				rep.Rows = append(rep.Rows, row)
			}
			for _, g := range groups {
				if g != nil {
					g.close()
				}
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
		}
	}

	if all || want["watch"] {
		for _, nw := range o.watchers {
			rowAll := Row{Workload: "watch", Size: 100, Sessions: nw, Results: make([]Result, len(targets)),
				Note: "latency from just before the set to each watcher's notification; ops/s counts notifications (every watch re-armed between sets)"}
			rowLast := Row{Workload: "watch (last)", Size: 100, Sessions: nw, Results: make([]Result, len(targets)),
				Note: "latency from just before the set to the last watcher's notification; ops/s counts sets"}
			turns(len(targets), o.rounds, &turn, func(i, round int) {
				g, err := newWatchGroup(ctx, d, servers[i].Addr(), fmt.Sprintf("%s/watch-%d-%d", roots[i], nw, round), nw)
				if err != nil {
					rowAll.Results[i].add(Result{Err: err})
					return
				}
				all, last := g.run(lim)
				g.close()
				logf("%s watch x%d: %d deliveries err=%v", targets[i].Name, nw, all.Ops, all.Err)
				rowAll.Results[i].add(all)
				rowLast.Results[i].add(last)
			})
			rep.Rows = append(rep.Rows, rowAll)
			if nw > 1 {
				rep.Rows = append(rep.Rows, rowLast)
			}
		}
	}
	if all || want["session"] {
		for _, n := range o.connects {
			row := Row{Workload: "session", Sessions: n, Results: make([]Result, len(targets)),
				Note: "ops/s counts sessions opened and closed; latency is the open, until the session is established"}
			turns(len(targets), o.rounds, &turn, func(i, _ int) {
				res := runSessions(ctx, d, servers[i].Addr(), n, lim)
				logf("%s session x%d: %d ops err=%v", targets[i].Name, n, res.Ops, res.Err)
				row.Results[i].add(res)
			})
			rep.Rows = append(rep.Rows, row)
		}
	}
	if all || want["ephemeral"] {
		for _, n := range o.connects {
			row := Row{Workload: "ephemeral", Size: 100, Sessions: n, Results: make([]Result, len(targets)),
				Note: "ops/s counts cycles of open, create an ephemeral, close; latency is the create plus the close"}
			turns(len(targets), o.rounds, &turn, func(i, round int) {
				dir := fmt.Sprintf("%s/eph-%d-%d", roots[i], n, round)
				res := runEphemerals(ctx, d, servers[i].Addr(), dir, checkers[i], n, lim)
				logf("%s ephemeral x%d: %d ops err=%v", targets[i].Name, n, res.Ops, res.Err)
				row.Results[i].add(res)
			})
			rep.Rows = append(rep.Rows, row)
		}
	}
	closeAll(checkers)
	checkers = nil
	for i, s := range servers {
		s.Close()
		servers[i] = nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}

	if o.footprint {
		fps := measureFootprints(ctx, targets, d, o.starts, o.znodes, logf)
		rep.Footprint = footRows(targets, fps, o.znodes)
	}
	return rep, nil
}

// turns calls fn for every target and round, the targets' order reversed
// on every other turn so drift hits all of them alike.
func turns(nt, rounds int, turn *int, fn func(target, round int)) {
	for r := range rounds {
		for _, i := range order(nt, *turn) {
			fn(i, r)
		}
		*turn++
	}
}

// machineInfo describes the run: date, machine, versions and command.
func machineInfo(ctx context.Context, o options, d Driver) []string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	kernel := "unknown kernel"
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = "Linux " + strings.TrimSpace(string(b))
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		if f := strings.Fields(line); len(f) >= 2 {
			if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				mem = fmt.Sprintf(", %.0f GiB RAM", float64(kb)/(1<<20))
			}
		}
	}
	java := "java: not found"
	if out, err := exec.CommandContext(ctx, "java", "-version").CombinedOutput(); err == nil {
		java, _, _ = strings.Cut(strings.TrimSpace(string(out)), "\n")
	}
	quick := ""
	if o.quick {
		quick = " (quick)"
	}
	return []string{
		"date: " + time.Now().UTC().Format("2006-01-02 15:04 MST"),
		fmt.Sprintf("machine: %s, %d logical CPUs%s, %s", cpu, runtime.NumCPU(), mem, kernel),
		fmt.Sprintf("versions: %s; %s; Apache ZooKeeper %s", runtime.Version(), java, zookeeperVersion()),
		fmt.Sprintf("client: %s, one session per worker; each cell at most %v and %d ops per worker, %d round(s) per server, warm-up %v%s",
			d.Name(), o.duration, o.maxOps, o.rounds, o.warmup, quick),
		"command: " + o.commandStr,
		"load average at the start: " + loadAvg() + " (other processes on the machine skew every target alike: turns alternate)",
	}
}

// loadAvg returns the 1, 5 and 15 minute load averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// zookeeperVersion returns the version of Debian's ZooKeeper jar, from the
// versioned name it is installed under beside zookeeper.jar.
func zookeeperVersion() string {
	jars, _ := filepath.Glob("/usr/share/java/zookeeper-[0-9]*.jar")
	for _, j := range jars {
		v := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(j), "zookeeper-"), ".jar")
		if v != "" {
			return v
		}
	}
	return "(version unknown)"
}
