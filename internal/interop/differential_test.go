package interop

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// eventWait bounds every wait for a watch event or a server-side change
// (container and TTL reaping) in a scenario.
const eventWait = 15 * time.Second

// TestDifferential runs every scenario through go-zookeeper/zk against both
// diffSides and compares the normalised transcripts line by line. Each
// scenario runs on the two sides at once, each under its own root znode
// named after the scenario.
func TestDifferential(t *testing.T) {
	var addrs [2]string
	for i, s := range diffSides {
		addrs[i] = s.start(t)
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			var recs [2]*recorder
			var wg sync.WaitGroup
			for i := range diffSides {
				recs[i] = newRecorder(t, diffSides[i], addrs[i])
				wg.Add(1)
				go func() {
					defer wg.Done()
					recs[i].run(sc)
				}()
			}
			wg.Wait()
			a, b := recs[0].transcript(), recs[1].transcript()
			if d := diffLines(a, b); d != "" {
				t.Errorf("transcripts differ (- %s, + %s):\n%s", diffSides[0].name, diffSides[1].name, d)
			} else {
				t.Logf("transcript (%d lines):\n%s", len(a), strings.Join(a, "\n"))
			}
			if len(a) < 3 {
				t.Errorf("scenario recorded only %d lines", len(a))
			}
		})
	}
}

// scenario is one differential scenario: a sequence of operations whose
// outcomes it records with r, under root (which exists, with an open ACL).
type scenario struct {
	name string
	run  func(r *recorder, c *zk.Conn, root string)
}

// recorder records one side's transcript of one scenario. Lines hold
// placeholders for zxids ({z:N}) and session ids ({s:N}) that transcript
// replaces with their rank and label, so the two sides compare equal when
// their values relate in the same way.
type recorder struct {
	t    *testing.T
	side target
	addr string

	lines []string // owned by the scenario's goroutine

	mu       sync.Mutex // guards events, sessions, conns
	cond     *sync.Cond // signalled when events grows
	events   []string   // node events of every connection, in arrival order, not yet recorded
	sessions map[int64]string
	conns    []*zk.Conn
}

func newRecorder(t *testing.T, side target, addr string) *recorder {
	r := &recorder{t: t, side: side, addr: addr, sessions: map[int64]string{}}
	r.cond = sync.NewCond(&r.mu)
	return r
}

// run runs sc on a fresh session labelled "s1" and closes every connection
// the scenario opened.
func (r *recorder) run(sc scenario) {
	defer func() {
		r.mu.Lock()
		conns := r.conns
		r.mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}()
	c := r.connect("s1")
	if c == nil {
		return
	}
	root := "/diff-" + sc.name
	if _, err := c.Create(root, nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		r.t.Errorf("%s: create %s: %v", r.side.name, root, err)
		return
	}
	sc.run(r, c, root)
	r.noMoreEvents()
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...interface{}) {}

// connect opens a session labelled label and waits (bounded) until it is
// established. Its node events are recorded in arrival order.
func (r *recorder) connect(label string) *zk.Conn {
	established := make(chan struct{})
	var once sync.Once
	cb := func(ev zk.Event) {
		if ev.Type == zk.EventSession {
			if ev.State == zk.StateHasSession {
				once.Do(func() { close(established) })
			}
			return
		}
		r.mu.Lock()
		r.events = append(r.events, fmt.Sprintf("%s: %s %s", label, ev.Type, ev.Path))
		r.cond.Broadcast()
		r.mu.Unlock()
	}
	// The address twice: after a dropped connection go-zookeeper moves to
	// the next entry at once, where with one entry it would first fail
	// every queued request with ErrNoServer and sleep a second (its host
	// provider has wrapped around), and the transcript would depend on
	// whether a request was queued before or after that.
	c, _, err := zk.Connect([]string{r.addr, r.addr}, 10*time.Second, zk.WithLogger(nopLogger{}), zk.WithEventCallback(cb))
	if err != nil {
		r.t.Errorf("%s: connect: %v", r.side.name, err)
		return nil
	}
	r.mu.Lock()
	r.conns = append(r.conns, c)
	r.mu.Unlock()
	select {
	case <-established:
	case <-time.After(eventWait):
		r.t.Errorf("%s: session %s not established within %v", r.side.name, label, eventWait)
		return nil
	}
	r.mu.Lock()
	r.sessions[c.SessionID()] = label
	r.mu.Unlock()
	return c
}

// logf records a line.
func (r *recorder) logf(format string, args ...any) {
	r.lines = append(r.lines, fmt.Sprintf(format, args...))
}

// errs renders an error (or its absence) for a transcript.
func errs(err error) string {
	if err == nil {
		return "ok"
	}
	return "err=" + err.Error()
}

