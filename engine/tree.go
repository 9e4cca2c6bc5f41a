package engine

import (
	"math"

	"github.com/zkembed/zkembed/api"
)

// znode is one version of a znode: immutable once the sequencer has made it.
// A change makes a new znode, so a reader holding one sees a consistent state.
type znode struct {
	stat api.Stat
	data []byte
	acl  *aclList
}

// clientStat returns the Stat a client sees, as DataNode.copyStat makes it:
// the stored cversion counts creates only, and a client sees
// 2*creates - children (every create but the children still present was
// deleted); containers and TTL nodes show ephemeralOwner 0.
func (n *znode) clientStat() *api.Stat {
	st := n.stat
	st.Cversion = st.Cversion*2 - st.NumChildren
	if !isEphemeralOwner(st.EphemeralOwner) {
		st.EphemeralOwner = 0
	}
	return &st
}

// entry is a slot of the tree: the current znode and the names of its
// children. Guarded by Engine.treeMu.
type entry struct {
	n        *znode
	children map[string]struct{}
}

// ephemeralOwner values of ZooKeeper's EphemeralType: a container has only
// the top bit set; a TTL node has the top byte set and the TTL in
// milliseconds in the low 40 bits.
const (
	containerOwner = api.SessionID(math.MinInt64)
	ttlMask        = -0x100000000000000 // 0xff00000000000000
	ttlValueMask   = 0x000000ffffffffff
	maxTTLMillis   = ttlValueMask
)

func ttlOwner(ms int64) api.SessionID { return api.SessionID(ttlMask | ms) }

// isTTLOwner reports whether an ephemeralOwner marks a TTL node.
func isTTLOwner(o api.SessionID) bool { return int64(o)&ttlMask == ttlMask }

// isEphemeralOwner reports whether o is a real session (ZooKeeper's
// EphemeralType.NORMAL).
func isEphemeralOwner(o api.SessionID) bool {
	return o != 0 && o != containerOwner && !isTTLOwner(o)
}

// Paths ZooKeeper keeps for itself.
const (
	procPath   = "/zookeeper"
	quotaPath  = "/zookeeper/quota"
	configPath = "/zookeeper/config"
)

// isSpecialPath copies ZKDatabase.isSpecialPath: these cannot be deleted.
func isSpecialPath(p string) bool {
	return p == "/" || p == procPath || p == quotaPath || p == configPath
}

// tree is the in-memory znode tree, with the aggregates the four-letter
// words report kept up to date by put and del.
type tree struct {
	nodes      map[string]*entry
	dataSize   int64 // sum of path and data lengths (DataTree.approximateDataSize)
	ephemerals int64 // znodes owned by a session
}

// account adds (sign 1) or removes (sign -1) n at path from the aggregates.
func (t *tree) account(path string, n *znode, sign int64) {
	t.dataSize += sign * int64(len(path)+len(n.data))
	if isEphemeralOwner(n.stat.EphemeralOwner) {
		t.ephemerals += sign
	}
}

func newTree() *tree { return &tree{nodes: make(map[string]*entry, 64)} }

func (t *tree) get(path string) *znode {
	if e := t.nodes[path]; e != nil {
		return e.n
	}
	return nil
}

// put installs n at path; a new path is added to its parent's children.
func (t *tree) put(path string, n *znode) {
	t.account(path, n, 1)
	if e := t.nodes[path]; e != nil {
		t.account(path, e.n, -1)
		e.n = n
		return
	}
	t.nodes[path] = &entry{n: n}
	if path != "/" {
		p := t.nodes[parentOf(path)]
		if p.children == nil {
			p.children = make(map[string]struct{}, max(4, p.n.stat.NumChildren))
		}
		p.children[baseOf(path)] = struct{}{}
	}
}

// del removes path and its name from the parent's children.
func (t *tree) del(path string) {
	if e := t.nodes[path]; e != nil {
		t.account(path, e.n, -1)
	}
	delete(t.nodes, path)
	if p := t.nodes[parentOf(path)]; p != nil {
		delete(p.children, baseOf(path))
	}
}

// childNames lists the children of path.
func (t *tree) childNames(path string) []string {
	e := t.nodes[path]
	if e == nil {
		return nil
	}
	out := make([]string, 0, len(e.children))
	for c := range e.children {
		out = append(out, c)
	}
	return out
}

// countDescendants counts every node below path.
func (t *tree) countDescendants(path string) int32 {
	e := t.nodes[path]
	if e == nil {
		return 0
	}
	var n int32
	for c := range e.children {
		n += 1 + t.countDescendants(join(path, c))
	}
	return n
}
