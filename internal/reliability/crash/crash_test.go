package crash

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/internal/reliability/rig"
	"github.com/zkembed/zkembed/jute"
	"github.com/zkembed/zkembed/transport"
)

const (
	workers        = 8
	leaverTimeout  = 300 // ms: the session whose client never comes back
	clientTimeout  = 10 * time.Second
	minLoad        = 400 * time.Millisecond
	maxExtraLoad   = 500 * time.Millisecond
	sampleOlder    = 100 // older acknowledged writes re-checked each cycle
	reconnectLimit = 30 * time.Second
)

// want is what an acknowledged write promises about one path.
type want struct {
	cycle   int
	exists  bool
	czxid   api.Zxid
	mzxid   api.Zxid
	version int32
	owner   api.SessionID
	data    []byte
	// bumped: a set of this counter had an unknown outcome after the last
	// acknowledged one, so the version may be one more.
	bumped bool
}

// ledger is everything acknowledged so far.
type ledger struct {
	mu       sync.Mutex // guards the fields below
	wants    map[string]*want
	byCycle  map[int][]string
	maxZxid  api.Zxid
	acks     int
	maybes   int
	failures []string
}

func (l *ledger) ack(cycle int, path string, w want) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w.cycle = cycle
	l.wants[path] = &w
	l.byCycle[cycle] = append(l.byCycle[cycle], path)
	l.maxZxid = max(l.maxZxid, w.czxid, w.mzxid)
	l.acks++
}

func (l *ledger) seen(z api.Zxid) {
	l.mu.Lock()
	l.maxZxid = max(l.maxZxid, z)
	l.mu.Unlock()
}

// maybe records a write whose outcome is unknown: the path's promise is
// dropped (a counter keeps it, marked bumped).
func (l *ledger) maybe(path string, counter bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maybes++
	if w, ok := l.wants[path]; ok && counter {
		w.bumped = true
		return
	}
	delete(l.wants, path)
}

func (l *ledger) fail(format string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.failures) < 50 {
		l.failures = append(l.failures, fmt.Sprintf(format, a...))
	}
}

// unknown reports whether err leaves a write's outcome unknown: the
// connection was lost (the server was killed) or the load was stopped.
func unknown(err error) bool {
	return errors.Is(err, api.ErrConnectionLoss) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded)
}

// worker is one client session writing its own paths.
type worker struct {
	id      int
	c       *transport.Client
	seq     int
	version int32 // the counter's version as last known
	rng     *rand.Rand
}

func (w *worker) counter() string { return fmt.Sprintf("/v/w%d", w.id) }

// resync reads the counter after a restart: its version is the one last
// acknowledged, or one more if a set had an unknown outcome.
func (w *worker) resync(ctx context.Context, l *ledger) error {
	d, st, err := w.c.Get(ctx, w.counter())
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if cw, ok := l.wants[w.counter()]; ok {
		okVersion := st.Version == cw.version || (cw.bumped && st.Version == cw.version+1)
		if !okVersion || (st.Version == cw.version && (st.Mzxid != cw.mzxid || !bytes.Equal(d, cw.data))) {
			l.failures = append(l.failures, fmt.Sprintf("%s: version %d mzxid %#x, acknowledged version %d mzxid %#x (bumped %v)",
				w.counter(), st.Version, st.Mzxid, cw.version, cw.mzxid, cw.bumped))
		}
		cw.version, cw.mzxid, cw.data, cw.bumped = st.Version, st.Mzxid, d, false
	}
	w.version = st.Version
	return nil
}

