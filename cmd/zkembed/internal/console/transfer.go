package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/cmd/zkembed/internal/cli"
)

// progressLine is one line of an export's or import's NDJSON answer: the
// progress so far, then a last line with the result or the error.
type progressLine struct {
	Done   int         `json:"done"`
	Total  int         `json:"total"`
	Result any         `json:"result,omitempty"`
	Error  *errBody    `json:"error,omitempty"`
	Export *cli.Export `json:"export,omitempty"`
}

// ndjson writes progress lines, flushing each, at most ten a second
// except the last.
type ndjson struct {
	w    http.ResponseWriter
	enc  *json.Encoder
	last time.Time
}

func newNDJSON(w http.ResponseWriter) *ndjson {
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	return &ndjson{w: w, enc: json.NewEncoder(w)}
}

func (n *ndjson) progress(done, total int) {
	if time.Since(n.last) < 100*time.Millisecond {
		return
	}
	n.last = time.Now()
	n.send(progressLine{Done: done, Total: total})
}

func (n *ndjson) send(l progressLine) {
	n.enc.Encode(l)
	if f, ok := n.w.(http.Flusher); ok {
		f.Flush()
	}
}

func errLine(err error) *errBody {
	var code api.Code
	if errors.As(err, &code) {
		return &errBody{Error: code.Name(), Message: err.Error(), Code: int32(code)}
	}
	return &errBody{Error: "Error", Message: err.Error()}
}

func isSystem(p string) bool { return p == "/zookeeper" || strings.HasPrefix(p, "/zookeeper/") }

