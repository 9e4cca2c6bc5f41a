package main

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Result is what one target did in one cell of the table.
type Result struct {
	Ops     uint64        // operations completed and checked
	Elapsed time.Duration // from the start signal to the last worker's end
	Hist    *Histogram    // latency of every operation
	Err     error         // why the cell failed, if it did
}

// add pools r2 into r: another round of the same cell.
func (r *Result) add(r2 Result) {
	r.Ops += r2.Ops
	r.Elapsed += r2.Elapsed
	if r2.Hist != nil {
		if r.Hist == nil {
			r.Hist = new(Histogram)
		}
		r.Hist.Merge(r2.Hist)
	}
	if r.Err == nil {
		r.Err = r2.Err
	}
}

// Rate returns operations per second.
func (r Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

// limits bound every cell in time and in operations per worker.
type limits struct {
	duration time.Duration
	maxOps   int
}

// value fills buf with the deterministic value of worker w's seq-th write: a
// header naming both, then a fixed pattern. Checks compare whole values.
func value(buf []byte, w, seq int) []byte {
	for i := range buf {
		buf[i] = 'a' + byte(i%26)
	}
	hdr := strconv.AppendInt(append(strconv.AppendInt([]byte("w"), int64(w), 10), " s"...), int64(seq), 10)
	copy(buf, hdr)
	return buf
}

// runWorkers runs n workers at once, each with its own histogram, and
// returns their merged result. A worker returns the operations it completed
// and the first error it met; the first error fails the cell.
func runWorkers(n int, lim limits, work func(w int, h *Histogram, deadline time.Time) (int, error)) Result {
	hists := make([]Histogram, n)
	ops := make([]int, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	var t0 time.Time
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ops[w], errs[w] = work(w, &hists[w], t0.Add(lim.duration))
		}()
	}
	t0 = time.Now()
	close(start)
	wg.Wait()
	res := Result{Elapsed: time.Since(t0), Hist: new(Histogram)}
	for w := range n {
		res.Ops += uint64(ops[w])
		res.Hist.Merge(&hists[w])
		if errs[w] != nil && res.Err == nil {
			res.Err = fmt.Errorf("worker %d: %w", w, errs[w])
		}
	}
	return res
}

// dialAll opens n sessions with at most 16 handshakes in flight.
func dialAll(ctx context.Context, d Driver, addr string, n int) ([]Client, error) {
	clients := make([]Client, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			clients[i], errs[i] = d.Dial(ctx, addr)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			closeAll(clients)
			return nil, fmt.Errorf("session %d of %d: %w", i, n, err)
		}
	}
	return clients, nil
}

// closeAll closes every non-nil client, in parallel.
func closeAll(clients []Client) {
	var wg sync.WaitGroup
	for _, c := range clients {
		if c != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.Close()
			}()
		}
	}
	wg.Wait()
}

// opGroup is one target's state for the op workloads at one value size and
// session count: its sessions and the znodes the cells share.
type opGroup struct {
	ctx     context.Context
	size, n int
	dir     string
	clients []Client
	want    [][]byte // per worker: current value of dir/d/w<i> (get, exists)
	created []int    // per worker: znodes dir/c/w<i>-<k> created, k < created
	deleted []int    // per worker: of those, deleted, k < deleted
	setVer  []int32  // per worker: version of dir/s/w<i>
	mixVal  [][]byte // per worker: current value of dir/m/w<i>
	mixVer  []int32  // per worker: version of dir/m/w<i>
	kids    []string // sorted names of dir/k's children
}

// numKids is the number of children the children workload lists.
const numKids = 10

// newOpGroup opens n sessions and creates the group's znodes (untimed).
func newOpGroup(ctx context.Context, d Driver, addr, root string, size, n int) (*opGroup, error) {
	clients, err := dialAll(ctx, d, addr, n)
	if err != nil {
		return nil, err
	}
	g := &opGroup{ctx: ctx, size: size, n: n, clients: clients,
		dir:     fmt.Sprintf("%s/v%d-s%d", root, size, n),
		want:    make([][]byte, n),
		created: make([]int, n), deleted: make([]int, n),
		setVer: make([]int32, n), mixVal: make([][]byte, n), mixVer: make([]int32, n)}
	c := clients[0]
	for _, p := range []string{g.dir, g.dir + "/c", g.dir + "/s", g.dir + "/d", g.dir + "/k", g.dir + "/m"} {
		if _, err := c.Create(ctx, p, nil, false); err != nil {
			g.close()
			return nil, fmt.Errorf("setup: create %s: %w", p, err)
		}
	}
	for i := range numKids {
		name := fmt.Sprintf("child-%02d", i)
		if _, err := c.Create(ctx, g.dir+"/k/"+name, []byte("x"), false); err != nil {
			g.close()
			return nil, fmt.Errorf("setup: %w", err)
		}
		g.kids = append(g.kids, name)
	}
	for w := range n {
		g.want[w] = value(make([]byte, size), w, -1)
		g.mixVal[w] = slices.Clone(g.want[w])
		for _, p := range []string{"/s/", "/d/", "/m/"} {
			if _, err := c.Create(ctx, g.dir+p+"w"+strconv.Itoa(w), g.want[w], false); err != nil {
				g.close()
				return nil, fmt.Errorf("setup: %w", err)
			}
		}
	}
	return g, nil
}