// run writes until ctx ends or the connection is lost.
func (w *worker) run(ctx context.Context, cycle int, l *ledger) {
	data := func() []byte {
		b := make([]byte, w.rng.IntN(200))
		for i := range b {
			b[i] = byte(w.rng.IntN(256))
		}
		return b
	}
	var mine []string // persistent znodes this worker created and may delete
	for ctx.Err() == nil {
		w.seq++
		base := fmt.Sprintf("w%d-%d", w.id, w.seq)
		switch r := w.rng.IntN(100); {
		case r < 35:
			p, d := "/k/"+base, data()
			_, st, err := w.c.Create2(ctx, p, d, api.OpenACLUnsafe, api.ModePersistent, 0)
			switch {
			case err == nil:
				l.ack(cycle, p, want{exists: true, czxid: st.Czxid, mzxid: st.Czxid, data: d})
				mine = append(mine, p)
			case unknown(err):
				l.maybe(p, false)
				return
			default:
				l.fail("create %s: %v", p, err)
				return
			}
		case r < 65:
			p, d := w.counter(), data()
			st, err := w.c.Set(ctx, p, d, w.version)
			switch {
			case err == nil:
				if st.Version != w.version+1 {
					l.fail("set %s at version %d gave version %d", p, w.version, st.Version)
				}
				w.version = st.Version
				l.ack(cycle, p, want{exists: true, mzxid: st.Mzxid, czxid: st.Czxid, version: st.Version, data: d})
			case unknown(err):
				l.maybe(p, true)
				return
			default:
				l.fail("set %s version %d: %v", p, w.version, err)
				return
			}
		case r < 80:
			// A multi that must apply whole: two creates and a check.
			a, b := "/m/"+base+"-a", "/m/"+base+"-b"
			res, err := w.c.Multi(ctx,
				&api.CreateRequest{Path: a, Data: []byte(a), ACL: api.OpenACLUnsafe},
				&api.CheckRequest{Path: w.counter(), Version: w.version},
				&api.CreateRequest{Path: b, Data: []byte(b), ACL: api.OpenACLUnsafe})
			switch {
			case err == nil:
				if len(res) != 3 || res[0].Stat == nil {
					l.fail("multi %s: results %+v", a, res)
					return
				}
				z := res[0].Stat.Czxid
				l.ack(cycle, a, want{exists: true, czxid: z, mzxid: z, data: []byte(a)})
				l.ack(cycle, b, want{exists: true, czxid: z, mzxid: z, data: []byte(b)})
			case unknown(err):
				l.maybe(a, false)
				l.maybe(b, false)
				return
			default:
				l.fail("multi %s: %v", a, err)
				return
			}
		case r < 88:
			// A multi that must fail whole: its first create must not stay.
			a := "/m/" + base + "-x"
			_, err := w.c.Multi(ctx,
				&api.CreateRequest{Path: a, ACL: api.OpenACLUnsafe},
				&api.CreateRequest{Path: "/k", ACL: api.OpenACLUnsafe})
			switch {
			case errors.Is(err, api.ErrNodeExists):
				l.ack(cycle, a, want{exists: false})
			case unknown(err):
				return // it cannot have applied either way; checked below
			default:
				l.fail("failing multi %s: %v", a, err)
				return
			}
		case r < 94:
			p := "/e/" + base
			_, st, err := w.c.Create2(ctx, p, nil, api.OpenACLUnsafe, api.ModeEphemeral, 0)
			switch {
			case err == nil:
				l.ack(cycle, p, want{exists: true, czxid: st.Czxid, mzxid: st.Czxid, owner: w.c.SessionID(), data: []byte{}})
			case unknown(err):
				l.maybe(p, false)
				return
			default:
				l.fail("create ephemeral %s: %v", p, err)
				return
			}
		default:
			if len(mine) == 0 {
				continue
			}
			i := w.rng.IntN(len(mine))
			p := mine[i]
			mine = append(mine[:i], mine[i+1:]...)
			err := w.c.Delete(ctx, p, 0)
			switch {
			case err == nil:
				l.ack(cycle, p, want{exists: false})
			case unknown(err):
				l.maybe(p, false)
				return
			default:
				l.fail("delete %s: %v", p, err)
				return
			}
		}
	}
}

func cyclesWanted(t *testing.T) int {
	n := 10 // .ci/reliability.sh runs 100
	if s := os.Getenv("ZKEMBED_CRASH_CYCLES"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			t.Fatalf("ZKEMBED_CRASH_CYCLES=%q: want a positive number", s)
		}
		n = v
	}
	if testing.Short() && n > 3 {
		n = 3
	}
	return n
}

// dial opens a wire client that reconnects quickly.
func dial(t *testing.T, addr string, timeout time.Duration) *transport.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), reconnectLimit)
	defer cancel()
	c, err := transport.Dial(ctx, addr, transport.WithSessionTimeout(timeout),
		transport.WithReconnectBackoff(5*time.Millisecond, 50*time.Millisecond))
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	return c
}

// reconnected waits until c serves requests again on the restarted server
// (each failed Exists is one failed connection attempt, not a sleep).
func reconnected(ctx context.Context, c api.Client) error {
	ctx, cancel := context.WithTimeout(ctx, reconnectLimit)
	defer cancel()
	for {
		_, err := c.Exists(ctx, "/")
		if err == nil || !errors.Is(err, api.ErrConnectionLoss) {
			return err
		}
	}
}