// handleExport streams the subtree under path in the CLI's export format
// (zkembed export), ephemerals and /zookeeper left out, with progress
// lines first.
func (c *Console) handleExport(w http.ResponseWriter, r *http.Request, b *browser) {
	root, ok := pathArg(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	var out *ndjson
	var nodes []cli.Node
	err := b.call(ctx, func(cl api.Client) error {
		total := -1
		if n, err := cl.GetAllChildrenNumber(ctx, root); err == nil {
			total = int(n) + 1
		}
		out = newNDJSON(w)
		done := 0
		var walk func(p string) error
		walk = func(p string) error {
			data, st, err := cl.Get(ctx, p)
			if errors.Is(err, api.ErrNoNode) && p != root {
				return nil
			}
			if err != nil {
				return err
			}
			acl, _, err := cl.GetACL(ctx, p)
			if err != nil {
				return err
			}
			done++
			out.progress(done, total)
			if st.EphemeralOwner == 0 {
				ja := make([]cli.ACLJSON, len(acl))
				for i, a := range acl {
					ja[i] = cli.ACLJSON{Scheme: a.Scheme, ID: a.ID, Perms: a.Perms.String()}
				}
				nodes = append(nodes, cli.Node{Path: p, Data: data, ACL: ja, Mode: api.ModePersistent.String(),
					Ctime: st.Ctime, Mtime: st.Mtime, Version: st.Version})
			}
			if st.NumChildren == 0 {
				return nil
			}
			kids, _, err := cl.Children(ctx, p)
			if err != nil {
				return err
			}
			slices.Sort(kids)
			for _, k := range kids {
				cp := path.Join(p, k)
				if isSystem(cp) {
					continue
				}
				if err := walk(cp); err != nil {
					return err
				}
			}
			return nil
		}
		return walk(root)
	})
	if out == nil {
		c.fail(w, err)
		return
	}
	if err != nil {
		out.send(progressLine{Error: errLine(err)})
		return
	}
	slices.SortFunc(nodes, func(a, b cli.Node) int { return strings.Compare(a.Path, b.Path) })
	out.send(progressLine{Done: len(nodes), Total: len(nodes), Export: &cli.Export{
		Format: cli.ExportFormat, Server: c.opts.Connect, Root: root, Exported: time.Now().UTC(), Nodes: nodes}})
}

// handleImport creates the znodes of an export (the request body) under
// path, parents first; a znode that exists gets the export's data. It
// streams progress lines, then the counts.
func (c *Console) handleImport(w http.ResponseWriter, r *http.Request, b *browser) {
	dest, ok := pathArg(w, r)
	if !ok {
		return
	}
	var ex cli.Export
	if !decode(w, r, &ex) {
		return
	}
	if ex.Format != cli.ExportFormat {
		writeErr(w, http.StatusBadRequest, "BadFormat", "not a "+cli.ExportFormat+" file")
		return
	}
	type prepared struct {
		path string
		data []byte
		acl  []api.ACL
		mode api.CreateMode
		ttl  time.Duration
	}
	nodes := make([]prepared, 0, len(ex.Nodes))
	for _, n := range ex.Nodes {
		acl := make([]aclJSON, len(n.ACL))
		for i, a := range n.ACL {
			acl[i] = aclJSON{Scheme: a.Scheme, ID: a.ID, Perms: a.Perms}
		}
		al, err := aclsFrom(acl)
		if err != nil {
			writeErr(w, http.StatusBadRequest, "InvalidACL", n.Path+": "+err.Error())
			return
		}
		p := n.Path
		if dest != "/" {
			p = strings.TrimSuffix(dest+n.Path, "/")
		}
		if err := api.ValidatePath(p); err != nil || isSystem(p) {
			writeErr(w, http.StatusBadRequest, "BadArguments", "bad path "+p)
			return
		}
		pn := prepared{path: p, data: n.Data, acl: al, mode: api.ModePersistent}
		switch n.Mode {
		case "", "PERSISTENT", "PERSISTENT_SEQUENTIAL":
		case "CONTAINER":
			pn.mode = api.ModeContainer
		case "PERSISTENT_WITH_TTL", "PERSISTENT_SEQUENTIAL_WITH_TTL":
			pn.mode, pn.ttl = api.ModePersistentWithTTL, time.Duration(n.TTLMs)*time.Millisecond
		default:
			writeErr(w, http.StatusBadRequest, "BadArguments", n.Path+": mode "+n.Mode+" cannot be imported")
			return
		}
		nodes = append(nodes, pn)
	}
	slices.SortFunc(nodes, func(a, b prepared) int { return strings.Compare(a.path, b.path) })
	ctx := r.Context()
	out := newNDJSON(w)
	created, updated := 0, 0
	err := b.call(ctx, func(cl api.Client) error {
		// The destination's missing ancestors, empty and open.
		if len(nodes) > 0 {
			var missing []string
			for q := path.Dir(nodes[0].path); q != "/"; q = path.Dir(q) {
				st, err := cl.Exists(ctx, q)
				if err != nil {
					return err
				}
				if st != nil {
					break
				}
				missing = append(missing, q)
			}
			for i := len(missing) - 1; i >= 0; i-- {
				if _, err := cl.Create(ctx, missing[i], nil, api.OpenACLUnsafe, api.ModePersistent); err != nil && !errors.Is(err, api.ErrNodeExists) {
					return err
				}
			}
		}
		for i, n := range nodes {
			_, _, err := cl.Create2(ctx, n.path, n.data, n.acl, n.mode, n.ttl)
			if errors.Is(err, api.ErrNodeExists) {
				_, err = cl.Set(ctx, n.path, n.data, -1)
				updated++
			} else if err == nil {
				created++
			}
			if err != nil {
				return &importError{n.path, err}
			}
			out.progress(i+1, len(nodes))
		}
		return nil
	})
	if err != nil {
		out.send(progressLine{Done: created + updated, Total: len(nodes), Error: errLine(err)})
		return
	}
	out.send(progressLine{Done: len(nodes), Total: len(nodes), Result: map[string]int{"znodes": len(nodes), "created": created, "updated": updated}})
}

type importError struct {
	path string
	err  error
}

func (e *importError) Error() string { return e.path + ": " + e.err.Error() }
func (e *importError) Unwrap() error { return e.err }
