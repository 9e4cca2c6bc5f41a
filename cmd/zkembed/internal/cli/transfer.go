package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/transport"
)

// ExportFormat names the version of the export file format.
const ExportFormat = "zkembed-export/1"

// Export is the file zkembed export writes and zkembed import reads.
type Export struct {
	Format   string    `json:"format"`
	Server   string    `json:"server"`   // connect string exported from
	Root     string    `json:"root"`     // the subtree's root
	Exported time.Time `json:"exported"` // when
	// Nodes are the subtree's znodes, parents before children (sorted by
	// path); ephemeral znodes and /zookeeper are left out.
	Nodes []Node `json:"nodes"`
}

// Node is one znode of an export.
type Node struct {
	Path string    `json:"path"` // absolute, as on the server exported from
	Data []byte    `json:"data"` // base64
	ACL  []ACLJSON `json:"acl"`
	// Mode is the create mode to use: PERSISTENT, or CONTAINER or
	// PERSISTENT_WITH_TTL (with TTLMs) if edited in by hand. ZooKeeper's
	// protocol does not tell clients which znodes are containers or TTL
	// nodes (their Stat's ephemeralOwner is 0), so export writes
	// PERSISTENT for every znode it keeps.
	Mode  string `json:"mode"`
	TTLMs int64  `json:"ttlMs,omitempty"`
	// Informational: the source's times and versions.
	Ctime   int64 `json:"ctime"`
	Mtime   int64 `json:"mtime"`
	Version int32 `json:"version"`
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// isSystem reports whether p is ZooKeeper's own subtree, never exported.
func isSystem(p string) bool { return p == "/zookeeper" || strings.HasPrefix(p, "/zookeeper/") }

func cmdExport(e *env) error {
	if err := e.want(1, 2); err != nil {
		return err
	}
	root, file := "/", e.args[0]
	if len(e.args) == 2 {
		root, file = e.args[0], e.args[1]
	}
	c, err := e.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	total := int64(-1)
	if n, err := c.GetAllChildrenNumber(e.ctx, root); err == nil {
		total = int64(n) + 1
	}
	bar := newProgress(e.io.Err, e.flags.progress, "export", total)

	var (
		mu         sync.Mutex
		nodes      []Node
		ephemerals int
		firstErr   error
		wg         sync.WaitGroup
		sem        = make(chan struct{}, 32)
	)
	fail := func(p string, err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = e.fail(p, err)
		}
		mu.Unlock()
	}
	var visit func(p string, isRoot bool)
	visit = func(p string, isRoot bool) {
		defer wg.Done()
		sem <- struct{}{}
		data, st, err := c.Get(e.ctx, p)
		var acl []api.ACL
		var kids []string
		if err == nil {
			acl, _, err = c.GetACL(e.ctx, p)
		}
		if err == nil && st.NumChildren > 0 {
			kids, _, err = c.Children(e.ctx, p)
		}
		<-sem
		if errors.Is(err, api.ErrNoNode) && !isRoot {
			return // deleted while we walked
		}
		if err != nil {
			fail(p, err)
			return
		}
		bar.add(1)
		mu.Lock()
		if st.EphemeralOwner != 0 {
			ephemerals++
			mu.Unlock()
			return
		}
		nodes = append(nodes, Node{Path: p, Data: data, ACL: aclJSON(acl), Mode: api.ModePersistent.String(),
			Ctime: st.Ctime, Mtime: st.Mtime, Version: st.Version})
		mu.Unlock()
		for _, k := range kids {
			cp := path.Join(p, k)
			if isSystem(cp) {
				continue
			}
			wg.Add(1)
			go visit(cp, false)
		}
	}
	wg.Add(1)
	visit(root, true)
	wg.Wait()
	bar.done()
	if firstErr != nil {
		return firstErr
	}
	slices.SortFunc(nodes, func(a, b Node) int { return strings.Compare(a.Path, b.Path) })
	out := Export{Format: ExportFormat, Server: e.conn, Root: root, Exported: time.Now().UTC(), Nodes: nodes}
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(file, append(b, '\n')); err != nil {
		return err
	}
	if e.json {
		return e.printJSON(struct {
			File       string `json:"file"`
			Znodes     int    `json:"znodes"`
			Ephemerals int    `json:"ephemeralsSkipped"`
		}{file, len(nodes), ephemerals})
	}
	fmt.Fprintf(e.io.Err, "exported %d znodes under %s to %s (%d ephemerals skipped)\n", len(nodes), root, file, ephemerals)
	return nil
}