func TestCrashKillCycles(t *testing.T) {
	cycles := cyclesWanted(t)
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	ctx := context.Background()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, %d kill cycles", seed, cycles)
	rng := rand.New(rand.NewPCG(seed, 1))

	p := startProc(t, dir, "127.0.0.1:0", 0)
	addr := p.addr
	defer func() {
		if p != nil {
			p.kill(t)
		}
	}()

	setup := dial(t, addr, clientTimeout)
	for _, path := range []string{"/k", "/v", "/m", "/e", "/z"} {
		if _, err := setup.Create(ctx, path, nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
			t.Fatal(err)
		}
	}
	l := &ledger{wants: map[string]*want{}, byCycle: map[int][]string{}}
	ws := make([]*worker, workers)
	for i := range ws {
		ws[i] = &worker{id: i, c: dial(t, addr, clientTimeout), rng: rand.New(rand.NewPCG(seed, uint64(i+2)))}
		_, st, err := setup.Create2(ctx, ws[i].counter(), nil, api.OpenACLUnsafe, api.ModePersistent, 0)
		if err != nil {
			t.Fatal(err)
		}
		l.ack(0, ws[i].counter(), want{exists: true, czxid: st.Czxid, mzxid: st.Mzxid, data: []byte{}})
	}
	setup.Close()
	// The keeper's session must outlive every restart with its ephemeral.
	keeper := dial(t, addr, clientTimeout)
	_, kst, err := keeper.Create2(ctx, "/e/keeper", []byte("k"), api.OpenACLUnsafe, api.ModeEphemeral, 0)
	if err != nil {
		t.Fatal(err)
	}
	l.ack(0, "/e/keeper", want{exists: true, czxid: kst.Czxid, mzxid: kst.Mzxid, owner: keeper.SessionID(), data: []byte("k")})
	defer func() {
		for _, w := range ws {
			w.c.Close()
		}
		keeper.Close()
	}()

	var leaverPath string // the ephemeral of the last cycle's abandoned session
	for cycle := 1; cycle <= cycles; cycle++ {
		// Load, and meanwhile check the previous cycle's abandoned session
		// expired, and abandon a new one.
		loadCtx, stopLoad := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for _, w := range ws {
			wg.Go(func() { w.run(loadCtx, cycle, l) })
		}
		side := make(chan error, 1)
		var leaver *rig.Raw
		go func() {
			var err error
			leaver, leaverPath, err = abandonAfterExpiry(ctx, t, addr, keeper, leaverPath, cycle)
			side <- err
		}()
		time.Sleep(minLoad + time.Duration(rng.Int64N(int64(maxExtraLoad)))) // the random moment of the kill
		if err := <-side; err != nil {
			t.Fatalf("cycle %d: %v", cycle, err)
		}
		p.kill(t)
		stopLoad()
		wg.Wait()
		leaver.NC.Close()

		p = startProc(t, dir, addr, cycle)
		for _, c := range append([]api.Client{keeper}, clients(ws)...) {
			if err := reconnected(ctx, c); err != nil {
				b, _ := os.ReadFile(p.log)
				t.Fatalf("cycle %d: a client could not resume its session: %v\nserver log:\n%s", cycle, err, b)
			}
		}
		for _, w := range ws {
			if err := w.resync(ctx, l); err != nil {
				t.Fatalf("cycle %d: resync: %v", cycle, err)
			}
		}
		verify(ctx, t, addr, l, cycle, rng)
		if len(l.failures) > 0 {
			t.Fatalf("cycle %d:\n%s", cycle, strings.Join(l.failures, "\n"))
		}
	}

	// The last kill, then the data directory in-process: invariants and
	// every promise.
	p.kill(t)
	p = nil
	e, err := engine.Open(engine.Options{Dir: dir, Clock: engine.NewManualClock(time.Now())})
	if err != nil {
		t.Fatalf("opening the data directory after the last kill: %v", err)
	}
	if err := e.CheckInvariants(); err != nil {
		t.Errorf("invariants after %d kills: %v", cycles, err)
	}
	nodes := map[string]engine.Node{}
	e.Walk("/", func(n engine.Node) bool { nodes[n.Path] = n; return true })
	if e.LastZxid() < l.maxZxid {
		t.Errorf("last zxid %#x is behind the newest seen %#x", e.LastZxid(), l.maxZxid)
	}
	checked := 0
	for path, w := range l.wants {
		n, ok := nodes[path]
		var st *api.Stat
		var d []byte
		if ok {
			st, d = &n.Stat, n.Data
		}
		if msg := mismatch(w, st, d); msg != "" {
			t.Errorf("after the last kill, %s: %s", path, msg)
		}
		checked++
	}
	checkMultis(t, names(nodes, "/m/"), l)
	if err := e.Close(); err != nil {
		t.Error(err)
	}
	l.mu.Lock()
	t.Logf("%d kill cycles survived: %d writes acknowledged, %d with unknown outcome, %d promises checked after the last kill, %d znodes",
		cycles, l.acks, l.maybes, checked, len(nodes))
	l.mu.Unlock()

	// Restart once more so the clients can close their sessions, then stop
	// cleanly.
	p = startProc(t, dir, addr, cycles+1)
	for _, w := range ws {
		w.c.Close()
	}
	keeper.Close()
	p.stop(t)
	p = nil
}

