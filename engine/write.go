package engine

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/zkembed/zkembed/api"
)

// change is one effect of a batch on the tree: n is the new version of path,
// or nil when path is deleted.
type change struct {
	path    string
	n       *znode
	created bool
}

// trigger is a watch to fire once the batch is applied.
type trigger struct {
	kind     triggerKind
	path     string
	typ      api.EventType
	zxid     api.Zxid
	acl      []api.ACL // the ACL a session needs READ on to be told
	suppress bool      // child NodeDeleted: skip sessions told by the data trigger before it
}

type triggerKind uint8

const (
	trigData triggerKind = iota
	trigChild
)

// batch is the sequencer's working state for one group commit: the overlay of
// changes not yet applied to the tree, read through before the tree, like
// ZooKeeper's outstandingChanges.
type batch struct {
	e        *Engine
	overlay  map[string]*znode // nil value: deleted in this batch
	changes  []change
	triggers []trigger
	newACLs  []*aclList
	sessPut  []*session     // sessions created in this batch
	sessDel  []endedSession // sessions closed or expired in this batch
	journal  []journalEntry // multi rollback, when inMulti
	inMulti  bool
	closing  map[*session]bool // sessions whose close is prepared in this batch
	now      int64
}

type endedSession struct {
	s     *session
	state api.State // what its sink hears: StateExpired, or StateUnknown for nothing
}

type journalEntry struct {
	path string
	prev *znode
	had  bool
}

func (e *Engine) newBatch(now int64) *batch {
	return &batch{e: e, overlay: make(map[string]*znode, 16), now: now}
}

// get returns path as the batch sees it: its own changes first, then the
// committed tree. Only the sequencer calls it; it reads the tree without the
// lock because only the sequencer writes the tree.
func (b *batch) get(path string) *znode {
	if n, ok := b.overlay[path]; ok {
		return n
	}
	return b.e.tree.get(path)
}

func (b *batch) set(path string, n *znode, created bool) {
	if b.inMulti {
		prev, had := b.overlay[path]
		b.journal = append(b.journal, journalEntry{path, prev, had})
	}
	b.overlay[path] = n
	b.changes = append(b.changes, change{path: path, n: n, created: created})
}

// rollback undoes a failed multi's changes back to the marks. ACL lists
// the multi interned stay in the batch's newACLs: storing an unused list is
// harmless, and Open drops lists no znode uses.
func (b *batch) rollback(changes, triggers int) {
	for i := len(b.journal) - 1; i >= 0; i-- {
		j := b.journal[i]
		if j.had {
			b.overlay[j.path] = j.prev
		} else {
			delete(b.overlay, j.path)
		}
	}
	b.journal = b.journal[:0]
	b.changes = b.changes[:changes]
	b.triggers = b.triggers[:triggers]
}

func (b *batch) fire(k triggerKind, path string, typ api.EventType, zxid api.Zxid, acl *aclList, suppress bool) {
	var a []api.ACL
	if acl != nil {
		a = acl.acl
	}
	b.triggers = append(b.triggers, trigger{kind: k, path: path, typ: typ, zxid: zxid, acl: a, suppress: suppress})
}

// internACL returns the shared list for acl, noting a new one for storage.
func (b *batch) internACL(acl []api.ACL) *aclList {
	l, fresh := b.e.acls.intern(acl)
	if fresh {
		b.newACLs = append(b.newACLs, l)
	}
	return l
}

