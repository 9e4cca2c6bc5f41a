// Package clientwatch is the client side of ZooKeeper watches, shared by the
// direct engine client and the wire client: it keeps the channels each watch
// call returned and decides which of them an event from the server goes to
// (as ZooKeeper's ZKWatchManager.materialize does). A one-shot watch's event
// is put in its channel (buffer 1) at once, so it is there before any later
// reply of the session returns; a persistent watch's events go in at once
// while its buffer has room, and otherwise queue for a delivery goroutine, so
// a slow reader never stalls the session's I/O.
//
// # Concurrency
//
// Register, Dispatch, Remove and End may be called from any goroutine; the
// order of Dispatch calls is the order events are delivered in. Close stops
// the delivery goroutine after delivering everything already dispatched.
package clientwatch

import (
	"sync"

	"github.com/zkembed/zkembed/api"
)

// Kind is the kind of watch a channel was registered for.
type Kind uint8

// The watch kinds a client registers.
const (
	Data       Kind = iota // getData, or exists on an existing znode
	Exist                  // exists on a missing znode
	Child                  // getChildren
	Persistent             // addWatch PERSISTENT
	Recursive              // addWatch PERSISTENT_RECURSIVE
	numKinds
)

// PersistentBuffer is the buffer of a persistent watch's channel; when it is
// full, delivery waits for the reader.
const PersistentBuffer = 64

type delivery struct {
	ev    api.Event
	chans []chan api.Event
	close bool // close the channels after sending
}

// Manager holds one session's watch channels.
type Manager struct {
	mu      sync.Mutex // guards everything below
	watches [numKinds]map[string][]chan api.Event
	queue   []delivery
	ended   api.State // != 0 once the session ended
	closed  bool

	signal  chan struct{}
	closing chan struct{} // closed by Close
	done    chan struct{}
}

// New returns a Manager with its delivery goroutine running.
func New() *Manager {
	m := &Manager{signal: make(chan struct{}, 1), closing: make(chan struct{}), done: make(chan struct{})}
	for i := range m.watches {
		m.watches[i] = map[string][]chan api.Event{}
	}
	go m.deliver()
	return m
}

// Register returns a new channel for a watch of kind k on path. After the
// session ended, the channel already holds the end event and is closed.
func (m *Manager) Register(k Kind, path string) <-chan api.Event {
	size := 1
	if k == Persistent || k == Recursive {
		size = PersistentBuffer
	}
	ch := make(chan api.Event, size)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ended != 0 {
		ch <- api.Event{Type: api.EventNone, State: m.ended, Zxid: -1}
		close(ch)
		return ch
	}
	m.watches[k][path] = append(m.watches[k][path], ch)
	return ch
}

func (m *Manager) take(k Kind, path string, out []chan api.Event) []chan api.Event {
	if cs := m.watches[k][path]; len(cs) > 0 {
		delete(m.watches[k], path)
		return append(out, cs...)
	}
	return out
}

// Dispatch routes a watch event from the server to the channels it fires.
func (m *Manager) Dispatch(ev api.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ended != 0 {
		return
	}
	var once []chan api.Event
	var keep []chan api.Event
	p := ev.Path
	switch ev.Type {
	case api.EventNodeCreated, api.EventNodeDataChanged:
		once = m.take(Data, p, once)
		once = m.take(Exist, p, once)
	case api.EventNodeChildrenChanged:
		once = m.take(Child, p, once)
	case api.EventNodeDeleted:
		once = m.take(Data, p, once)
		once = m.take(Exist, p, once)
		once = m.take(Child, p, once)
	default:
		return
	}
	keep = append(keep, m.watches[Persistent][p]...)
	if ev.Type != api.EventNodeChildrenChanged {
		// A recursive watch hears every change at or below its path, but
		// no child events (ZKWatchManager.addPersistentWatches).
		for q := p; ; q = parent(q) {
			keep = append(keep, m.watches[Recursive][q]...)
			if q == "/" {
				break
			}
		}
	}
	m.sendOnce(ev, once)
	if len(keep) > 0 {
		m.send(delivery{ev: ev, chans: dedupe(keep)})
	}
}

// sendOnce delivers a one-shot channel's only event at once (its buffer of
// one is empty) and closes it: so the event is in the channel before any
// later reply of the session returns. m.mu is held.
func (m *Manager) sendOnce(ev api.Event, cs []chan api.Event) {
	for _, c := range cs {
		c <- ev
		close(c)
	}
}

