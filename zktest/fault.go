package zktest

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidwall/match"

	"github.com/zkembed/zkembed/api"
)

// Op is a set of ZooKeeper operations a Fault applies to. Ops combine with
// |; the zero Op matches every operation.
type Op uint32

// The operations, as a client sends them.
const (
	OpCreate               Op = 1 << iota // create, create2, createContainer, createTTL
	OpDelete                              // delete
	OpExists                              // exists
	OpGetData                             // getData
	OpSetData                             // setData
	OpGetChildren                         // getChildren, getChildren2
	OpGetACL                              // getACL
	OpSetACL                              // setACL
	OpSync                                // sync
	OpMulti                               // multi
	OpMultiRead                           // multiRead
	OpGetAllChildrenNumber                // getAllChildrenNumber
	OpGetEphemerals                       // getEphemerals
	OpAddWatch                            // addWatch
	OpRemoveWatches                       // removeWatches
	OpCheckWatches                        // checkWatches
	OpSetWatches                          // setWatches, setWatches2 (sent by a reconnecting client)
	OpAddAuth                             // auth
	OpWhoAmI                              // whoAmI
	OpCloseSession                        // closeSession

	// OpAny matches every operation, like the zero Op.
	OpAny Op = 0
	// OpWrite matches the operations that change the tree.
	OpWrite = OpCreate | OpDelete | OpSetData | OpSetACL | OpMulti
	// OpRead matches the operations that read the tree.
	OpRead = OpExists | OpGetData | OpGetChildren | OpGetACL | OpMultiRead | OpGetAllChildrenNumber | OpGetEphemerals
)

// opOf returns the Op of req and the paths it touches (none for requests
// without a path; the ops' paths for multi and multiRead).
func opOf(req api.Request) (Op, []string) {
	switch r := req.(type) {
	case *api.CreateRequest:
		return OpCreate, []string{r.Path}
	case *api.DeleteRequest:
		return OpDelete, []string{r.Path}
	case *api.ExistsRequest:
		return OpExists, []string{r.Path}
	case *api.GetDataRequest:
		return OpGetData, []string{r.Path}
	case *api.SetDataRequest:
		return OpSetData, []string{r.Path}
	case *api.GetChildrenRequest:
		return OpGetChildren, []string{r.Path}
	case *api.GetACLRequest:
		return OpGetACL, []string{r.Path}
	case *api.SetACLRequest:
		return OpSetACL, []string{r.Path}
	case *api.SyncRequest:
		return OpSync, []string{r.Path}
	case *api.CheckRequest:
		return OpMulti, []string{r.Path}
	case *api.MultiRequest:
		ps := make([]string, 0, len(r.Ops))
		for _, op := range r.Ops {
			_, p := opOf(op)
			ps = append(ps, p...)
		}
		return OpMulti, ps
	case *api.MultiReadRequest:
		ps := make([]string, 0, len(r.Ops))
		for _, op := range r.Ops {
			_, p := opOf(op)
			ps = append(ps, p...)
		}
		return OpMultiRead, ps
	case *api.GetAllChildrenNumberRequest:
		return OpGetAllChildrenNumber, []string{r.Path}
	case *api.GetEphemeralsRequest:
		return OpGetEphemerals, []string{r.Prefix}
	case *api.AddWatchRequest:
		return OpAddWatch, []string{r.Path}
	case *api.RemoveWatchesRequest:
		return OpRemoveWatches, []string{r.Path}
	case *api.CheckWatchesRequest:
		return OpCheckWatches, []string{r.Path}
	case *api.SetWatchesRequest:
		return OpSetWatches, nil
	case *api.AddAuthRequest:
		return OpAddAuth, nil
	case *api.WhoAmIRequest:
		return OpWhoAmI, nil
	case *api.CloseSessionRequest:
		return OpCloseSession, nil
	}
	return 0, nil
}

// Fault describes requests to disturb and how. A request matches when its
// operation is in Op, one of its paths matches Path, and its session is
// Session; every matching Fault that has uses left applies to it, in the
// order they were injected: their latencies add up, and the first Err or
// Drop decides the outcome.
//
// Faults apply to wire clients (through the server's sessions) and to direct
// clients made by Server.Client alike. Pings never reach a Fault: they are
// answered by the wire server (use Pause to stall a connection).
type Fault struct {
	// Op is the operations the fault applies to; zero means every one.
	Op Op
	// Path is a glob over znode paths, matched segment by segment (split
	// at "/") with github.com/tidwall/match: in a segment "*" matches any
	// run of characters and "?" any one character, but neither crosses a
	// "/"; a segment "**" matches any number of segments, zero included.
	// So "/locks/*" matches "/locks/a" but not "/locks/a/b" or "/locks",
	// "/locks/**" matches all three, and "/app/*/leader" matches
	// "/app/x/leader". A multi or multiRead matches if any of its ops'
	// paths does. Empty matches every request, including those without a
	// path (auth, whoAmI, setWatches, closeSession), which no other
	// pattern matches.
	Path string
	// Session restricts the fault to one session; zero means every
	// session.
	Session api.SessionID
	// Times is how many matching requests the fault applies to; zero or
	// less means every matching request until the fault is removed.
	Times int
	// Latency delays the request by this much real time before the
	// engine sees it. Later requests of the same session wait behind it,
	// so a session's requests still execute in order.
	Latency time.Duration
	// Err fails the request with this error (an api.Code; over the wire
	// any other error is sent as its api.CodeOf) without executing it.
	// Injecting api.ErrConnectionLoss here only answers with that code:
	// use Drop for a real loss of connection.
	Err error
	// Drop closes the session's connection instead of answering: the
	// client sees a real connection loss, reconnects and resumes its
	// session. A direct client, which has no connection, gets
	// api.ErrConnectionLoss.
	Drop bool
	// AfterApply makes Err and Drop take effect after the request has
	// been executed: the change is made, but the client gets Err or
	// loses its connection before the reply, so it cannot tell whether
	// the request happened (ZooKeeper's classic ConnectionLoss on create).
	AfterApply bool
}

