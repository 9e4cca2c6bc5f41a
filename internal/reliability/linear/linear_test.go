package linear

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/internal/reliability/rig"
	"github.com/zkembed/zkembed/transport"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	opsPerClient = 50
	checkTimeout = 30 * time.Second
)

// scenario varies a history.
type scenario struct {
	seed   uint64
	onDisk bool
	// stale wraps the first direct client so that it answers reads from a
	// snapshot it took at the start: a broken engine the checker must catch.
	stale bool
	// prefix makes client 0 create k0, set it unconditionally, then set it
	// at version 1, before the concurrent phase.
	prefix bool
}

// stats counts what a history held.
type stats struct {
	ops, unknown, drops int
}

// staleClient answers Get from the first answer it got for each path.
type staleClient struct {
	api.Client
	mu    sync.Mutex // guards cache
	cache map[string]staleRead
}

type staleRead struct {
	data []byte
	st   *api.Stat
	err  error
}

func (s *staleClient) Get(ctx context.Context, path string) ([]byte, *api.Stat, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.cache[path]; ok {
		return r.data, r.st, r.err
	}
	d, st, err := s.Client.Get(ctx, path)
	s.cache[path] = staleRead{d, st, err}
	return d, st, err
}

// record runs one history: two direct sessions (one of them cancelling
// some calls in flight), two wire clients over a pipe and two over TCP
// whose connections a chaos goroutine drops.
func record(t *testing.T, sc scenario) ([]porcupine.Operation, stats) {
	t.Helper()
	opts := engine.Options{}
	if sc.onDisk {
		opts.Dir = t.TempDir()
	}
	eng := rig.OpenEngine(t, opts)
	srv := rig.StartServer(t, eng, transport.Options{})
	ctx := context.Background()
	setup, err := eng.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer setup.Close()
	if _, err := setup.Create(ctx, "/lin", nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
		t.Fatal(err)
	}

	var cs conns
	var clients []api.Client
	for range 2 {
		c, err := eng.Session(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	var stale *staleClient
	if sc.stale {
		stale = &staleClient{Client: clients[0], cache: map[string]staleRead{}}
		clients[0] = stale
	}
	clients = append(clients, srv.DialPipe(t), srv.DialPipe(t))
	for range 2 {
		dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		c, err := transport.Dial(dctx, srv.Addr, transport.WithDialer(cs.dial),
			transport.WithReconnectBackoff(time.Millisecond, 10*time.Millisecond))
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}

	rec := newRecorder()
	var failMu sync.Mutex
	var failures []error
	fail := func(err error) {
		failMu.Lock()
		failures = append(failures, err)
		failMu.Unlock()
	}
	if sc.prefix {
		var v [keys]int32
		for _, in := range []input{
			{kind: opCreate, key: 0, data: "p0", version: -1},
			{kind: opSet, key: 0, data: "p1", version: -1},
			{kind: opSet, key: 0, data: "p2", version: 1},
		} {
			if err := rec.run(ctx, clients[0], 0, in, &v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if stale != nil {
		for k := range keys {
			stale.Get(ctx, keyPath(k)) // the snapshot it will answer from
		}
	}

	done := make(chan struct{})
	var chaos sync.WaitGroup
	drops := 0
	chaos.Go(func() {
		rng := rand.New(rand.NewPCG(sc.seed, 99))
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Duration(1+rng.IntN(8)) * time.Millisecond):
				cs.dropOne(rng)
				drops++
			}
		}
	})
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(sc.seed, uint64(i)))
			var versions [keys]int32
			for range opsPerClient {
				octx, cancel := ctx, context.CancelFunc(func() {})
				if i == 1 && rng.IntN(6) == 0 {
					// Cancelled in flight: the outcome is unknown.
					octx, cancel = context.WithTimeout(ctx, time.Duration(rng.IntN(200))*time.Microsecond)
				}
				err := rec.do(octx, c, i, rng, &versions)
				cancel()
				if err != nil {
					fail(fmt.Errorf("client %d: %w", i, err))
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	chaos.Wait()
	if len(failures) > 0 {
		t.Fatalf("unexpected errors: %v", failures)
	}
	if stale != nil {
		// Every key is written after the snapshot, then read through it.
		var v [keys]int32
		for k := range keys {
			if err := rec.run(ctx, clients[2], 2, input{kind: opMultiCreateDel, key: k, key2: k, data: "gone", version: -1}, &v); err != nil {
				t.Fatal(err)
			}
			if err := rec.run(ctx, clients[2], 2, input{kind: opCreate, key: k, data: "final" + strconv.Itoa(k), version: -1}, &v); err != nil {
				t.Fatal(err)
			}
			if err := rec.run(ctx, clients[2], 2, input{kind: opSet, key: k, data: "final" + strconv.Itoa(k), version: -1}, &v); err != nil {
				t.Fatal(err)
			}
			if err := rec.run(ctx, stale, 0, input{kind: opGet, key: k, version: -1}, &v); err != nil {
				t.Fatal(err)
			}
		}
	}
	h := rec.history()
	return h, stats{ops: len(h), unknown: rec.unknown, drops: drops}
}

// check runs porcupine and, on a violation, writes its visualization.
func check(t *testing.T, m porcupine.Model, h []porcupine.Operation) porcupine.CheckResult {
	t.Helper()
	res, info := porcupine.CheckOperationsVerbose(m, h, checkTimeout)
	if res == porcupine.Illegal && os.Getenv("ZKEMBED_LIN_VISUALIZE") != "" {
		f := filepath.Join(os.Getenv("ZKEMBED_LIN_VISUALIZE"), t.Name()+".html")
		os.MkdirAll(filepath.Dir(f), 0o755)
		if err := porcupine.VisualizePath(m, info, f); err == nil {
			t.Logf("visualization: %s", f)
		}
	}
	return res
}

func historiesWanted(t *testing.T) int {
	n := 50 // .ci/reliability.sh runs 300
	if s := os.Getenv("ZKEMBED_LIN_HISTORIES"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			t.Fatalf("ZKEMBED_LIN_HISTORIES=%q: want a positive number", s)
		}
		n = v
	}
	if testing.Short() {
		n = min(n, 8)
	}
	return n
}

func TestLinearizableHistories(t *testing.T) {
	n := historiesWanted(t)
	base := uint64(time.Now().UnixNano())
	var total stats
	for h := range n {
		sc := scenario{seed: base + uint64(h), onDisk: h%4 == 0}
		hist, st := record(t, sc)
		if res := check(t, zkModel(true), hist); res != porcupine.Ok {
			t.Fatalf("history %d (seed %d, on disk %v): %s", h, sc.seed, sc.onDisk, res)
		}
		total.ops += st.ops
		total.unknown += st.unknown
		total.drops += st.drops
	}
	t.Logf("%d histories linearizable: %d operations, %d with unknown outcome, %d connections dropped",
		n, total.ops, total.unknown, total.drops)
	if total.unknown == 0 {
		t.Error("no operation had an unknown outcome: the histories did not exercise dropped connections")
	}
}

// A client that answers reads from a stale snapshot is caught.
func TestCheckerCatchesStaleReads(t *testing.T) {
	hist, _ := record(t, scenario{seed: uint64(time.Now().UnixNano()), stale: true})
	if res := check(t, zkModel(true), hist); res != porcupine.Illegal {
		t.Fatalf("stale reads: checker says %s, want Illegal", res)
	}
}

// A wrong model (an unconditional set that does not bump the version) is
// caught on a real history, which the right model accepts.
func TestCheckerCatchesWrongModel(t *testing.T) {
	hist, _ := record(t, scenario{seed: uint64(time.Now().UnixNano()), prefix: true})
	if res := check(t, zkModel(true), hist); res != porcupine.Ok {
		t.Fatalf("right model: %s", res)
	}
	if res := check(t, zkModel(false), hist); res != porcupine.Illegal {
		t.Fatalf("wrong model: checker says %s, want Illegal", res)
	}
}