// exec prepares one write at zxid and returns its response. A failed write
// still consumes its zxid, as in ZooKeeper (an error txn is logged).
func (b *batch) exec(w *write, zxid api.Zxid) api.Response {
	s := w.s
	if s != nil && (s.ended.Load() || b.closing[s]) {
		return api.Response{Err: api.ErrSessionExpired, Zxid: zxid}
	}
	switch r := w.req.(type) {
	case *api.CreateRequest:
		p, st, err := b.create(s, r, zxid)
		return api.Response{Err: err, Zxid: zxid, Path: p, Stat: st}
	case *api.DeleteRequest:
		return api.Response{Err: b.delete(s, r.Path, r.Version, zxid, false), Zxid: zxid}
	case *api.SetDataRequest:
		st, err := b.setData(s, r, zxid)
		return api.Response{Err: err, Zxid: zxid, Stat: st}
	case *api.SetACLRequest:
		st, err := b.setACL(s, r, zxid)
		return api.Response{Err: err, Zxid: zxid, Stat: st}
	case *api.MultiRequest:
		res, err := b.multi(s, r, zxid)
		return api.Response{Err: err, Zxid: zxid, Results: res}
	case *api.CloseSessionRequest:
		b.closeSession(s, zxid, api.StateUnknown)
		return api.Response{Zxid: zxid}
	case *expireRequest:
		if r.s.ended.Load() {
			return api.Response{Err: api.ErrSessionExpired, Zxid: zxid}
		}
		b.e.log.Info("session expired", "session", r.s.id)
		b.closeSession(r.s, zxid, api.StateExpired)
		return api.Response{Zxid: zxid}
	case *reapRequest:
		// A reap that no longer applies (a child appeared, or the znode
		// is gone) fails without effect, as ZooKeeper's deleteContainer
		// does; nobody waits for its answer but Tick.
		return api.Response{Err: b.delete(nil, r.path, -1, zxid, true), Zxid: zxid}
	case *createSessionRequest:
		b.sessPut = append(b.sessPut, r.s)
		return api.Response{Zxid: zxid}
	}
	return api.Response{Err: api.ErrUnimplemented, Zxid: zxid}
}

// reapRequest deletes an empty container or an expired TTL node
// (ZooKeeper's deleteContainer).
type reapRequest struct{ path string }

// createSessionRequest records a new session (ZooKeeper's createSession txn).
type createSessionRequest struct{ s *session }

func (s *session) authIDs() []api.Id {
	if s == nil {
		return nil
	}
	return *s.auth.Load()
}

// create follows PrepRequestProcessor.pRequest2TxnCreate, check for check.
func (b *batch) create(s *session, r *api.CreateRequest, zxid api.Zxid) (string, *api.Stat, error) {
	mode := r.Mode
	if !mode.Valid() {
		return "", nil, api.ErrBadArguments
	}
	if mode.IsTTL() {
		if b.e.opts.DisableTTL {
			return "", nil, api.ErrUnimplemented
		}
		ms := r.TTL.Milliseconds()
		if r.TTL%time.Millisecond != 0 || ms <= 0 || ms > maxTTLMillis {
			return "", nil, api.ErrBadArguments
		}
	} else if r.TTL != 0 {
		return "", nil, api.ErrBadArguments
	}
	if len(r.Data) > b.e.opts.MaxDataSize {
		return "", nil, api.ErrBadArguments
	}
	path := r.Path
	i := strings.LastIndexByte(path, '/')
	if i < 0 || strings.IndexByte(path, 0) >= 0 {
		return "", nil, api.ErrBadArguments
	}
	parentPath := path[:i]
	if parentPath == "" {
		parentPath = "/"
	}
	acl, err := fixupACL(r.ACL, s.authIDs())
	if err != nil {
		return "", nil, err
	}
	parent := b.get(parentPath)
	if parent == nil {
		return "", nil, api.ErrNoNode
	}
	if err := checkACL(parent.acl.acl, api.PermCreate, s.authIDs()); err != nil {
		return "", nil, err
	}
	if mode.IsSequential() {
		path = fmt.Sprintf("%s%010d", path, parent.stat.Cversion)
	}
	if err := validatePath(path); err != nil {
		return "", nil, err
	}
	if b.get(path) != nil {
		return "", nil, api.ErrNodeExists
	}
	if isEphemeralOwner(parent.stat.EphemeralOwner) {
		return "", nil, api.ErrNoChildrenForEphemerals
	}
	var owner api.SessionID
	switch {
	case mode.IsContainer():
		owner = containerOwner
	case mode.IsTTL():
		owner = ttlOwner(r.TTL.Milliseconds())
	case mode.IsEphemeral():
		if s == nil {
			return "", nil, api.ErrSessionExpired
		}
		owner = s.id
	}
	n := &znode{
		stat: api.Stat{
			Czxid: zxid, Mzxid: zxid, Pzxid: zxid,
			Ctime: b.now, Mtime: b.now,
			EphemeralOwner: owner,
			DataLength:     int32(len(r.Data)),
		},
		data: bytes.Clone(r.Data),
		acl:  b.internACL(acl),
	}
	np := *parent
	np.stat.Cversion++
	np.stat.Pzxid = zxid
	np.stat.NumChildren++
	b.set(parentPath, &np, false)
	b.set(path, n, true)
	b.fire(trigData, path, api.EventNodeCreated, zxid, n.acl, false)
	b.fire(trigChild, parentPath, api.EventNodeChildrenChanged, zxid, np.acl, false)
	return path, n.clientStat(), nil
}

