package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/zkembed/zkembed/cmd/zkembed/internal/cli"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/match"
	"github.com/zkembed/zkembed/api"
)

// Bounds of the API's answers.
const (
	maxChildStats   = 1000             // children listed with their Stat
	maxSearchVisits = 20000            // znodes a search visits
	maxSearchHits   = 200              // matches a search returns
	searchTimeLimit = 10 * time.Second // time a search may take
	maxBody         = 8 << 20          // request body (an import: more, see handleImport)
	maxImportBody   = 256 << 20
	maxDeleteNodes  = 100000 // znodes a recursive delete removes
)

func (c *Console) routes(m *http.ServeMux) {
	m.HandleFunc("GET /api/info", c.handleInfo)
	m.HandleFunc("GET /api/events", c.handleEvents)
	m.HandleFunc("GET /api/children", c.read(c.handleChildren))
	m.HandleFunc("GET /api/node", c.read(c.handleGet))
	m.HandleFunc("GET /api/count", c.read(c.handleCount))
	m.HandleFunc("GET /api/search", c.read(c.handleSearch))
	m.HandleFunc("GET /api/export", c.read(c.handleExport))
	m.HandleFunc("GET /api/sessions", c.read(c.handleSessions))
	m.HandleFunc("GET /api/metrics", c.read(c.handleMetrics))
	m.HandleFunc("POST /api/digest", c.write(false, c.handleDigest))
	m.HandleFunc("POST /api/login", c.write(false, c.handleLogin))
	m.HandleFunc("POST /api/logout", c.write(false, c.handleLogout))
	m.HandleFunc("PUT /api/node", c.write(true, c.handleSet))
	m.HandleFunc("POST /api/node", c.write(true, c.handleCreate))
	m.HandleFunc("DELETE /api/node", c.write(true, c.handleDelete))
	m.HandleFunc("PUT /api/acl", c.write(true, c.handleSetACL))
	m.HandleFunc("POST /api/import", c.write(true, c.handleImport))
}

// handler is an API call of a browser session.
type handler func(w http.ResponseWriter, r *http.Request, b *browser)

// read wraps a safe call: it needs the session cookie.
func (c *Console) read(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := c.session(w, r, false)
		if err != nil {
			writeErr(w, http.StatusUnauthorized, "NoSession", err.Error())
			return
		}
		h(w, r, b)
	}
}

// write wraps an unsafe call: it needs the cookie and the session's token,
// and, if it changes the tree, a console that is not read-only.
func (c *Console) write(mutates bool, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := c.session(w, r, false)
		if err != nil {
			writeErr(w, http.StatusUnauthorized, "NoSession", err.Error())
			return
		}
		if !b.checkToken(r) {
			writeErr(w, http.StatusForbidden, "BadToken", "missing or wrong X-Console-Token")
			return
		}
		if mutates && c.opts.ReadOnly {
			writeErr(w, http.StatusForbidden, "ReadOnly", "the console is read-only")
			return
		}
		limit := int64(maxBody)
		if r.URL.Path == "/api/import" {
			limit = maxImportBody
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		h(w, r, b)
	}
}

// call runs fn with the browser session's client; a session that expired is
// dropped so the next call opens a new one.
func (b *browser) call(ctx context.Context, fn func(api.Client) error) error {
	cl, err := b.zk(ctx)
	if err != nil {
		return err
	}
	err = fn(cl)
	if errors.Is(err, api.ErrSessionExpired) || errors.Is(err, api.ErrSessionMoved) || errors.Is(err, api.ErrAuthFailed) {
		b.drop(cl)
	}
	return err
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

type errBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
	Code    int32  `json:"code,omitempty"`
}

func writeErr(w http.ResponseWriter, status int, name, msg string) {
	writeJSON(w, status, errBody{Error: name, Message: msg})
}

