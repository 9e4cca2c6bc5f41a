package engine

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"time"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/internal/diskusage"
)

// store keeps the engine durable in Badger: one key per znode, per ACL list
// and per session, and the last zxid. Badger's LSM is the snapshot; there is
// no log of our own. Owned by the sequencer after Open.
type store struct {
	db      *badger.DB
	dir     string
	minFree int64 // see Options.MinFreeDisk
	// threshold is Badger's ValueThreshold: see valueThreshold.
	threshold int

	// wal and vlog sync each commit (nil with NoSync): see logFiles.
	wal, vlog *logFiles
	// failed is set when a sync fails: what was written may or may not be
	// on the device (and Linux may not report the failure again), so every
	// later commit is refused until the engine is reopened.
	failed error
}

// errDiskFull is returned by commit when the filesystem is too full.
var errDiskFull = errors.New("not enough free disk space")

// Key prefixes.
const (
	keyNode    = 'n' // n<path> → node record
	keyLong    = 'h' // h<sha256(path)> → path length, path, node record (paths over maxKeyPath)
	keyACL     = 'a' // a<id:8> → ACL list
	keySession = 's' // s<id:8> → session record
	keyMeta    = 'm' // m<name> → value
)

var (
	metaCount     = []byte("mcount") // znodes, to size the tree on load
	metaZxid      = []byte("mzxid")
	metaSessionID = []byte("msid")
)

// badgerLogger sends Badger's warnings and errors to slog; its chatter on
// every open and close is dropped.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any)   { b.l.Error("badger: " + fmt.Sprintf(f, a...)) }
func (b badgerLogger) Warningf(f string, a ...any) { b.l.Warn("badger: " + fmt.Sprintf(f, a...)) }
func (badgerLogger) Infof(string, ...any)          {}
func (badgerLogger) Debugf(string, ...any)         {}

func openStore(dir string, o *Options, log *slog.Logger) (*store, error) {
	threshold := valueThreshold(o)
	bo := badger.DefaultOptions(dir).
		WithLogger(badgerLogger{log}).
		WithSyncWrites(false). // the store syncs what each commit wrote: see logFiles
		WithMemTableSize(o.BadgerMemTableSize).
		WithNumMemtables(2).
		WithNumLevelZeroTables(5).
		WithNumLevelZeroTablesStall(15).
		WithBaseTableSize(2 << 20).
		WithBaseLevelSize(10 << 20).
		WithValueThreshold(threshold).
		WithCompression(options.None).
		WithBlockCacheSize(0).
		WithIndexCacheSize(0).
		WithValueLogFileSize(o.valueLogFileSize).
		WithNumCompactors(2).
		WithNumGoroutines(2).
		WithMetricsEnabled(false)
	db, err := badger.Open(bo)
	if err != nil {
		// A kill during value-log rotation can leave an empty .vlog file
		// that fails the first Open and not the second (see BADGER.md).
		log.Warn("badger open failed; retrying once", "err", err)
		db, err = badger.Open(bo)
		if err != nil {
			return nil, fmt.Errorf("engine: open %s: %w", dir, err)
		}
	}
	st := &store{db: db, dir: dir, minFree: o.MinFreeDisk, threshold: int(threshold)}
	if !o.NoSync {
		if st.wal, err = openLogFiles(dir, ".mem", 5); err == nil {
			st.vlog, err = openLogFiles(dir, ".vlog", 6)
		}
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("engine: open %s: %w", dir, err)
		}
	}
	return st, nil
}

func (st *store) close() error {
	if st.wal != nil {
		st.wal.close()
		st.vlog.close()
	}
	return st.db.Close()
}

// valueThreshold is the size from which Badger keeps a value in its value
// log rather than in the WAL and the LSM tree: as high as Badger allows
// (1 MiB, and 15% of a memtable), so that all but the largest znodes live in
// the LSM tree, whose compactions reclaim the space of overwritten and
// deleted values by themselves. The value log needs collectValueLog.
func valueThreshold(o *Options) int64 { return min(1<<20, o.BadgerMemTableSize*15/100) }