// writeFileAtomic writes b to name through a temporary file and a rename.
func writeFileAtomic(name string, b []byte) error {
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// importState is what import remembers between runs, in FILE.import-state.
type importState struct {
	Server string `json:"server"`
	Dest   string `json:"dest"`
	Done   int    `json:"done"` // znodes of the file applied
}

// maxBatchBytes bounds the data of one multi, well under jute.maxbuffer.
const maxBatchBytes = 512 << 10

func cmdImport(e *env) error {
	if err := e.want(1, 2); err != nil {
		return err
	}
	file, dest := e.args[0], "/"
	if len(e.args) == 2 {
		dest = e.args[1]
	}
	if e.flags.batch <= 0 {
		return &UsageError{"zkembed import: --batch must be positive"}
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var ex Export
	if err := json.Unmarshal(raw, &ex); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if ex.Format != ExportFormat {
		return fmt.Errorf("%s: format %q, want %q", file, ex.Format, ExportFormat)
	}
	target := func(p string) string {
		if dest == "/" {
			return p
		}
		if p == "/" {
			return dest
		}
		return dest + p
	}
	type prepared struct {
		path     string
		data     []byte
		acl      []api.ACL
		deferred bool // created open; its ACL is set at the end
		mode     api.CreateMode
		ttl      time.Duration
	}
	nodes := make([]prepared, 0, len(ex.Nodes))
	for _, n := range ex.Nodes {
		acl := make([]api.ACL, len(n.ACL))
		for i, a := range n.ACL {
			p, err := ParsePerms(a.Perms)
			if err != nil {
				return fmt.Errorf("%s: %s: %v", file, n.Path, err)
			}
			acl[i] = api.ACL{Scheme: a.Scheme, ID: a.ID, Perms: p}
		}
		pn := prepared{path: target(n.Path), data: n.Data, acl: acl, mode: api.ModePersistent}
		switch n.Mode {
		case "", "PERSISTENT", "PERSISTENT_SEQUENTIAL":
		case "CONTAINER":
			pn.mode = api.ModeContainer
		case "PERSISTENT_WITH_TTL", "PERSISTENT_SEQUENTIAL_WITH_TTL":
			pn.mode, pn.ttl = api.ModePersistentWithTTL, time.Duration(n.TTLMs)*time.Millisecond
		default:
			return fmt.Errorf("%s: %s: mode %q cannot be imported", file, n.Path, n.Mode)
		}
		// A znode whose ACL does not let everyone do everything is
		// created open, so its children can be created whatever the
		// importer's identity, and gets its ACL at the end.
		if !(len(acl) == 1 && acl[0] == api.OpenACLUnsafe[0]) {
			pn.deferred = true
		}
		nodes = append(nodes, pn)
	}

	c, err := e.dial()
	if err != nil {
		return err
	}
	defer c.Close()

	statePath := file + ".import-state"
	st := importState{Server: e.conn, Dest: dest}
	if b, err := os.ReadFile(statePath); err == nil {
		var old importState
		if json.Unmarshal(b, &old) == nil && old.Server == st.Server && old.Dest == st.Dest && old.Done <= len(nodes) {
			st.Done = old.Done
			fmt.Fprintf(e.io.Err, "resuming import of %s: %d of %d znodes already applied\n", file, st.Done, len(nodes))
		}
	}
	// The destination's ancestors.
	if len(nodes) > 0 {
		if err := ensureParents(e, c, nodes[0].path); err != nil {
			return err
		}
	}

	bar := newProgress(e.io.Err, e.flags.progress, "import", int64(len(nodes)))
	bar.add(int64(st.Done))
	created, updated := 0, 0
	for st.Done < len(nodes) {
		end, size := st.Done, 0
		for end < len(nodes) && end-st.Done < e.flags.batch && (end == st.Done || size+len(nodes[end].data)+len(nodes[end].path) < maxBatchBytes) {
			size += len(nodes[end].data) + len(nodes[end].path)
			end++
		}
		batch := nodes[st.Done:end]
		ops := make([]api.Op, len(batch))
		for i, n := range batch {
			acl := n.acl
			if n.deferred {
				acl = api.OpenACLUnsafe
			}
			ops[i] = &api.CreateRequest{Path: n.path, Data: n.data, ACL: acl, Mode: n.mode, TTL: n.ttl}
		}
		res, err := c.Multi(e.ctx, ops...)
		switch {
		case err == nil:
			created += len(batch)
		case errors.Is(err, api.ErrNodeExists):
			// Applied before (a resumed import, or znodes that were
			// there): create what is missing and set the data of what
			// exists, one by one.
			for _, n := range batch {
				acl := n.acl
				if n.deferred {
					acl = api.OpenACLUnsafe
				}
				_, _, cerr := c.Create2(e.ctx, n.path, n.data, acl, n.mode, n.ttl)
				if errors.Is(cerr, api.ErrNodeExists) {
					_, cerr = c.Set(e.ctx, n.path, n.data, -1)
					updated++
				} else if cerr == nil {
					created++
				}
				if cerr != nil {
					bar.done()
					return e.fail(n.path, cerr)
				}
			}
		default:
			bar.done()
			return e.fail(failedOp(batch, res, func(n prepared) string { return n.path }), err)
		}
		st.Done = end
		bar.add(int64(len(batch)))
		if b, err := json.Marshal(st); err == nil {
			writeFileAtomic(statePath, b)
		}
	}
	// ACLs last, deepest first, so that no ACL stops the creation or the
	// ACL change of a znode below it.
	acls := 0
	for i := len(nodes) - 1; i >= 0; i-- {
		n := nodes[i]
		if !n.deferred {
			continue
		}
		if _, err := c.SetACL(e.ctx, n.path, n.acl, -1); err != nil {
			if errors.Is(err, api.ErrNoAuth) {
				if cur, _, gerr := c.GetACL(e.ctx, n.path); gerr == nil && sameACL(cur, n.acl) {
					continue // set by an earlier run
				}
			}
			bar.done()
			return e.fail(n.path, err)
		}
		acls++
	}
	bar.done()
	os.Remove(statePath)
	if e.json {
		return e.printJSON(struct {
			Znodes  int `json:"znodes"`
			Created int `json:"created"`
			Updated int `json:"updated"`
			ACLs    int `json:"aclsSet"`
		}{len(nodes), created, updated, acls})
	}
	fmt.Fprintf(e.io.Err, "imported %d znodes into %s under %s (%d created, %d existed and got their data, %d ACLs set)\n",
		len(nodes), e.conn, dest, created, updated, acls)
	return nil
}

// ensureParents creates the missing ancestors of p, empty and open, as
// `mkdir -p` would.
func ensureParents(e *env, c *transport.Client, p string) error {
	var missing []string
	for q := path.Dir(p); q != "/"; q = path.Dir(q) {
		st, err := c.Exists(e.ctx, q)
		if err != nil {
			return e.fail(q, err)
		}
		if st != nil {
			break
		}
		missing = append(missing, q)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if _, err := c.Create(e.ctx, missing[i], nil, api.OpenACLUnsafe, api.ModePersistent); err != nil && !errors.Is(err, api.ErrNodeExists) {
			return e.fail(missing[i], err)
		}
	}
	return nil
}

// failedOp returns the path of the op whose result carries the error, or
// of the first op.
func failedOp[T any](batch []T, res []api.OpResult, pathOf func(T) string) string {
	for i, r := range res {
		if i < len(batch) && r.Err != nil && !errors.Is(r.Err, api.OK) && !errors.Is(r.Err, api.ErrRuntimeInconsistency) {
			return pathOf(batch[i])
		}
	}
	if len(batch) > 0 {
		return pathOf(batch[0])
	}
	return ""
}

func sameACL(a, b []api.ACL) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !slices.Contains(b, a[i]) {
			return false
		}
	}
	return true
}