// fail answers a ZooKeeper error by name, with a fitting HTTP status.
func (c *Console) fail(w http.ResponseWriter, err error) {
	var code api.Code
	if !errors.As(err, &code) {
		status := http.StatusBadGateway
		if errors.Is(err, errClosed) {
			status = http.StatusServiceUnavailable
		}
		writeErr(w, status, "Unavailable", err.Error())
		return
	}
	status := http.StatusBadGateway
	switch code {
	case api.ErrNoNode:
		status = http.StatusNotFound
	case api.ErrNodeExists, api.ErrBadVersion, api.ErrNotEmpty:
		status = http.StatusConflict
	case api.ErrNoAuth, api.ErrAuthFailed:
		status = http.StatusForbidden
	case api.ErrBadArguments, api.ErrInvalidACL, api.ErrNoChildrenForEphemerals, api.ErrUnimplemented, api.ErrInvalidCallback:
		status = http.StatusBadRequest
	}
	writeJSON(w, status, errBody{Error: code.Name(), Message: err.Error(), Code: int32(code)})
}

// pathArg returns the request's validated "path" argument.
func pathArg(w http.ResponseWriter, r *http.Request) (string, bool) {
	p := r.URL.Query().Get("path")
	if p == "" {
		p = "/"
	}
	if err := api.ValidatePath(p); err != nil {
		writeErr(w, http.StatusBadRequest, "BadArguments", err.Error())
		return "", false
	}
	return p, true
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeErr(w, http.StatusBadRequest, "BadRequest", "bad JSON body: "+err.Error())
		return false
	}
	return true
}

// hexZxid formats a zxid as ZooKeeper's tools do.
func hexZxid(z api.Zxid) string { return fmt.Sprintf("0x%x", int64(z)) }

// statJSON is a Stat for the page: zxids and the owner in hex.
type statJSON struct {
	Czxid          string `json:"czxid"`
	Mzxid          string `json:"mzxid"`
	Pzxid          string `json:"pzxid"`
	Ctime          int64  `json:"ctime"`
	Mtime          int64  `json:"mtime"`
	Version        int32  `json:"version"`
	Cversion       int32  `json:"cversion"`
	Aversion       int32  `json:"aversion"`
	EphemeralOwner string `json:"ephemeralOwner"`
	DataLength     int32  `json:"dataLength"`
	NumChildren    int32  `json:"numChildren"`
}

func statOf(s *api.Stat) *statJSON {
	if s == nil {
		return nil
	}
	return &statJSON{
		Czxid: hexZxid(s.Czxid), Mzxid: hexZxid(s.Mzxid), Pzxid: hexZxid(s.Pzxid),
		Ctime: s.Ctime, Mtime: s.Mtime, Version: s.Version, Cversion: s.Cversion, Aversion: s.Aversion,
		EphemeralOwner: fmt.Sprintf("0x%x", int64(s.EphemeralOwner)), DataLength: s.DataLength, NumChildren: s.NumChildren,
	}
}

// aclJSON is one ACL entry, as the CLI's --json and export write it.
type aclJSON = cli.ACLJSON

func aclsOf(acl []api.ACL) []aclJSON {
	out := make([]aclJSON, len(acl))
	for i, a := range acl {
		out[i] = aclJSON{Scheme: a.Scheme, ID: a.ID, Perms: a.Perms.String()}
	}
	return out
}

func aclsFrom(in []aclJSON) ([]api.ACL, error) {
	if len(in) == 0 {
		return api.OpenACLUnsafe, nil
	}
	out := make([]api.ACL, len(in))
	for i, a := range in {
		p, err := cli.ParsePerms(a.Perms)
		if err != nil {
			return nil, err
		}
		out[i] = api.ACL{Scheme: a.Scheme, ID: a.ID, Perms: p}
	}
	return out, nil
}

// handleInfo creates the browser session if needed and tells the page what
// it may do.
func (c *Console) handleInfo(w http.ResponseWriter, r *http.Request) {
	b, err := c.session(w, r, true)
	if err != nil {
		writeErr(w, http.StatusServiceUnavailable, "Unavailable", err.Error())
		return
	}
	var who []api.ClientInfo
	var sid api.SessionID
	err = b.call(r.Context(), func(cl api.Client) error {
		sid = cl.SessionID()
		var err error
		who, err = cl.WhoAmI(r.Context())
		if errors.Is(err, api.ErrUnimplemented) {
			err = nil // ZooKeeper before 3.7
		}
		return err
	})
	if err != nil {
		c.fail(w, err)
		return
	}
	b.mu.Lock()
	users := append([]string{}, b.users...)
	b.mu.Unlock()
	ids := make([]string, 0, len(who))
	for _, x := range who {
		ids = append(ids, x.AuthScheme+":"+x.User)
	}
	server := c.opts.Connect
	writeJSON(w, http.StatusOK, map[string]any{
		"server":     server,
		"readOnly":   c.opts.ReadOnly,
		"token":      b.token,
		"zkembed":    c.opts.Inspector != nil,
		"session":    fmt.Sprintf("0x%x", int64(sid)),
		"users":      users,
		"identities": ids,
	})
}