// commit writes a batch's final state and the last zxid in one Badger
// transaction, synced unless NoSync. A batch too big for one transaction is
// refused (the sequencer bounds batches well below Badger's limit).
func (st *store) commit(b *batch, last api.Zxid) error {
	if st.failed != nil {
		return st.failed
	}
	if st.minFree > 0 {
		need := st.minFree
		for _, n := range b.overlay {
			if n != nil && len(n.data) >= st.threshold {
				need += 2 * int64(len(n.data)) // the value log is a sparse map too
			}
		}
		if free := diskusage.Free(st.dir); free >= 0 && free < need {
			return fmt.Errorf("%w in %s: %d bytes free, %d needed", errDiskFull, st.dir, free, need)
		}
	}
	txn := st.db.NewTransaction(true)
	defer txn.Discard()
	large := false // a value went to the value log
	set := func(k, v []byte) error {
		large = large || len(v) >= st.threshold
		return txn.Set(k, v)
	}
	var buf []byte
	for _, l := range b.newACLs {
		if err := set(idKey(keyACL, l.id), encodeACL(l.acl)); err != nil {
			return err
		}
	}
	for path, n := range b.overlay {
		k, long := nodeKey(path)
		if n == nil {
			if err := txn.Delete(k); err != nil {
				return err
			}
			continue
		}
		// Badger keeps the value until the commit is written: a new
		// buffer each time, sized once.
		extra := 0
		if long {
			extra = binary.MaxVarintLen64 + len(path)
		}
		buf = make([]byte, 0, nodeHeader+len(n.data)+extra)
		if long {
			buf = binary.AppendUvarint(buf, uint64(len(path)))
			buf = append(buf, path...)
		}
		buf = encodeNode(buf, n)
		if err := set(k, buf); err != nil {
			return err
		}
	}
	for _, s := range b.sessPut {
		if err := set(idKey(keySession, int64(s.id)), binary.BigEndian.AppendUint64(nil, uint64(s.timeout.Milliseconds()))); err != nil {
			return err
		}
	}
	if len(b.sessPut) > 0 {
		b.e.sessMu.RLock()
		next := b.e.nextSessionID
		b.e.sessMu.RUnlock()
		if err := set(metaSessionID, binary.BigEndian.AppendUint64(nil, uint64(next))); err != nil {
			return err
		}
	}
	for _, x := range b.sessDel {
		if err := txn.Delete(idKey(keySession, int64(x.s.id))); err != nil {
			return err
		}
	}
	if err := set(metaZxid, binary.BigEndian.AppendUint64(nil, uint64(last))); err != nil {
		return err
	}
	if err := set(metaCount, binary.BigEndian.AppendUint64(nil, uint64(b.e.countAfter(b)))); err != nil {
		return err
	}
	if err := txn.Commit(); err != nil {
		return err
	}
	if st.wal == nil {
		return nil
	}
	err := st.wal.sync()
	if err == nil && large {
		err = st.vlog.sync()
	}
	if err != nil {
		st.failed = fmt.Errorf("storage sync failed, so writes are refused until the engine is reopened: %w", err)
		return st.failed
	}
	return nil
}

func idKey(prefix byte, id int64) []byte {
	return binary.BigEndian.AppendUint64([]byte{prefix}, uint64(id))
}