// lost renders err where the connection is expected to drop: go-zookeeper
// reports ErrConnectionClosed when it reads the close, or its write's own
// error (broken pipe, connection reset) when the server closed while it
// was still writing; which one it sees is timing, not the server.
func lost(err error) string {
	if errors.Is(err, zk.ErrConnectionClosed) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
		return "err=connection lost"
	}
	return errs(err)
}

// z renders a zxid placeholder.
func z(zxid int64) string { return fmt.Sprintf("{z:%d}", zxid) }

// owner renders an ephemeralOwner: 0, a session placeholder, or the
// container and TTL markers ZooKeeper keeps there (EphemeralType).
func owner(o int64) string {
	switch {
	case o == 0:
		return "0"
	case o == math.MinInt64:
		return "container"
	case uint64(o)>>56 == 0xff:
		return fmt.Sprintf("ttl(%dms)", o&0x00ffffffffffffff)
	default:
		return fmt.Sprintf("{s:%d}", o)
	}
}

// stat renders a Stat by its relations: zxids as placeholders (ranked
// later), times only as sane or not.
func stat(s *zk.Stat) string {
	if s == nil || *s == (zk.Stat{}) {
		// go-zookeeper returns a zero Stat with an error or a missing node
		return "stat=none"
	}
	times := "ok"
	now := time.Now().UnixMilli()
	if s.Mtime < s.Ctime || s.Ctime < now-3600_000 || s.Ctime > now+3600_000 {
		times = fmt.Sprintf("BAD(ctime=%d mtime=%d)", s.Ctime, s.Mtime)
	}
	return fmt.Sprintf("stat{cz=%s mz=%s pz=%s v=%d cv=%d av=%d len=%d nc=%d owner=%s times=%s}",
		z(s.Czxid), z(s.Mzxid), z(s.Pzxid), s.Version, s.Cversion, s.Aversion, s.DataLength, s.NumChildren,
		owner(s.EphemeralOwner), times)
}

// children renders a child list sorted.
func children(kids []string) string {
	k := append([]string(nil), kids...)
	sort.Strings(k)
	return "[" + strings.Join(k, " ") + "]"
}

// specific records an answer that Apache ZooKeeper 3.8 and 3.9 give
// differently. The answer must be the one this side's spec expects (want
// maps spec to answer); the transcript gets a neutral line, so sides with
// different specs still compare equal, naming the difference.
func (r *recorder) specific(what, got string, want map[string]string) {
	w, ok := want[r.side.spec]
	if !ok {
		r.t.Errorf("%s: %s: no expected answer for spec %q", r.side.name, what, r.side.spec)
		return
	}
	if got != w {
		r.t.Errorf("%s (spec %s): %s: got %s, want %s", r.side.name, r.side.spec, what, got, w)
		r.logf("%s: WRONG for its spec: %s", what, got)
		return
	}
	r.logf("%s: as its spec says (3.8 %s, 3.9 %s)", what, want["3.8"], want["3.9"])
}

// waitEvents waits (bounded) for n node events from any of the scenario's
// connections and records them in arrival order. Fewer than n is a test
// failure: scenarios wait only for events that must come.
func (r *recorder) waitEvents(n int) {
	deadline := time.Now().Add(eventWait)
	timer := time.AfterFunc(eventWait, func() {
		r.mu.Lock()
		r.cond.Broadcast()
		r.mu.Unlock()
	})
	defer timer.Stop()
	r.mu.Lock()
	for len(r.events) < n && time.Now().Before(deadline) {
		r.cond.Wait()
	}
	got := r.events
	if len(got) > n {
		got = got[:n]
	}
	r.events = r.events[len(got):]
	r.mu.Unlock()
	// Events of one session arrive in order; which of two sessions hears of
	// a change first is a race, so only the order within a session counts.
	sort.SliceStable(got, func(i, j int) bool { return sessionOf(got[i]) < sessionOf(got[j]) })
	for _, e := range got {
		r.logf("event %s", e)
	}
	if len(got) < n {
		r.t.Errorf("%s: waited %v for %d events, got %d: %q", r.side.name, eventWait, n, len(got), got)
		r.logf("event wait: only %d of %d", len(got), n)
	}
}

// sessionOf returns the session label an event line starts with.
func sessionOf(event string) string {
	label, _, _ := strings.Cut(event, ":")
	return label
}