type childJSON struct {
	Name        string `json:"name"`
	NumChildren int32  `json:"numChildren"`
	DataLength  int32  `json:"dataLength"`
	Ephemeral   bool   `json:"ephemeral"`
}

// handleChildren lists a znode's children, sorted, with their child
// counts (the first maxChildStats of them).
func (c *Console) handleChildren(w http.ResponseWriter, r *http.Request, b *browser) {
	p, ok := pathArg(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	var names []string
	var out []childJSON
	err := b.call(ctx, func(cl api.Client) error {
		var err error
		names, _, err = cl.Children(ctx, p)
		if err != nil {
			return err
		}
		slices.Sort(names)
		n := min(len(names), maxChildStats)
		out = make([]childJSON, n)
		var wg sync.WaitGroup
		sem := make(chan struct{}, 16)
		for i := range n {
			out[i].Name = names[i]
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				st, err := cl.Exists(ctx, path.Join(p, names[i]))
				if err == nil && st != nil {
					out[i].NumChildren, out[i].DataLength, out[i].Ephemeral = st.NumChildren, st.DataLength, st.EphemeralOwner != 0
				}
			}()
		}
		wg.Wait()
		return nil
	})
	if err != nil {
		c.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"path": p, "children": out, "total": len(names), "truncated": len(names) > len(out)})
}

type nodeJSON struct {
	Path string    `json:"path"`
	Data []byte    `json:"data"` // base64
	Stat *statJSON `json:"stat"`
	ACL  []aclJSON `json:"acl"`
}

func getNode(ctx context.Context, cl api.Client, p string) (*nodeJSON, error) {
	data, st, err := cl.Get(ctx, p)
	if err != nil {
		return nil, err
	}
	n := &nodeJSON{Path: p, Data: data, Stat: statOf(st)}
	if acl, _, err := cl.GetACL(ctx, p); err == nil {
		n.ACL = aclsOf(acl)
	}
	if n.Data == nil {
		n.Data = []byte{}
	}
	return n, nil
}

// handleGet returns a znode's data, Stat and ACL.
func (c *Console) handleGet(w http.ResponseWriter, r *http.Request, b *browser) {
	p, ok := pathArg(w, r)
	if !ok {
		return
	}
	var n *nodeJSON
	err := b.call(r.Context(), func(cl api.Client) (err error) {
		n, err = getNode(r.Context(), cl, p)
		return err
	})
	if err != nil {
		c.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}

// handleCount returns the number of znodes a recursive delete would remove.
func (c *Console) handleCount(w http.ResponseWriter, r *http.Request, b *browser) {
	p, ok := pathArg(w, r)
	if !ok {
		return
	}
	var n int32
	err := b.call(r.Context(), func(cl api.Client) error {
		var err error
		n, err = cl.GetAllChildrenNumber(r.Context(), p)
		return err
	})
	if err != nil {
		c.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"path": p, "count": n + 1})
}

// handleSet replaces a znode's data if its version matches; a BadVersion
// answer carries the current value.
func (c *Console) handleSet(w http.ResponseWriter, r *http.Request, b *browser) {
	var req struct {
		Path    string `json:"path"`
		Data    []byte `json:"data"`
		Version int32  `json:"version"`
	}
	if !decode(w, r, &req) {
		return
	}
	ctx := r.Context()
	var st *api.Stat
	var cur *nodeJSON
	err := b.call(ctx, func(cl api.Client) error {
		var err error
		st, err = cl.Set(ctx, req.Path, req.Data, req.Version)
		if errors.Is(err, api.ErrBadVersion) {
			cur, _ = getNode(ctx, cl, req.Path)
		}
		return err
	})
	if errors.Is(err, api.ErrBadVersion) {
		writeJSON(w, http.StatusConflict, map[string]any{"error": "BadVersion", "code": int32(api.ErrBadVersion),
			"message": "the znode changed since it was read", "current": cur})
		return
	}
	if err != nil {
		c.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"path": req.Path, "stat": statOf(st)})
}