func clients(ws []*worker) []api.Client {
	var cs []api.Client
	for _, w := range ws {
		cs = append(cs, w.c)
	}
	return cs
}

func names(nodes map[string]engine.Node, prefix string) []string {
	var out []string
	for p := range nodes {
		if strings.HasPrefix(p, prefix) {
			out = append(out, strings.TrimPrefix(p, prefix))
		}
	}
	return out
}

// abandonAfterExpiry waits (on a watch) until the ephemeral of the session
// abandoned in the previous cycle is gone, since that session's client never
// came back, then opens a new session on a raw connection with a short
// timeout and an ephemeral; the caller drops the connection after the kill.
func abandonAfterExpiry(ctx context.Context, t *testing.T, addr string, watcher api.Client, prev string, cycle int) (*rig.Raw, string, error) {
	if prev != "" {
		st, ch, err := watcher.ExistsW(ctx, prev)
		if err != nil {
			return nil, "", fmt.Errorf("exists %s: %w", prev, err)
		}
		if st != nil {
			select {
			case ev := <-ch:
				if ev.Type != api.EventNodeDeleted {
					return nil, "", fmt.Errorf("abandoned session's ephemeral %s: event %+v, want NodeDeleted", prev, ev)
				}
			case <-time.After(20 * time.Second):
				return nil, "", fmt.Errorf("abandoned session's ephemeral %s still there 20s after restart", prev)
			}
		}
	}
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, "", err
	}
	r := rig.NewRaw(t, nc)
	resp, err := r.TryHandshake(jute.ConnectRequest{Timeout: leaverTimeout, Passwd: make([]byte, 16)})
	if err != nil || resp.SessionID == 0 {
		return nil, "", fmt.Errorf("abandoned session: handshake %+v: %v", resp, err)
	}
	path := fmt.Sprintf("/e/leaver-%d", cycle)
	acl := []jute.ACL{{Perms: int32(api.PermAll), ID: jute.Id{Scheme: "world", ID: "anyone"}}}
	if err := r.Send(1, jute.OpCreate, &jute.CreateRequest{Path: path, ACL: acl, Flags: int32(api.ModeEphemeral)}); err != nil {
		return nil, "", err
	}
	h, _, err := r.Reply()
	if err != nil || h.Err != 0 {
		return nil, "", fmt.Errorf("abandoned session %#x: create %s: %+v %v", resp.SessionID, path, h, err)
	}
	return r, path, nil
}

// mismatch compares a promise with what is there (st nil: absent).
func mismatch(w *want, st *api.Stat, d []byte) string {
	if w.bumped && st != nil && st.Version == w.version+1 && st.Mzxid > w.mzxid {
		return "" // the set with an unknown outcome was applied
	}
	switch {
	case !w.exists && st != nil:
		return fmt.Sprintf("present (czxid %#x), but its delete or failed multi was acknowledged", st.Czxid)
	case !w.exists:
		return ""
	case st == nil:
		return fmt.Sprintf("missing, acknowledged in cycle %d with czxid %#x", w.cycle, w.czxid)
	case st.Czxid != w.czxid:
		return fmt.Sprintf("czxid %#x, acknowledged %#x", st.Czxid, w.czxid)
	case st.Version < w.version || (st.Version == w.version && st.Mzxid != w.mzxid):
		return fmt.Sprintf("version %d mzxid %#x, acknowledged version %d mzxid %#x", st.Version, st.Mzxid, w.version, w.mzxid)
	case st.Version == w.version && !bytes.Equal(d, w.data) && !(len(d) == 0 && len(w.data) == 0):
		return fmt.Sprintf("data %q, acknowledged %q", d, w.data)
	case st.EphemeralOwner != w.owner:
		return fmt.Sprintf("ephemeral owner %v, want %v", st.EphemeralOwner, w.owner)
	case st.Czxid > st.Mzxid || st.DataLength != int32(len(d)):
		return fmt.Sprintf("inconsistent Stat %+v for %d bytes", st, len(d))
	}
	return ""
}