// delete follows the delete case of pRequest2Txn; reap is deleteContainer
// (no ACL or version check, and only containers and TTL nodes).
func (b *batch) delete(s *session, path string, version int32, zxid api.Zxid, reap bool) error {
	i := strings.LastIndexByte(path, '/')
	if i < 0 || strings.IndexByte(path, 0) >= 0 || isSpecialPath(path) {
		return api.ErrBadArguments
	}
	parentPath := path[:i]
	if parentPath == "" {
		parentPath = "/"
	}
	parent := b.get(parentPath)
	if parent == nil {
		return api.ErrNoNode
	}
	if !reap {
		if err := checkACL(parent.acl.acl, api.PermDelete, s.authIDs()); err != nil {
			return err
		}
	}
	n := b.get(path)
	if n == nil {
		return api.ErrNoNode
	}
	if !reap && version != -1 && version != n.stat.Version {
		return api.ErrBadVersion
	}
	if n.stat.NumChildren > 0 {
		return api.ErrNotEmpty
	}
	if reap && isEphemeralOwner(n.stat.EphemeralOwner) || reap && n.stat.EphemeralOwner == 0 {
		return api.ErrBadVersion
	}
	b.deleteNode(parentPath, parent, path, n, zxid)
	return nil
}

func (b *batch) deleteNode(parentPath string, parent *znode, path string, n *znode, zxid api.Zxid) {
	np := *parent
	np.stat.NumChildren--
	if zxid > np.stat.Pzxid {
		np.stat.Pzxid = zxid
	}
	b.set(parentPath, &np, false)
	b.set(path, nil, false)
	b.fire(trigData, path, api.EventNodeDeleted, zxid, n.acl, false)
	b.fire(trigChild, path, api.EventNodeDeleted, zxid, n.acl, true)
	b.fire(trigChild, parentPath, api.EventNodeChildrenChanged, zxid, np.acl, false)
}

// nextVersion copies checkAndIncVersion, including its skip of -1 after
// overflow (ZOOKEEPER-4743).
func nextVersion(cur, expected int32) (int32, error) {
	if expected != -1 && expected != cur {
		return 0, api.ErrBadVersion
	}
	if cur+1 == -1 {
		return 0, nil
	}
	return cur + 1, nil
}

func (b *batch) setData(s *session, r *api.SetDataRequest, zxid api.Zxid) (*api.Stat, error) {
	if err := validatePath(r.Path); err != nil {
		return nil, err
	}
	if len(r.Data) > b.e.opts.MaxDataSize {
		return nil, api.ErrBadArguments
	}
	n := b.get(r.Path)
	if n == nil {
		return nil, api.ErrNoNode
	}
	if err := checkACL(n.acl.acl, api.PermWrite, s.authIDs()); err != nil {
		return nil, err
	}
	v, err := nextVersion(n.stat.Version, r.Version)
	if err != nil {
		return nil, err
	}
	nn := &znode{stat: n.stat, data: bytes.Clone(r.Data), acl: n.acl}
	nn.stat.Version = v
	nn.stat.Mtime = b.now
	nn.stat.Mzxid = zxid
	nn.stat.DataLength = int32(len(r.Data))
	b.set(r.Path, nn, false)
	b.fire(trigData, r.Path, api.EventNodeDataChanged, zxid, nn.acl, false)
	return nn.clientStat(), nil
}