func (g *opGroup) close() { closeAll(g.clients) }

// opWorkloads lists the op workloads in the order they run: create first
// (delete consumes what it made), delete last.
var opWorkloads = []string{"create", "set", "get", "exists", "children", "mixed", "delete"}

// run runs one op workload on every session of g.
func (g *opGroup) run(workload string, lim limits) Result {
	ctx := g.ctx
	var res Result
	switch workload {
	case "create":
		res = runWorkers(g.n, lim, func(w int, h *Histogram, deadline time.Time) (int, error) {
			c, buf, prefix := g.clients[w], make([]byte, g.size), g.dir+"/c/w"+strconv.Itoa(w)+"-"
			ops := 0
			for t := time.Now(); t.Before(deadline) && ops < lim.maxOps; ops++ {
				k := g.created[w]
				p := prefix + strconv.Itoa(k)
				got, err := c.Create(ctx, p, value(buf, w, k), false)
				t1 := time.Now()
				h.Record(t1.Sub(t))
				t = t1
				if err != nil {
					return ops, fmt.Errorf("create %s: %w", p, err)
				}
				if got != p {
					return ops, fmt.Errorf("create %s returned %q", p, got)
				}
				g.created[w]++
			}
			return ops, nil
		})
		if res.Err == nil {
			res.Err = g.checkCount()
		}
	case "set":
		res = runWorkers(g.n, lim, func(w int, h *Histogram, deadline time.Time) (int, error) {
			c, buf, p := g.clients[w], make([]byte, g.size), g.dir+"/s/w"+strconv.Itoa(w)
			ops := 0
			for t := time.Now(); t.Before(deadline) && ops < lim.maxOps; ops++ {
				v, err := c.Set(ctx, p, value(buf, w, int(g.setVer[w])+1))
				t1 := time.Now()
				h.Record(t1.Sub(t))
				t = t1
				if err != nil {
					return ops, fmt.Errorf("set %s: %w", p, err)
				}
				if v != g.setVer[w]+1 {
					return ops, fmt.Errorf("set %s: version %d after version %d", p, v, g.setVer[w])
				}
				g.setVer[w] = v
			}
			got, v, err := c.Get(ctx, p)
			if err != nil {
				return ops, err
			}
			if v != g.setVer[w] || !bytes.Equal(got, value(buf, w, int(v))) {
				return ops, fmt.Errorf("get %s after set: version %d (want %d) or data differ", p, v, g.setVer[w])
			}
			return ops, nil
		})
	case "get":
		res = runWorkers(g.n, lim, func(w int, h *Histogram, deadline time.Time) (int, error) {
			c, p := g.clients[w], g.dir+"/d/w"+strconv.Itoa(w)
			ops := 0
			for t := time.Now(); t.Before(deadline) && ops < lim.maxOps; ops++ {
				got, v, err := c.Get(ctx, p)
				t1 := time.Now()
				h.Record(t1.Sub(t))
				t = t1
				if err != nil {
					return ops, fmt.Errorf("get %s: %w", p, err)
				}
				if v != 0 || !bytes.Equal(got, g.want[w]) {
					return ops, fmt.Errorf("get %s: version %d, %d bytes: not what was created", p, v, len(got))
				}
			}
			return ops, nil
		})
	case "exists":
		res = runWorkers(g.n, lim, func(w int, h *Histogram, deadline time.Time) (int, error) {
			c, p := g.clients[w], g.dir+"/d/w"+strconv.Itoa(w)
			ops := 0
			for t := time.Now(); t.Before(deadline) && ops < lim.maxOps; ops++ {
				ok, v, n, err := c.Exists(ctx, p)
				t1 := time.Now()
				h.Record(t1.Sub(t))
				t = t1
				if err != nil {
					return ops, fmt.Errorf("exists %s: %w", p, err)
				}
				if !ok || v != 0 || int(n) != g.size {
					return ops, fmt.Errorf("exists %s: %v, version %d, dataLength %d", p, ok, v, n)
				}
			}
			return ops, nil
		})
	case "children":
		res = runWorkers(g.n, lim, func(w int, h *Histogram, deadline time.Time) (int, error) {
			c, p := g.clients[w], g.dir+"/k"
			ops := 0
			for t := time.Now(); t.Before(deadline) && ops < lim.maxOps; ops++ {
				names, err := c.Children(ctx, p)
				t1 := time.Now()
				h.Record(t1.Sub(t))
				t = t1
				if err != nil {
					return ops, fmt.Errorf("children %s: %w", p, err)
				}
				slices.Sort(names)
				if !slices.Equal(names, g.kids) {
					return ops, fmt.Errorf("children %s: %v, want %v", p, names, g.kids)
				}
			}
			return ops, nil
		})
	case "mixed":
		res = runWorkers(g.n, lim, func(w int, h *Histogram, deadline time.Time) (int, error) {
			c, p := g.clients[w], g.dir+"/m/w"+strconv.Itoa(w)
			ops := 0
			for t := time.Now(); t.Before(deadline) && ops < lim.maxOps; ops++ {
				if ops%10 == 9 { // 10% writes
					next := g.mixVer[w] + 1
					v, err := c.Set(ctx, p, value(g.mixVal[w], w, int(next)))
					t1 := time.Now()
					h.Record(t1.Sub(t))
					t = t1
					if err != nil {
						return ops, fmt.Errorf("set %s: %w", p, err)
					}
					if v != next {
						return ops, fmt.Errorf("set %s: version %d, want %d", p, v, next)
					}
					g.mixVer[w] = v
					continue
				}
				got, v, err := c.Get(ctx, p)
				t1 := time.Now()
				h.Record(t1.Sub(t))
				t = t1
				if err != nil {
					return ops, fmt.Errorf("get %s: %w", p, err)
				}
				if v != g.mixVer[w] || !bytes.Equal(got, g.mixVal[w]) {
					return ops, fmt.Errorf("get %s: version %d (want %d) or data differ from the last set", p, v, g.mixVer[w])
				}
			}
			return ops, nil
		})
	case "delete":
		res = runWorkers(g.n, lim, func(w int, h *Histogram, deadline time.Time) (int, error) {
			c, prefix := g.clients[w], g.dir+"/c/w"+strconv.Itoa(w)+"-"
			ops := 0
			for t := time.Now(); t.Before(deadline) && ops < lim.maxOps && g.deleted[w] < g.created[w]; ops++ {
				p := prefix + strconv.Itoa(g.deleted[w])
				err := c.Delete(ctx, p)
				t1 := time.Now()
				h.Record(t1.Sub(t))
				t = t1
				if err != nil {
					return ops, fmt.Errorf("delete %s: %w", p, err)
				}
				g.deleted[w]++
			}
			return ops, nil
		})
		if res.Err == nil {
			res.Err = g.checkCount()
		}
	default:
		res.Err = fmt.Errorf("unknown workload %q", workload)
	}
	return res
}