// checkMultis checks that every multi under /m applied whole: an "-a"
// without its "-b" (or the reverse), or any "-x" (the failing multi's
// create), is half a multi.
func checkMultis(t *testing.T, children []string, l *ledger) {
	t.Helper()
	have := map[string]bool{}
	for _, c := range children {
		have[c] = true
	}
	sort.Strings(children)
	for _, c := range children {
		switch {
		case strings.HasSuffix(c, "-x"):
			t.Errorf("/m/%s: the first create of a failed multi is present", c)
		case strings.HasSuffix(c, "-a") && !have[strings.TrimSuffix(c, "a")+"b"]:
			t.Errorf("/m/%s: half a multi (no -b)", c)
		case strings.HasSuffix(c, "-b") && !have[strings.TrimSuffix(c, "b")+"a"]:
			t.Errorf("/m/%s: half a multi (no -a)", c)
		}
	}
}

// verify checks, on the restarted server, the promises of the cycle just
// killed and a sample of older ones, the multis, and that zxids went
// forward.
func verify(ctx context.Context, t *testing.T, addr string, l *ledger, cycle int, rng *rand.Rand) {
	t.Helper()
	c := dial(t, addr, clientTimeout)
	defer c.Close()

	// Zxids go forward: a new write gets a zxid beyond every one seen.
	_, st, err := c.Create2(ctx, fmt.Sprintf("/z/c%d", cycle), nil, api.OpenACLUnsafe, api.ModePersistent, 0)
	if err != nil {
		t.Fatalf("cycle %d: create after restart: %v", cycle, err)
	}
	l.mu.Lock()
	if st.Czxid <= l.maxZxid {
		l.failures = append(l.failures, fmt.Sprintf("zxid went back: new write got %#x, %#x was seen before the kill", st.Czxid, l.maxZxid))
	}
	paths := append([]string(nil), l.byCycle[cycle]...)
	paths = append(paths, l.byCycle[cycle-1]...)
	var older []string
	for p, w := range l.wants {
		if w.cycle < cycle-1 {
			older = append(older, p)
		}
	}
	l.mu.Unlock()
	l.seen(st.Czxid)
	rng.Shuffle(len(older), func(i, j int) { older[i], older[j] = older[j], older[i] })
	paths = append(paths, older[:min(len(older), sampleOlder)]...)

	// Read in batches with multiRead: one consistent state per batch.
	for len(paths) > 0 {
		n := min(len(paths), 200)
		batch := paths[:n]
		paths = paths[n:]
		ops := make([]api.ReadOp, len(batch))
		for i, p := range batch {
			ops[i] = &api.GetDataRequest{Path: p}
		}
		res, err := c.MultiRead(ctx, ops...)
		if err != nil {
			t.Fatalf("cycle %d: multiRead: %v", cycle, err)
		}
		l.mu.Lock()
		for i, p := range batch {
			w, ok := l.wants[p]
			if !ok {
				continue // a later write to it had an unknown outcome
			}
			var st *api.Stat
			switch {
			case res[i].Err == nil:
				st = res[i].Stat
			case !errors.Is(res[i].Err, api.ErrNoNode):
				l.failures = append(l.failures, fmt.Sprintf("%s: %v", p, res[i].Err))
				continue
			}
			if msg := mismatch(w, st, res[i].Data); msg != "" {
				l.failures = append(l.failures, fmt.Sprintf("%s: %s", p, msg))
			}
		}
		l.mu.Unlock()
	}
	kids, _, err := c.Children(ctx, "/m")
	if err != nil {
		t.Fatal(err)
	}
	checkMultis(t, kids, l)
}
