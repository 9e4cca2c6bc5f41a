package clientwatch

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/zkembed/zkembed/api"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ev(t api.EventType, p string) api.Event {
	return api.Event{Type: t, State: api.StateSyncConnected, Path: p, Zxid: 7}
}

// got returns what is in ch now, and whether ch is closed.
func got(ch <-chan api.Event) (evs []api.Event, closed bool) {
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				return evs, true
			}
			evs = append(evs, e)
		default:
			return evs, false
		}
	}
}

func newManager(t *testing.T) *Manager {
	m := New()
	t.Cleanup(func() { m.End(api.StateClosed); m.Close() })
	return m
}

func TestRouting(t *testing.T) {
	for _, tc := range []struct {
		name  string
		kind  Kind
		path  string
		event api.Event
		fires bool
	}{
		{"data/changed", Data, "/a", ev(api.EventNodeDataChanged, "/a"), true},
		{"data/deleted", Data, "/a", ev(api.EventNodeDeleted, "/a"), true},
		{"data/children", Data, "/a", ev(api.EventNodeChildrenChanged, "/a"), false},
		{"data/other-path", Data, "/a", ev(api.EventNodeDataChanged, "/b"), false},
		{"exist/created", Exist, "/a", ev(api.EventNodeCreated, "/a"), true},
		{"exist/deleted", Exist, "/a", ev(api.EventNodeDeleted, "/a"), true},
		{"child/children", Child, "/a", ev(api.EventNodeChildrenChanged, "/a"), true},
		{"child/deleted", Child, "/a", ev(api.EventNodeDeleted, "/a"), true},
		{"child/data", Child, "/a", ev(api.EventNodeDataChanged, "/a"), false},
		{"persistent/children", Persistent, "/a", ev(api.EventNodeChildrenChanged, "/a"), true},
		{"persistent/data", Persistent, "/a", ev(api.EventNodeDataChanged, "/a"), true},
		{"persistent/below", Persistent, "/a", ev(api.EventNodeDataChanged, "/a/b"), false},
		{"recursive/below", Recursive, "/a", ev(api.EventNodeCreated, "/a/b/c"), true},
		{"recursive/self", Recursive, "/a", ev(api.EventNodeDeleted, "/a"), true},
		{"recursive/children-filtered", Recursive, "/a", ev(api.EventNodeChildrenChanged, "/a"), false},
		{"recursive/root", Recursive, "/", ev(api.EventNodeDataChanged, "/x"), true},
		{"recursive/sibling-prefix", Recursive, "/a", ev(api.EventNodeDataChanged, "/ab"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newManager(t)
			ch := m.Register(tc.kind, tc.path)
			m.Dispatch(tc.event)
			evs, closed := got(ch)
			if !tc.fires {
				if len(evs) != 0 || closed {
					t.Fatalf("fired: %v closed=%v", evs, closed)
				}
				return
			}
			if len(evs) != 1 || evs[0] != tc.event {
				t.Fatalf("got %v, want %v", evs, tc.event)
			}
			oneShot := tc.kind == Data || tc.kind == Exist || tc.kind == Child
			if closed != oneShot {
				t.Fatalf("closed=%v after firing, one-shot=%v", closed, oneShot)
			}
		})
	}
}

func TestOneShotFiresOnce(t *testing.T) {
	m := newManager(t)
	a, b := m.Register(Data, "/a"), m.Register(Data, "/a")
	m.Dispatch(ev(api.EventNodeDataChanged, "/a"))
	m.Dispatch(ev(api.EventNodeDataChanged, "/a"))
	for _, ch := range []<-chan api.Event{a, b} {
		if evs, closed := got(ch); len(evs) != 1 || !closed {
			t.Fatalf("got %v closed=%v, want one event then closed", evs, closed)
		}
	}
	if m.Has("/a", api.WatcherData) {
		t.Fatal("fired watch still registered")
	}
}

func TestRemove(t *testing.T) {
	m := newManager(t)
	d, c, p := m.Register(Data, "/a"), m.Register(Child, "/a"), m.Register(Persistent, "/a")
	if !m.Has("/a", api.WatcherAny) || m.Has("/b", api.WatcherAny) {
		t.Fatal("Has")
	}
	if !m.Remove("/a", api.WatcherChildren) {
		t.Fatal("Remove children found nothing")
	}
	if evs, closed := got(c); len(evs) != 1 || evs[0].Type != api.EventChildWatchRemoved || !closed {
		t.Fatalf("child watch: %v %v", evs, closed)
	}
	if evs, _ := got(d); len(evs) != 0 {
		t.Fatalf("data watch touched: %v", evs)
	}
	if !m.Remove("/a", api.WatcherAny) || m.Remove("/a", api.WatcherAny) {
		t.Fatal("Remove any")
	}
	if evs, closed := got(d); len(evs) != 1 || evs[0].Type != api.EventDataWatchRemoved || !closed {
		t.Fatalf("data watch: %v %v", evs, closed)
	}
	if evs, closed := got(p); len(evs) != 1 || evs[0].Type != api.EventPersistentWatchRemoved || !closed {
		t.Fatalf("persistent watch: %v %v", evs, closed)
	}
}

func TestEnd(t *testing.T) {
	m := newManager(t)
	d, p := m.Register(Data, "/a"), m.Register(Recursive, "/")
	m.End(api.StateExpired)
	for _, ch := range []<-chan api.Event{d, p} {
		evs, closed := got(ch)
		if len(evs) != 1 || evs[0].Type != api.EventNone || evs[0].State != api.StateExpired || !closed {
			t.Fatalf("got %v closed=%v", evs, closed)
		}
	}
	late := m.Register(Data, "/b")
	if evs, closed := got(late); len(evs) != 1 || evs[0].State != api.StateExpired || !closed {
		t.Fatalf("registration after end: %v %v", evs, closed)
	}
	m.Dispatch(ev(api.EventNodeCreated, "/a")) // ignored, no panic on closed channels
}

// A persistent channel that fills keeps its order through the delivery
// goroutine, and a later event never overtakes queued ones.
func TestPersistentOrderWhenFull(t *testing.T) {
	m := newManager(t)
	ch := m.Register(Persistent, "/a")
	const n = 3 * PersistentBuffer
	for i := range n {
		e := ev(api.EventNodeDataChanged, "/a")
		e.Zxid = api.Zxid(i)
		m.Dispatch(e)
	}
	for i := range n {
		e := <-ch
		if e.Zxid != api.Zxid(i) {
			t.Fatalf("event %d has zxid %d", i, e.Zxid)
		}
	}
}

// Close does not wait for a reader that stopped reading.
func TestCloseWithUnreadChannel(t *testing.T) {
	m := New()
	m.Register(Persistent, "/a")
	for range 2 * PersistentBuffer {
		m.Dispatch(ev(api.EventNodeDataChanged, "/a"))
	}
	m.End(api.StateClosed)
	m.Close()
	m.Close() // idempotent
}