// send delivers to persistent channels at once when nothing is queued ahead
// and they have room, and queues the rest for the delivery goroutine, which
// keeps each channel's order. m.mu is held.
func (m *Manager) send(d delivery) {
	if len(m.queue) == 0 {
		rest := d.chans[:0:0]
		for _, c := range d.chans {
			select {
			case c <- d.ev:
				if d.close {
					close(c)
				}
			default:
				rest = append(rest, c)
			}
		}
		if len(rest) == 0 {
			return
		}
		d.chans = rest
	}
	m.push(d)
}

func dedupe(cs []chan api.Event) []chan api.Event {
	out := cs[:0]
	for i, c := range cs {
		dup := false
		for _, d := range cs[:i] {
			if d == c {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, c)
		}
	}
	return out
}

func parent(p string) string {
	for i := len(p) - 1; i > 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return "/"
}

// push queues a delivery; m.mu is held.
func (m *Manager) push(d delivery) {
	m.queue = append(m.queue, d)
	select {
	case m.signal <- struct{}{}:
	default:
	}
}

// Has reports whether a watch of type wt is registered on path.
func (m *Manager) Has(path string, wt api.WatcherType) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range kindsOf(wt) {
		if len(m.watches[k][path]) > 0 {
			return true
		}
	}
	return false
}

func kindsOf(wt api.WatcherType) []Kind {
	switch wt {
	case api.WatcherData:
		return []Kind{Data, Exist}
	case api.WatcherChildren:
		return []Kind{Child}
	case api.WatcherPersistent:
		return []Kind{Persistent}
	case api.WatcherPersistentRecursive:
		return []Kind{Recursive}
	case api.WatcherAny:
		return []Kind{Data, Exist, Child, Persistent, Recursive}
	}
	return nil
}

// Remove drops the watches of type wt on path: each channel receives its
// removal event and is closed. It reports whether there were any.
func (m *Manager) Remove(path string, wt api.WatcherType) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	found := false
	for _, k := range kindsOf(wt) {
		cs := m.take(k, path, nil)
		if len(cs) == 0 {
			continue
		}
		found = true
		ev := api.Event{Type: api.EventDataWatchRemoved, State: api.StateSyncConnected, Path: path, Zxid: -1}
		switch k {
		case Child:
			ev.Type = api.EventChildWatchRemoved
			m.sendOnce(ev, cs)
		case Persistent, Recursive:
			ev.Type = api.EventPersistentWatchRemoved
			m.send(delivery{ev: ev, chans: cs, close: true})
		default:
			m.sendOnce(ev, cs)
		}
	}
	return found
}

// Paths lists the registered paths of each kind, for setWatches after a
// reconnect.
func (m *Manager) Paths() (paths [numKinds][]string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range m.watches {
		for p := range m.watches[k] {
			paths[k] = append(paths[k], p)
		}
	}
	return paths
}

// End ends the session: every channel receives an EventNone event with
// state, and is closed. Later registrations get a closed channel holding the
// same event.
func (m *Manager) End(state api.State) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ended != 0 {
		return
	}
	m.ended = state
	ev := api.Event{Type: api.EventNone, State: state, Zxid: -1}
	var keep []chan api.Event
	for k := range m.watches {
		for p, cs := range m.watches[k] {
			if Kind(k) == Persistent || Kind(k) == Recursive {
				keep = append(keep, cs...)
			} else {
				m.sendOnce(ev, cs)
			}
			delete(m.watches[k], p)
		}
	}
	if len(keep) > 0 {
		m.send(delivery{ev: ev, chans: dedupe(keep), close: true})
	}
}

// Close delivers what is queued, then stops the delivery goroutine. Call End
// first so no channel is left open. Events queued for a persistent channel
// that is full when Close is called are dropped, so Close never waits for a
// reader.
func (m *Manager) Close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		<-m.done
		return
	}
	m.closed = true
	close(m.closing)
	m.mu.Unlock()
	select {
	case m.signal <- struct{}{}:
	default:
	}
	<-m.done
}

// deliver sends queued deliveries in order. A delivery stays at the head of
// the queue until it is sent, so send never overtakes it.
func (m *Manager) deliver() {
	defer close(m.done)
	for {
		m.mu.Lock()
		if len(m.queue) == 0 {
			closed := m.closed
			m.mu.Unlock()
			if closed {
				return
			}
			<-m.signal
			continue
		}
		d := m.queue[0]
		m.mu.Unlock()
		for _, c := range d.chans {
			// Once closing, a reader that stopped reading loses what
			// does not fit rather than hang Close.
			select {
			case c <- d.ev:
			case <-m.closing:
				select {
				case c <- d.ev:
				default:
				}
			}
			if d.close {
				close(c)
			}
		}
		m.mu.Lock()
		m.queue[0] = delivery{}
		m.queue = m.queue[1:]
		m.mu.Unlock()
	}
}