// checkCount checks that dir/c holds exactly the znodes created and not
// deleted.
func (g *opGroup) checkCount() error {
	want := 0
	for w := range g.n {
		want += g.created[w] - g.deleted[w]
	}
	got, err := g.clients[0].NumChildren(g.ctx, g.dir+"/c")
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if int(got) != want {
		return fmt.Errorf("check: %s/c has %d children, want %d", g.dir, got, want)
	}
	return nil
}

// watchGroup is one target's state for the watch workload: nw watcher
// sessions and one writer, all on one znode.
type watchGroup struct {
	ctx      context.Context
	path     string
	writer   Client
	watchers []Client
	version  int32
}

// newWatchGroup opens nw watchers and a writer and creates path (untimed).
func newWatchGroup(ctx context.Context, d Driver, addr, path string, nw int) (*watchGroup, error) {
	clients, err := dialAll(ctx, d, addr, nw+1)
	if err != nil {
		return nil, err
	}
	g := &watchGroup{ctx: ctx, path: path, writer: clients[0], watchers: clients[1:]}
	if _, err := g.writer.Create(ctx, g.path, value(make([]byte, 100), 0, 0), false); err != nil {
		closeAll(clients)
		return nil, fmt.Errorf("setup: %w", err)
	}
	return g, nil
}

func (g *watchGroup) close() { closeAll(append([]Client{g.writer}, g.watchers...)) }