// load rebuilds the engine's state from the store and drops ACL lists no
// znode uses any more.
func (st *store) load(e *Engine) error {
	if err := st.loadInto(e); err != nil {
		return err
	}
	var unused []*aclList
	for _, l := range e.acls.byID {
		if l.refs == 0 {
			unused = append(unused, l)
		}
	}
	if len(unused) > 0 {
		err := st.db.Update(func(txn *badger.Txn) error {
			for _, l := range unused {
				if err := txn.Delete(idKey(keyACL, l.id)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, l := range unused {
			e.acls.remove(l)
		}
	}
	if len(e.tree.nodes) > 0 {
		e.log.Info("recovered", "znodes", len(e.tree.nodes), "sessions", len(e.sessions), "zxid", e.zxid)
	}
	return nil
}

// maxKeyPath is the longest path stored under its own name: Badger refuses
// keys over 65,000 bytes, and ZooKeeper accepts any name a request can
// carry, so longer paths are stored under their SHA-256 with the path in
// the value.
const maxKeyPath = 4 << 10

// nodeKey returns the key of path's record, and whether it is a hashed one.
func nodeKey(path string) ([]byte, bool) {
	if len(path) <= maxKeyPath {
		return append([]byte{keyNode}, path...), false
	}
	sum := sha256.Sum256([]byte(path))
	return append([]byte{keyLong}, sum[:]...), true
}

// loadInto reads the store into e's tree, sessions, ACLs and zxid.
func (st *store) loadInto(e *Engine) error {
	type longNode struct {
		path string
		n    *znode
		acl  int64
	}
	var longs []longNode
	err := st.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{}) // values are small and inline: no prefetch goroutines
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			k := item.Key()
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			switch k[0] {
			case keyACL:
				acl, err := decodeACL(v)
				if err != nil || len(k) != 9 {
					return fmt.Errorf("engine: corrupt ACL record %x", k)
				}
				e.acls.add(int64(binary.BigEndian.Uint64(k[1:])), acl)
			case keyNode:
				path := string(k[1:])
				n, aclID, err := decodeNode(v)
				if err != nil {
					return fmt.Errorf("engine: corrupt znode record %q: %w", path, err)
				}
				if err := e.loadNode(path, n, aclID); err != nil {
					return err
				}
			case keyLong:
				l, w := binary.Uvarint(v)
				if w <= 0 || l > uint64(len(v)-w) {
					return fmt.Errorf("engine: corrupt long znode record %x", k)
				}
				path := string(v[w : w+int(l)])
				n, aclID, err := decodeNode(v[w+int(l):])
				if err != nil {
					return fmt.Errorf("engine: corrupt znode record %q: %w", path, err)
				}
				longs = append(longs, longNode{path, n, aclID})
			case keySession:
				if len(k) != 9 || len(v) != 8 {
					return fmt.Errorf("engine: corrupt session record %x", k)
				}
				id := api.SessionID(binary.BigEndian.Uint64(k[1:]))
				s := e.newSessionState(id, msDuration(int64(binary.BigEndian.Uint64(v))))
				s.persisted = true
				e.sessions[id] = s
			case keyMeta:
				if len(v) != 8 {
					return fmt.Errorf("engine: corrupt meta record %q", k)
				}
				x := int64(binary.BigEndian.Uint64(v))
				switch string(k) {
				case string(metaZxid):
					e.zxid = x
				case string(metaSessionID):
					e.nextSessionID = max(e.nextSessionID, x)
				case string(metaCount):
					if len(e.tree.nodes) == 0 && x > 0 && x < 1<<32 {
						e.tree.nodes = make(map[string]*entry, x)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Long paths come in hash order: load them parents first.
	slices.SortFunc(longs, func(a, b longNode) int { return cmp.Compare(len(a.path), len(b.path)) })
	for _, ln := range longs {
		if err := e.loadNode(ln.path, ln.n, ln.acl); err != nil {
			return err
		}
	}
	// Children counts and the engine's side sets follow from the tree.
	now := e.clock.Now()
	for path, en := range e.tree.nodes {
		en.n.stat.NumChildren = int32(len(en.children))
		switch o := en.n.stat.EphemeralOwner; {
		case o == 0:
		case o == containerOwner:
			e.containers[path] = struct{}{}
		case isTTLOwner(o):
			e.ttls[path] = struct{}{}
		default:
			s := e.sessions[o]
			if s == nil {
				// Its session record is gone but the znode stayed:
				// recreate the session so it expires normally.
				s = e.newSessionState(o, e.opts.MaxSessionTimeout)
				s.persisted = true
				e.sessions[o] = s
			}
			s.ephemerals[path] = struct{}{}
		}
	}
	for id, s := range e.sessions {
		s.deadline.Store(now.Add(s.timeout).UnixNano())
		if int64(id) >= e.nextSessionID {
			e.nextSessionID = int64(id) + 1
		}
	}
	return nil
}

func msDuration(ms int64) (d time.Duration) { return time.Duration(ms) * time.Millisecond }

// encodeNode appends a znode's record: the persisted Stat fields, the ACL
// id, the number of children (so a load can size the children's set), a
// flag for nil data, and the data.
func encodeNode(b []byte, n *znode) []byte {
	s := &n.stat
	be := binary.BigEndian
	b = be.AppendUint64(b, uint64(s.Czxid))
	b = be.AppendUint64(b, uint64(s.Mzxid))
	b = be.AppendUint64(b, uint64(s.Ctime))
	b = be.AppendUint64(b, uint64(s.Mtime))
	b = be.AppendUint32(b, uint32(s.Version))
	b = be.AppendUint32(b, uint32(s.Cversion))
	b = be.AppendUint32(b, uint32(s.Aversion))
	b = be.AppendUint64(b, uint64(s.EphemeralOwner))
	b = be.AppendUint64(b, uint64(s.Pzxid))
	b = be.AppendUint64(b, uint64(n.acl.id))
	b = be.AppendUint32(b, uint32(s.NumChildren))
	if n.data == nil {
		return append(b, 0)
	}
	b = append(b, 1)
	return append(b, n.data...)
}

const nodeHeader = 8*4 + 4*3 + 8*3 + 4 + 1

func decodeNode(b []byte) (*znode, int64, error) {
	if len(b) < nodeHeader {
		return nil, 0, errors.New("short record")
	}
	be := binary.BigEndian
	n := &znode{}
	s := &n.stat
	s.Czxid = api.Zxid(be.Uint64(b[0:]))
	s.Mzxid = api.Zxid(be.Uint64(b[8:]))
	s.Ctime = int64(be.Uint64(b[16:]))
	s.Mtime = int64(be.Uint64(b[24:]))
	s.Version = int32(be.Uint32(b[32:]))
	s.Cversion = int32(be.Uint32(b[36:]))
	s.Aversion = int32(be.Uint32(b[40:]))
	s.EphemeralOwner = api.SessionID(be.Uint64(b[44:]))
	s.Pzxid = api.Zxid(be.Uint64(b[52:]))
	aclID := int64(be.Uint64(b[60:]))
	s.NumChildren = int32(be.Uint32(b[68:]))
	switch b[72] {
	case 0:
		if len(b) != nodeHeader {
			return nil, 0, errors.New("nil data with trailing bytes")
		}
	case 1:
		n.data = b[nodeHeader:len(b):len(b)]
	default:
		return nil, 0, errors.New("bad data flag")
	}
	s.DataLength = int32(len(n.data))
	return n, aclID, nil
}

func encodeACL(acl []api.ACL) []byte {
	var b []byte
	b = binary.BigEndian.AppendUint32(b, uint32(len(acl)))
	for _, a := range acl {
		b = binary.BigEndian.AppendUint32(b, uint32(a.Perms))
		b = appendStr(b, a.Scheme)
		b = appendStr(b, a.ID)
	}
	return b
}

func appendStr(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func decodeACL(b []byte) ([]api.ACL, error) {
	bad := errors.New("bad ACL record")
	if len(b) < 4 {
		return nil, bad
	}
	n := binary.BigEndian.Uint32(b)
	b = b[4:]
	if uint64(n) > uint64(len(b))/12 {
		return nil, bad
	}
	out := make([]api.ACL, 0, n)
	str := func() (string, bool) {
		if len(b) < 4 {
			return "", false
		}
		l := binary.BigEndian.Uint32(b)
		if uint64(l) > uint64(len(b)-4) {
			return "", false
		}
		s := string(b[4 : 4+l])
		b = b[4+l:]
		return s, true
	}
	for range n {
		if len(b) < 4 {
			return nil, bad
		}
		p := binary.BigEndian.Uint32(b)
		b = b[4:]
		scheme, ok1 := str()
		id, ok2 := str()
		if !ok1 || !ok2 || p > math.MaxInt32 {
			return nil, bad
		}
		out = append(out, api.ACL{Perms: api.Perm(p), Scheme: scheme, ID: id})
	}
	if len(b) != 0 {
		return nil, bad
	}
	return out, nil
}

// countAfter returns how many znodes the tree will hold once b is applied.
// Only the sequencer (or Open) calls it: it reads the tree without the lock.
func (e *Engine) countAfter(b *batch) int {
	n := len(e.tree.nodes)
	for path, z := range b.overlay {
		_, in := e.tree.nodes[path]
		switch {
		case z != nil && !in:
			n++
		case z == nil && in:
			n--
		}
	}
	return n
}

// loadNode adds a znode read from the store to the tree; its parent must be
// there already.
func (e *Engine) loadNode(path string, n *znode, aclID int64) error {
	l := e.acls.byID[aclID]
	if l == nil {
		return fmt.Errorf("engine: znode %q refers to missing ACL %d", path, aclID)
	}
	n.acl = l
	l.refs++
	if path != "/" && e.tree.nodes[parentOf(path)] == nil {
		return fmt.Errorf("engine: znode %q has no parent", path)
	}
	e.tree.put(path, n)
	return nil
}