// noMoreEvents records any node events not yet recorded, after a sync
// round trip on every connection (a connection's events arrive before the
// replies that follow them).
func (r *recorder) noMoreEvents() {
	r.mu.Lock()
	conns := append([]*zk.Conn(nil), r.conns...)
	r.mu.Unlock()
	for _, c := range conns {
		if c.State() == zk.StateHasSession {
			c.Sync("/") //nolint:errcheck // only a round trip
		}
	}
	r.mu.Lock()
	extra := r.events
	r.events = nil
	r.mu.Unlock()
	if len(extra) == 0 {
		r.logf("no further events")
	}
	for _, e := range extra {
		r.logf("unexpected event %s", e)
	}
}

// awaitWatch waits (bounded) for a one-shot watch's event and records it.
func (r *recorder) awaitWatch(what string, ch <-chan zk.Event) {
	select {
	case ev := <-ch:
		r.logf("%s watch: %s %s err=%v", what, ev.Type, ev.Path, ev.Err)
	case <-time.After(eventWait):
		r.t.Errorf("%s: %s watch did not fire within %v", r.side.name, what, eventWait)
		r.logf("%s watch: none", what)
	}
}

// until polls cond (bounded) for a change the server makes on its own
// (container and TTL reaping), recording whether it happened.
func (r *recorder) until(what string, cond func() bool) {
	deadline := time.Now().Add(2 * eventWait)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Errorf("%s: %s: not within %v", r.side.name, what, 2*eventWait)
			r.logf("%s: never", what)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.logf("%s: yes", what)
}

var placeholder = regexp.MustCompile(`\{([zs]):(-?\d+)\}`)

// transcript returns the recorded lines with zxids replaced by their rank
// among the zxids the scenario saw (z1 < z2 < ...) and session ids by their
// label.
func (r *recorder) transcript() []string {
	var zxids []int64
	seen := map[int64]bool{}
	for _, l := range r.lines {
		for _, m := range placeholder.FindAllStringSubmatch(l, -1) {
			if m[1] == "z" {
				v, _ := strconv.ParseInt(m[2], 10, 64)
				if !seen[v] {
					seen[v] = true
					zxids = append(zxids, v)
				}
			}
		}
	}
	sort.Slice(zxids, func(i, j int) bool { return zxids[i] < zxids[j] })
	rank := map[int64]int{}
	for i, v := range zxids {
		rank[v] = i + 1
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.lines))
	for i, l := range r.lines {
		out[i] = placeholder.ReplaceAllStringFunc(l, func(p string) string {
			m := placeholder.FindStringSubmatch(p)
			v, _ := strconv.ParseInt(m[2], 10, 64)
			if m[1] == "z" {
				return fmt.Sprintf("z%d", rank[v])
			}
			if label, ok := r.sessions[v]; ok {
				return "session:" + label
			}
			return "session:unknown"
		})
	}
	return out
}

// diffLines returns "" if a and b are equal, else a listing of both with
// the differing lines marked.
func diffLines(a, b []string) string {
	if strings.Join(a, "\n") == strings.Join(b, "\n") {
		return ""
	}
	var sb strings.Builder
	n := max(len(a), len(b))
	for i := 0; i < n; i++ {
		var la, lb string
		if i < len(a) {
			la = a[i]
		}
		if i < len(b) {
			lb = b[i]
		}
		if la == lb {
			fmt.Fprintf(&sb, "  %3d %s\n", i, la)
			continue
		}
		if i < len(a) {
			fmt.Fprintf(&sb, "- %3d %s\n", i, la)
		}
		if i < len(b) {
			fmt.Fprintf(&sb, "+ %3d %s\n", i, lb)
		}
	}
	return sb.String()
}

// TestTranscriptNormalisation checks the differential test's own machinery:
// zxids become ranks, sessions labels, and a difference is reported.
func TestTranscriptNormalisation(t *testing.T) {
	r := newRecorder(t, target{name: "x", spec: "3.9"}, "")
	r.sessions[0x1234] = "s1"
	r.logf("a %s %s", z(900), owner(0x1234))
	r.logf("b %s %s %s", z(17), z(900), owner(0x777))
	r.logf("c %s %s", owner(math.MinInt64), owner(-0x100000000000000+250))
	got := r.transcript()
	want := []string{"a z2 session:s1", "b z1 z2 session:unknown", "c container ttl(250ms)"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("transcript = %q, want %q", got, want)
	}
	if d := diffLines(want, want); d != "" {
		t.Errorf("diffLines of equal transcripts = %q", d)
	}
	d := diffLines(want, []string{want[0], "b z2 z1 session:unknown", want[2]})
	if !strings.Contains(d, "-   1 b z1 z2") || !strings.Contains(d, "+   1 b z2 z1") || !strings.Contains(d, "    0 a z2") {
		t.Errorf("diffLines does not mark the difference:\n%s", d)
	}
	if got := stat(&zk.Stat{}); got != "stat=none" {
		t.Errorf("stat(zero) = %q", got)
	}
}