// run runs rounds until the time or count limit: every watcher leaves a
// data watch (GetW, which also checks it reads the previous round's value),
// then the writer sets the znode once, and each watcher records the time
// from just before the set to the moment its watch fired. It returns the
// histogram of every delivery and that of the last delivery of each round.
func (g *watchGroup) run(lim limits) (all, last Result) {
	ctx := g.ctx
	nw := len(g.watchers)
	buf := make([]byte, 100)
	hists := make([]Histogram, nw)
	all.Hist, last.Hist = new(Histogram), new(Histogram)
	var setAt atomic.Int64 // ns since base of the current round's set
	base := time.Now()
	deadline := base.Add(lim.duration)
	rounds := 0
	for ; time.Now().Before(deadline) && rounds < lim.maxOps; rounds++ {
		want := value(buf, 0, int(g.version))
		fired := make([]<-chan struct{}, nw)
		errs := make([]error, nw)
		var wg sync.WaitGroup
		for i, c := range g.watchers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, ch, err := c.GetW(ctx, g.path)
				if err == nil && !bytes.Equal(got, want) {
					err = fmt.Errorf("getW %s: data differ from the last set", g.path)
				}
				fired[i], errs[i] = ch, err
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				all.Err = err
				return all, last
			}
		}
		var seen sync.WaitGroup
		var latest atomic.Int64
		for i := range g.watchers {
			seen.Add(1)
			go func() {
				defer seen.Done()
				<-fired[i]
				d := time.Since(base).Nanoseconds() - setAt.Load()
				hists[i].Record(time.Duration(d))
				for {
					cur := latest.Load()
					if d <= cur || latest.CompareAndSwap(cur, d) {
						break
					}
				}
			}()
		}
		setAt.Store(time.Since(base).Nanoseconds())
		v, err := g.writer.Set(ctx, g.path, value(buf, 0, int(g.version)+1))
		if err == nil && v != g.version+1 {
			err = fmt.Errorf("set %s: version %d, want %d", g.path, v, g.version+1)
		}
		if err != nil {
			all.Err = err
			// The watchers' goroutines end when their sessions close.
			return all, last
		}
		g.version = v
		seen.Wait()
		last.Hist.Record(time.Duration(latest.Load()))
	}
	all.Elapsed = time.Since(base)
	last.Elapsed = all.Elapsed
	for i := range hists {
		all.Hist.Merge(&hists[i])
	}
	all.Ops = all.Hist.Count()
	last.Ops = uint64(rounds)
	return all, last
}

// runSessions opens and closes sessions from n workers: each operation is
// one Dial (returning once the session is established) and its latency is
// the establishment time; the close that follows counts in the rate only.
func runSessions(ctx context.Context, d Driver, addr string, n int, lim limits) Result {
	return runWorkers(n, lim, func(w int, h *Histogram, deadline time.Time) (int, error) {
		ops := 0
		for t := time.Now(); t.Before(deadline) && ops < lim.maxOps; ops++ {
			c, err := d.Dial(ctx, addr)
			h.Record(time.Since(t))
			if err != nil {
				return ops, err
			}
			if err := c.Close(); err != nil {
				return ops, err
			}
			t = time.Now()
		}
		return ops, nil
	})
}

// runEphemerals has n workers each repeat: open a session, then (timed)
// create an ephemeral znode and close the session. The rate counts whole
// cycles, open included; the latency is create plus close. Afterwards dir
// must have no children: closing a session deletes its ephemerals before the
// close is acknowledged.
func runEphemerals(ctx context.Context, d Driver, addr, dir string, checker Client, n int, lim limits) Result {
	if _, err := checker.Create(ctx, dir, nil, false); err != nil {
		return Result{Err: fmt.Errorf("setup: %w", err)}
	}
	res := runWorkers(n, lim, func(w int, h *Histogram, deadline time.Time) (int, error) {
		buf := make([]byte, 100)
		ops := 0
		for ; time.Now().Before(deadline) && ops < lim.maxOps; ops++ {
			c, err := d.Dial(ctx, addr)
			if err != nil {
				return ops, err
			}
			p := dir + "/w" + strconv.Itoa(w) + "-" + strconv.Itoa(ops)
			t := time.Now()
			got, err := c.Create(ctx, p, value(buf, w, ops), true)
			if err != nil {
				c.Close()
				return ops, fmt.Errorf("create %s: %w", p, err)
			}
			if got != p {
				c.Close()
				return ops, fmt.Errorf("create %s returned %q", p, got)
			}
			if err := c.Close(); err != nil {
				return ops, err
			}
			h.Record(time.Since(t))
		}
		return ops, nil
	})
	if res.Err == nil {
		left, err := checker.NumChildren(ctx, dir)
		if err != nil {
			res.Err = fmt.Errorf("check: %w", err)
		} else if left != 0 {
			res.Err = fmt.Errorf("check: %d ephemerals outlived their closed sessions", left)
		}
	}
	return res
}