var modes = map[string]api.CreateMode{}

func init() {
	for m := api.ModePersistent; m.Valid(); m++ {
		modes[m.String()] = m
	}
}

// handleCreate creates a znode in any mode; an ephemeral is held by the
// browser session's ZooKeeper session.
func (c *Console) handleCreate(w http.ResponseWriter, r *http.Request, b *browser) {
	var req struct {
		Path  string    `json:"path"`
		Data  []byte    `json:"data"`
		Mode  string    `json:"mode"`
		TTLMs int64     `json:"ttlMs"`
		ACL   []aclJSON `json:"acl"`
	}
	if !decode(w, r, &req) {
		return
	}
	mode, ok := modes[req.Mode]
	if req.Mode == "" {
		mode, ok = api.ModePersistent, true
	}
	if !ok {
		writeErr(w, http.StatusBadRequest, "BadArguments", "unknown mode "+strconv.Quote(req.Mode))
		return
	}
	acl, err := aclsFrom(req.ACL)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "InvalidACL", err.Error())
		return
	}
	var ttl time.Duration
	if mode.IsTTL() {
		ttl = time.Duration(req.TTLMs) * time.Millisecond
	}
	ctx := r.Context()
	var name string
	var st *api.Stat
	err = b.call(ctx, func(cl api.Client) error {
		var err error
		name, st, err = cl.Create2(ctx, req.Path, req.Data, acl, mode, ttl)
		return err
	})
	if err != nil {
		c.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"path": name, "stat": statOf(st), "mode": mode.String()})
}

// handleDelete deletes a znode, or with recursive=1 its whole subtree
// (deepest first), and says how many znodes went.
func (c *Console) handleDelete(w http.ResponseWriter, r *http.Request, b *browser) {
	p, ok := pathArg(w, r)
	if !ok {
		return
	}
	if p == "/" {
		writeErr(w, http.StatusBadRequest, "BadArguments", "the root cannot be deleted")
		return
	}
	q := r.URL.Query()
	version := int32(-1)
	if v := q.Get("version"); v != "" {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			writeErr(w, http.StatusBadRequest, "BadArguments", "bad version")
			return
		}
		version = int32(n)
	}
	ctx := r.Context()
	deleted := 0
	err := b.call(ctx, func(cl api.Client) error {
		if q.Get("recursive") != "1" {
			err := cl.Delete(ctx, p, version)
			if err == nil {
				deleted = 1
			}
			return err
		}
		var all []string
		var walk func(string) error
		walk = func(x string) error {
			if len(all) >= maxDeleteNodes {
				return fmt.Errorf("more than %d znodes under %s: delete it in parts", maxDeleteNodes, p)
			}
			all = append(all, x)
			kids, _, err := cl.Children(ctx, x)
			if errors.Is(err, api.ErrNoNode) && x != p {
				return nil
			}
			if err != nil {
				return err
			}
			for _, k := range kids {
				if err := walk(path.Join(x, k)); err != nil {
					return err
				}
			}
			return nil
		}
		if err := walk(p); err != nil {
			return err
		}
		for i := len(all) - 1; i >= 0; i-- {
			v := int32(-1)
			if i == 0 {
				v = version
			}
			err := cl.Delete(ctx, all[i], v)
			if errors.Is(err, api.ErrNoNode) && i > 0 {
				continue
			}
			if err != nil {
				return err
			}
			deleted++
		}
		return nil
	})
	if err != nil {
		var code api.Code
		if !errors.As(err, &code) && !errors.Is(err, errClosed) {
			writeErr(w, http.StatusBadRequest, "TooLarge", err.Error())
			return
		}
		c.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"path": p, "deleted": deleted})
}