// progress draws "export 1234/5678 [=====>    ] 21%" on a terminal.
type progress struct {
	w       io.Writer
	on      bool
	label   string
	total   int64
	n       int64
	mu      sync.Mutex
	last    time.Time
	started time.Time
}

func newProgress(w io.Writer, on bool, label string, total int64) *progress {
	p := &progress{w: w, on: on, label: label, total: total, started: time.Now()}
	p.draw(true)
	return p
}

func (p *progress) add(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n += n
	p.draw(false)
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw(true)
	if p.on {
		fmt.Fprintln(p.w)
	}
}

// draw redraws the bar, at most ten times a second unless forced.
func (p *progress) draw(force bool) {
	if !p.on {
		return
	}
	now := time.Now()
	if !force && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	const width = 30
	if p.total <= 0 {
		fmt.Fprintf(p.w, "\r%s %d znodes", p.label, p.n)
		return
	}
	n := min(p.n, p.total)
	fill := int(int64(width) * n / p.total)
	bar := strings.Repeat("=", fill)
	if fill < width {
		bar += ">" + strings.Repeat(" ", width-fill-1)
	}
	fmt.Fprintf(p.w, "\r%s %d/%d [%s] %3d%% %s", p.label, n, p.total, bar, 100*n/p.total,
		time.Since(p.started).Round(100*time.Millisecond))
}