func (b *batch) setACL(s *session, r *api.SetACLRequest, zxid api.Zxid) (*api.Stat, error) {
	if err := validatePath(r.Path); err != nil {
		return nil, err
	}
	acl, err := fixupACL(r.ACL, s.authIDs())
	if err != nil {
		return nil, err
	}
	n := b.get(r.Path)
	if n == nil {
		return nil, api.ErrNoNode
	}
	if err := checkACL(n.acl.acl, api.PermAdmin, s.authIDs()); err != nil {
		return nil, err
	}
	v, err := nextVersion(n.stat.Aversion, r.Version)
	if err != nil {
		return nil, err
	}
	nn := &znode{stat: n.stat, data: n.data, acl: b.internACL(acl)}
	nn.stat.Aversion = v
	b.set(r.Path, nn, false)
	return nn.clientStat(), nil
}

func (b *batch) check(s *session, r *api.CheckRequest) error {
	if err := validatePath(r.Path); err != nil {
		return err
	}
	n := b.get(r.Path)
	if n == nil {
		return api.ErrNoNode
	}
	if err := checkACL(n.acl.acl, api.PermRead, s.authIDs()); err != nil {
		return err
	}
	_, err := nextVersion(n.stat.Version, r.Version)
	return err
}

// multi prepares every op at one zxid; on the first failure it rolls the
// batch back to where the multi began and reports per-op results as
// DataTree.processTxn does.
func (b *batch) multi(s *session, r *api.MultiRequest, zxid api.Zxid) ([]api.OpResult, error) {
	res := make([]api.OpResult, len(r.Ops))
	mc, mt := len(b.changes), len(b.triggers)
	b.inMulti = true
	defer func() { b.inMulti = false; b.journal = b.journal[:0] }()
	failed := -1
	var ferr error
	for i, op := range r.Ops {
		var err error
		switch o := op.(type) {
		case *api.CreateRequest:
			var p string
			var st *api.Stat
			p, st, err = b.create(s, o, zxid)
			res[i] = api.OpResult{Path: p, Stat: st}
		case *api.DeleteRequest:
			err = b.delete(s, o.Path, o.Version, zxid, false)
		case *api.SetDataRequest:
			var st *api.Stat
			st, err = b.setData(s, o, zxid)
			res[i] = api.OpResult{Stat: st}
		case *api.CheckRequest:
			err = b.check(s, o)
		default:
			err = api.ErrBadArguments
		}
		if err != nil {
			failed, ferr = i, err
			break
		}
	}
	if failed < 0 {
		return res, nil
	}
	b.rollback(mc, mt)
	for i := range res {
		switch {
		case i < failed:
			res[i] = api.OpResult{Err: api.OK}
		case i == failed:
			res[i] = api.OpResult{Err: ferr}
		default:
			res[i] = api.OpResult{Err: api.ErrRuntimeInconsistency}
		}
	}
	return res, ferr
}

// closeSession deletes the session's ephemerals, those committed and those
// created earlier in this batch, all at zxid (CloseSessionTxn).
func (b *batch) closeSession(s *session, zxid api.Zxid, state api.State) {
	if s == nil || b.closing[s] {
		return
	}
	if b.closing == nil {
		b.closing = map[*session]bool{}
	}
	b.closing[s] = true
	paths := make(map[string]struct{}, len(s.ephemerals))
	for p := range s.ephemerals {
		paths[p] = struct{}{}
	}
	for p, n := range b.overlay {
		if n != nil && n.stat.EphemeralOwner == s.id {
			paths[p] = struct{}{}
		}
	}
	for p := range paths {
		n := b.get(p)
		if n == nil || n.stat.EphemeralOwner != s.id {
			continue
		}
		pp := parentOf(p)
		b.deleteNode(pp, b.get(pp), p, n, zxid)
	}
	b.sessDel = append(b.sessDel, endedSession{s, state})
}
