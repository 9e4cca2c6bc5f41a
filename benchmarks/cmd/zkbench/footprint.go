package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zkembed/zkembed/internal/proc"
)

// footprint holds one target's footprint figures.
type footprint struct {
	startMs      []float64 // each fresh start: process start to first served request
	idleRSS      int64
	loadedRSS    int64
	loadRate     float64 // znodes created per second while loading
	disk         int64   // bytes allocated in the data directory after loading
	errStart     error
	errIdle      error
	errLoad      error
	errLoadedRSS error
}

// measureStart starts a fresh server and times from just before the start
// to the end of the first served request (a session, then exists on
// /zookeeper). The server is returned running.
func measureStart(ctx context.Context, t Target, d Driver) (Server, time.Duration, error) {
	t0 := time.Now()
	s, err := t.Start(ctx)
	if err != nil {
		return nil, 0, err
	}
	c, err := dialRetry(ctx, d, s.Addr(), 30*time.Second)
	if err != nil {
		s.Close()
		return nil, 0, err
	}
	ok, _, _, err := c.Exists(ctx, "/zookeeper")
	elapsed := time.Since(t0)
	c.Close()
	if err == nil && !ok {
		err = fmt.Errorf("/zookeeper does not exist")
	}
	if err != nil {
		s.Close()
		return nil, 0, err
	}
	return s, elapsed, nil
}

// dialRetry dials until a session is established or limit passes: a
// listening socket may still refuse sessions while the server loads.
func dialRetry(ctx context.Context, d Driver, addr string, limit time.Duration) (Client, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		c, err := d.Dial(ctx, addr)
		if err == nil || ctx.Err() != nil {
			return c, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Millisecond):
		}
	}
}

// loadZnodes creates n znodes of 100 bytes under dir from 64 sessions and
// checks that dir then has n children. It returns the creation rate.
func loadZnodes(ctx context.Context, d Driver, addr, dir string, n int) (float64, error) {
	const sessions = 64
	clients, err := dialAll(ctx, d, addr, sessions)
	if err != nil {
		return 0, err
	}
	defer closeAll(clients)
	if _, err := clients[0].Create(ctx, dir, nil, false); err != nil {
		return 0, err
	}
	var next atomic.Int64
	errs := make([]error, sessions)
	var wg sync.WaitGroup
	t0 := time.Now()
	for w, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 100)
			for {
				k := int(next.Add(1)) - 1
				if k >= n {
					return
				}
				p := dir + "/n" + strconv.Itoa(k)
				if _, err := c.Create(ctx, p, value(buf, w, k), false); err != nil {
					errs[w] = fmt.Errorf("create %s: %w", p, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	rate := float64(n) / time.Since(t0).Seconds()
	for _, err := range errs {
		if err != nil {
			return 0, err
		}
	}
	got, err := clients[0].NumChildren(ctx, dir)
	if err != nil {
		return 0, err
	}
	if int(got) != n {
		return 0, fmt.Errorf("%s has %d children after creating %d", dir, got, n)
	}
	return rate, nil
}

// measureFootprints measures every target that we start ourselves, taking
// turns (in alternating order) so drift hits all of them: starts fresh
// servers to time start-up, then loads one with znodes.
func measureFootprints(ctx context.Context, targets []Target, d Driver, starts, znodes int, logf func(string, ...any)) []footprint {
	fps := make([]footprint, len(targets))
	kept := make([]Server, len(targets))
	defer func() {
		for _, s := range kept {
			if s != nil {
				s.Close()
			}
		}
	}()
	for i := range starts {
		for _, ti := range order(len(targets), i) {
			t := targets[ti]
			if t.Start == nil || fps[ti].errStart != nil {
				continue
			}
			s, took, err := measureStart(ctx, t, d)
			if err != nil {
				fps[ti].errStart = err
				continue
			}
			logf("footprint %s: start %d: %v", t.Name, i, took.Round(time.Millisecond))
			fps[ti].startMs = append(fps[ti].startMs, float64(took)/float64(time.Millisecond))
			if kept[ti] == nil {
				kept[ti] = s
				if fps[ti].idleRSS, err = proc.RSS(s.Pid()); err != nil {
					fps[ti].errIdle = err
				}
			} else {
				s.Close()
			}
		}
	}
	for ti, s := range kept {
		if s == nil {
			continue
		}
		rate, err := loadZnodes(ctx, d, s.Addr(), "/footprint", znodes)
		if err != nil {
			fps[ti].errLoad = err
			continue
		}
		fps[ti].loadRate = rate
		logf("footprint %s: %d znodes loaded at %.0f/s", targets[ti].Name, znodes, rate)
		if fps[ti].loadedRSS, err = proc.RSS(s.Pid()); err != nil {
			fps[ti].errLoadedRSS = err
		}
		if dir := s.DataDir(); dir != "" {
			if fps[ti].disk, err = diskBytes(dir); err != nil {
				fps[ti].disk = 0
			}
		}
		s.Close()
		kept[ti] = nil
	}
	return fps
}

// footRows turns footprints into table rows.
func footRows(targets []Target, fps []footprint, znodes int) []FootRow {
	mk := func(metric, unit string, lower bool, get func(footprint) (float64, error)) FootRow {
		r := FootRow{Metric: metric, Unit: unit, Lower: lower}
		for i, fp := range fps {
			v, err := get(fp)
			if err == nil && targets[i].Start == nil {
				err = fmt.Errorf("external target: not started by zkbench")
			}
			r.Values = append(r.Values, v)
			r.Errs = append(r.Errs, err)
		}
		return r
	}
	mb := func(b int64) float64 { return float64(b) / (1 << 20) }
	loaded := fmt.Sprintf("%dk znodes of 100 B", znodes/1000)
	if znodes%1000 != 0 {
		loaded = fmt.Sprintf("%d znodes of 100 B", znodes)
	}
	return []FootRow{
		mk("start to first served request (median)", "ms", true, func(f footprint) (float64, error) {
			if f.errStart != nil || len(f.startMs) == 0 {
				return 0, orMissing(f.errStart)
			}
			s := slices.Clone(f.startMs)
			slices.Sort(s)
			return s[len(s)/2], nil
		}),
		mk("RSS idle", "MB", true, func(f footprint) (float64, error) {
			return mb(f.idleRSS), firstErr(f.errStart, f.errIdle)
		}),
		mk("RSS with "+loaded, "MB", true, func(f footprint) (float64, error) {
			return mb(f.loadedRSS), firstErr(f.errStart, f.errLoad, f.errLoadedRSS)
		}),
		mk("create rate loading them (64 sessions)", "ops/s", false, func(f footprint) (float64, error) {
			return f.loadRate, firstErr(f.errStart, f.errLoad)
		}),
		mk("bytes on disk with them", "MB", true, func(f footprint) (float64, error) {
			return mb(f.disk), firstErr(f.errStart, f.errLoad)
		}),
	}
}

func orMissing(err error) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("not measured")
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// order returns the indexes 0..n-1, reversed on odd turns, so runs
// alternate which target goes first.
func order(n, turn int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	if turn%2 == 1 {
		slices.Reverse(idx)
	}
	return idx
}
