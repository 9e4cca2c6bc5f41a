package zktest

import "testing"

// Ensemble is a Server with several addresses, as a ZooKeeper ensemble has:
// n wire servers, each on its own in-memory listener and TCP port, all
// serving one engine, so every member sees the same tree and sessions.
// Stopping a member closes its listeners and connections; its clients fail
// over to another address of the connect string and resume their sessions
// there. Every Server method applies to the whole ensemble (Restart
// restarts every member).
type Ensemble struct {
	*Server
}

// NewEnsemble starts an Ensemble of n members for the test t, with the same
// options and cleanup as New. ConnectString lists every member; Dialer
// dials the member whose address it is given.
func NewEnsemble(t testing.TB, n int, opts ...Option) *Ensemble {
	t.Helper()
	if n < 1 {
		t.Fatalf("zktest: NewEnsemble needs at least one member, not %d", n)
	}
	return &Ensemble{newServer(tbReporter{t}, n, opts)}
}

// Size returns the number of members.
func (e *Ensemble) Size() int { return len(e.members) }

// Addrs returns every member's address, in member order.
func (e *Ensemble) Addrs() []string {
	out := make([]string, len(e.members))
	for i, m := range e.members {
		out[i] = m.addr
	}
	return out
}

// Stop stops member i: its listeners close (connecting to it is refused)
// and its connections close. Sessions live on in the engine. It returns
// once the member's goroutines have exited; stopping a stopped member does
// nothing.
func (e *Ensemble) Stop(i int) {
	e.tb.Helper()
	e.stopMember(e.member(i))
}

// Start starts member i again on its address. Starting a running member
// does nothing.
func (e *Ensemble) Start(i int) {
	e.tb.Helper()
	m := e.member(i)
	if err := e.startMember(m); err != nil {
		e.tb.Fatalf("zktest: starting member %d: %v", i, err)
	}
}

// Running reports whether member i is serving.
func (e *Ensemble) Running(i int) bool {
	return e.running(e.member(i))
}

func (e *Ensemble) member(i int) *member {
	if i < 0 || i >= len(e.members) {
		e.tb.Fatalf("zktest: no member %d in an ensemble of %d", i, len(e.members))
	}
	return e.members[i]
}