// handleSetACL replaces a znode's ACL if its ACL version matches.
func (c *Console) handleSetACL(w http.ResponseWriter, r *http.Request, b *browser) {
	var req struct {
		Path    string    `json:"path"`
		ACL     []aclJSON `json:"acl"`
		Version int32     `json:"version"`
	}
	if !decode(w, r, &req) {
		return
	}
	if len(req.ACL) == 0 {
		writeErr(w, http.StatusBadRequest, "InvalidACL", "an ACL needs at least one entry")
		return
	}
	acl, err := aclsFrom(req.ACL)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "InvalidACL", err.Error())
		return
	}
	var st *api.Stat
	err = b.call(r.Context(), func(cl api.Client) error {
		var err error
		st, err = cl.SetACL(r.Context(), req.Path, acl, req.Version)
		return err
	})
	if err != nil {
		c.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"path": req.Path, "stat": statOf(st)})
}

type credentials struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// handleDigest computes a digest identity: user:base64(sha1(user:password)).
func (c *Console) handleDigest(w http.ResponseWriter, r *http.Request, b *browser) {
	var req credentials
	if !decode(w, r, &req) {
		return
	}
	if req.User == "" || strings.Contains(req.User, ":") {
		writeErr(w, http.StatusBadRequest, "BadArguments", "a user name is needed, without ':'")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": api.DigestID(req.User, req.Password)})
}

// handleLogin adds a digest identity to the browser session (addAuth), for
// this and every later ZooKeeper session of it.
func (c *Console) handleLogin(w http.ResponseWriter, r *http.Request, b *browser) {
	var req credentials
	if !decode(w, r, &req) {
		return
	}
	if req.User == "" || strings.Contains(req.User, ":") {
		writeErr(w, http.StatusBadRequest, "BadArguments", "a user name is needed, without ':'")
		return
	}
	cred := req.User + ":" + req.Password
	err := b.call(r.Context(), func(cl api.Client) error {
		return cl.AddAuth(r.Context(), "digest", []byte(cred))
	})
	if err != nil {
		c.fail(w, err)
		return
	}
	b.mu.Lock()
	b.auth = append(b.auth, cred)
	if !slices.Contains(b.users, req.User) {
		b.users = append(b.users, req.User)
	}
	users := slices.Clone(b.users)
	b.mu.Unlock()
	c.log.Info("console: digest login", "user", req.User)
	writeJSON(w, http.StatusOK, map[string]any{"users": users})
}

// handleLogout forgets the credentials and closes the ZooKeeper session
// (ZooKeeper cannot remove an identity from a session); the next call opens
// a new one. The session's ephemerals go with it.
func (c *Console) handleLogout(w http.ResponseWriter, r *http.Request, b *browser) {
	b.reset(nil, nil)
	writeJSON(w, http.StatusOK, map[string]any{"users": []string{}})
}

// handleSearch walks the subtree under path breadth first and returns the
// paths matching glob: against the full path if glob starts with "/", else
// against the znode's name ("*" and "?" as in path.Match, but "*" also
// crosses "/" in a full-path glob). The walk is bounded in znodes and time.
func (c *Console) handleSearch(w http.ResponseWriter, r *http.Request, b *browser) {
	p, ok := pathArg(w, r)
	if !ok {
		return
	}
	glob := r.URL.Query().Get("glob")
	if glob == "" {
		writeErr(w, http.StatusBadRequest, "BadArguments", "no glob")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), searchTimeLimit)
	defer cancel()
	var hits []string
	visited, complete := 0, true
	err := b.call(ctx, func(cl api.Client) error {
		queue := []string{p}
		for len(queue) > 0 {
			if visited >= maxSearchVisits || len(hits) >= maxSearchHits || ctx.Err() != nil {
				complete = false
				return nil
			}
			x := queue[0]
			queue = queue[1:]
			visited++
			subject := path.Base(x)
			if strings.HasPrefix(glob, "/") {
				subject = x
			}
			if match.Match(subject, glob) {
				hits = append(hits, x)
			}
			kids, _, err := cl.Children(ctx, x)
			if errors.Is(err, api.ErrNoNode) || errors.Is(err, api.ErrNoAuth) {
				continue
			}
			if err != nil {
				if ctx.Err() != nil {
					complete = false
					return nil
				}
				return err
			}
			slices.Sort(kids)
			for _, k := range kids {
				queue = append(queue, path.Join(x, k))
			}
		}
		return nil
	})
	if err != nil {
		c.fail(w, err)
		return
	}
	if hits == nil {
		hits = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"path": p, "glob": glob, "matches": hits, "visited": visited, "complete": complete})
}