// Injection is a Fault in force, returned by Server.Inject.
type Injection struct {
	f       Fault
	segs    []string // the pattern's segments; nil for an empty Path
	left    atomic.Int64
	hits    atomic.Int64
	removed atomic.Bool
	set     *faultSet
}

// Hits returns how many requests the fault has applied to so far.
func (in *Injection) Hits() int { return int(in.hits.Load()) }

// Remove takes the fault out of force; requests already delayed or failed
// by it are not affected. It is idempotent.
func (in *Injection) Remove() {
	if in.removed.Swap(true) {
		return
	}
	in.set.remove(in)
}

// take uses one of the fault's turns, reporting false if none is left.
func (in *Injection) take() bool {
	if in.removed.Load() {
		return false
	}
	if in.f.Times > 0 {
		for {
			n := in.left.Load()
			if n <= 0 {
				return false
			}
			if in.left.CompareAndSwap(n, n-1) {
				if n == 1 {
					in.Remove()
				}
				break
			}
		}
	}
	in.hits.Add(1)
	return true
}

func (in *Injection) matches(id api.SessionID, op Op, paths []string) bool {
	f := &in.f
	if f.Op != 0 && f.Op&op == 0 {
		return false
	}
	if f.Session != 0 && f.Session != id {
		return false
	}
	if in.segs == nil {
		return true
	}
	for _, p := range paths {
		if matchSegments(in.segs, splitPath(p)) {
			return true
		}
	}
	return false
}

// splitPath splits "/a/b" into ["a", "b"]; "/" is no segments, and a
// string not starting with "/" is one segment per part.
func splitPath(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return []string{}
	}
	return strings.Split(p, "/")
}

// matchSegments matches path segments against pattern segments, "**"
// standing for any number of segments.
func matchSegments(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for len(pat) > 0 && pat[0] == "**" {
				pat = pat[1:]
			}
			if len(pat) == 0 {
				return true
			}
			for i := 0; i <= len(segs); i++ {
				if matchSegments(pat, segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 || !match.Match(segs[0], pat[0]) {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}

// MatchPath reports whether a znode path matches a Fault's Path glob, as
// Fault.Path describes.
func MatchPath(pattern, path string) bool {
	if pattern == "" {
		return true
	}
	return path != "" && matchSegments(splitPath(pattern), splitPath(path))
}

// effect is what the matching faults do to one request.
type effect struct {
	latency time.Duration
	err     error
	drop    bool
	after   bool // err or drop apply after the request is executed
}

func (e effect) none() bool { return e.latency == 0 && e.err == nil && !e.drop }

// faultSet is the faults in force on a Server.
type faultSet struct {
	n  atomic.Int32 // len(list), read without the lock on the fast path
	mu sync.Mutex   // guards list
	// list is copied on write, so match iterates it without the lock.
	list []*Injection
}

func (fs *faultSet) add(f Fault) *Injection {
	in := &Injection{f: f, set: fs}
	in.left.Store(int64(f.Times))
	if f.Path != "" {
		in.segs = splitPath(f.Path)
	}
	fs.mu.Lock()
	fs.list = append(fs.list[:len(fs.list):len(fs.list)], in)
	fs.n.Store(int32(len(fs.list)))
	fs.mu.Unlock()
	return in
}

func (fs *faultSet) remove(in *Injection) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make([]*Injection, 0, len(fs.list))
	for _, x := range fs.list {
		if x != in {
			out = append(out, x)
		}
	}
	fs.list = out
	fs.n.Store(int32(len(out)))
}

func (fs *faultSet) clear() {
	fs.mu.Lock()
	list := fs.list
	fs.list = nil
	fs.n.Store(0)
	fs.mu.Unlock()
	for _, in := range list {
		in.removed.Store(true)
	}
}

// match returns what the faults in force do to req of session id, using up
// one turn of every matching fault.
func (fs *faultSet) match(id api.SessionID, req api.Request) effect {
	if fs.n.Load() == 0 {
		return effect{}
	}
	op, paths := opOf(req)
	return fs.matchOp(id, op, paths...)
}

// matchOp is match for an operation and its paths.
func (fs *faultSet) matchOp(id api.SessionID, op Op, paths ...string) effect {
	var e effect
	if fs.n.Load() == 0 {
		return e
	}
	fs.mu.Lock()
	list := fs.list
	fs.mu.Unlock()
	decided := false
	for _, in := range list {
		if !in.matches(id, op, paths) || !in.take() {
			continue
		}
		e.latency += in.f.Latency
		if !decided && (in.f.Err != nil || in.f.Drop) {
			decided = true
			e.err, e.drop, e.after = in.f.Err, in.f.Drop, in.f.AfterApply
		}
	}
	return e
}
