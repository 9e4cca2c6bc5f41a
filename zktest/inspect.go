package zktest

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
)

// Tree returns every znode at or below root, parents before children and
// siblings in name order, from one consistent state, without any ACL check.
// Tree("/") includes ZooKeeper's own /zookeeper subtree.
func (s *Server) Tree(root string) []engine.Node {
	var out []engine.Node
	s.Engine().Walk(root, func(n engine.Node) bool {
		n.Data = append([]byte(nil), n.Data...)
		out = append(out, n)
		return true
	})
	return out
}

// Get returns a znode's data and Stat, without any ACL check; ok is false
// if it does not exist.
func (s *Server) Get(path string) (data []byte, stat api.Stat, ok bool) {
	s.Engine().Walk(path, func(n engine.Node) bool {
		data, stat, ok = append([]byte(nil), n.Data...), n.Stat, true
		return false
	})
	return data, stat, ok
}

// Exists reports whether a znode exists.
func (s *Server) Exists(path string) bool {
	_, _, ok := s.Get(path)
	return ok
}

// Children returns the names of a znode's children, sorted (nil if it does
// not exist).
func (s *Server) Children(path string) []string {
	var kids []string
	prefix := strings.TrimSuffix(path, "/") + "/"
	s.Engine().Walk(path, func(n engine.Node) bool {
		if rest, ok := strings.CutPrefix(n.Path, prefix); ok && !strings.Contains(rest, "/") {
			kids = append(kids, rest)
		}
		return true
	})
	return kids
}

// Sessions describes every live session (wire and direct), sorted by id:
// its timeout, when it expires unless its client is heard from (virtual
// time), its ephemerals and its watches.
func (s *Server) Sessions() []api.SessionInfo { return s.Engine().Sessions() }

// WatchKind is the kind of a registered watch.
type WatchKind int

// The watch kinds.
const (
	// WatchData is a one-shot data or exist watch (GetW, ExistsW).
	WatchData WatchKind = iota
	// WatchChild is a one-shot child watch (ChildrenW).
	WatchChild
	// WatchPersistent is a persistent watch (AddWatch).
	WatchPersistent
	// WatchRecursive is a persistent recursive watch (AddWatch).
	WatchRecursive
)

// String returns the kind's name.
func (k WatchKind) String() string {
	switch k {
	case WatchData:
		return "data"
	case WatchChild:
		return "child"
	case WatchPersistent:
		return "persistent"
	case WatchRecursive:
		return "recursive"
	}
	return "WatchKind(" + strconv.Itoa(int(k)) + ")"
}

// Watch is a watch registered on the server.
type Watch struct {
	Session api.SessionID
	Path    string
	Kind    WatchKind
}

// Watches returns every watch registered on the server, sorted by session,
// path and kind. A wire client's watches are registered while it is
// connected; after a reconnect they are back once the client has sent
// setWatches.
func (s *Server) Watches() []Watch {
	var out []Watch
	for _, si := range s.Sessions() {
		for _, l := range []struct {
			paths []string
			kind  WatchKind
		}{{si.DataWatches, WatchData}, {si.ChildWatches, WatchChild}, {si.PersistentWatches, WatchPersistent}, {si.RecursiveWatches, WatchRecursive}} {
			for _, p := range l.paths {
				out = append(out, Watch{Session: si.ID, Path: p, Kind: l.kind})
			}
		}
	}
	slices.SortFunc(out, func(a, b Watch) int {
		switch {
		case a.Session != b.Session:
			return cmp.Compare(a.Session, b.Session)
		case a.Path != b.Path:
			return strings.Compare(a.Path, b.Path)
		}
		return int(a.Kind) - int(b.Kind)
	})
	return out
}

// Dump returns a readable picture of the server for failure messages: every
// znode outside /zookeeper with its data (quoted, shortened past 64 bytes)
// and ephemeral owner, then every session with its ephemerals and watches,
// and the virtual time. New's cleanup logs it when the test has failed.
func (s *Server) Dump() string {
	var b strings.Builder
	eng := s.Engine()
	fmt.Fprintf(&b, "znodes (last zxid 0x%x):\n", int64(eng.LastZxid()))
	eng.Walk("/", func(n engine.Node) bool {
		if n.Path == "/zookeeper" || strings.HasPrefix(n.Path, "/zookeeper/") {
			return true
		}
		fmt.Fprintf(&b, "  %s", n.Path)
		if len(n.Data) > 0 {
			d := n.Data
			more := ""
			if len(d) > 64 {
				d, more = d[:64], fmt.Sprintf("... (%d bytes)", len(n.Data))
			}
			fmt.Fprintf(&b, " = %q%s", d, more)
		}
		if o := n.Stat.EphemeralOwner; o != 0 {
			fmt.Fprintf(&b, " [ephemeral of %v]", o)
		}
		b.WriteByte('\n')
		return true
	})
	now := s.Now()
	ss := eng.Sessions()
	fmt.Fprintf(&b, "sessions (%d) at %s:\n", len(ss), now.UTC().Format("2006-01-02T15:04:05.000Z"))
	for _, si := range ss {
		fmt.Fprintf(&b, "  %v timeout %v", si.ID, si.Timeout)
		if si.Expires.IsZero() {
			b.WriteString(" direct")
		} else {
			fmt.Fprintf(&b, " expires in %v", si.Expires.Sub(now).Round(1e6))
		}
		for _, l := range []struct {
			name  string
			paths []string
		}{{"ephemerals", si.Ephemerals}, {"data watches", si.DataWatches}, {"child watches", si.ChildWatches},
			{"persistent watches", si.PersistentWatches}, {"recursive watches", si.RecursiveWatches}} {
			if len(l.paths) > 0 {
				fmt.Fprintf(&b, "; %s %s", l.name, strings.Join(l.paths, " "))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}
