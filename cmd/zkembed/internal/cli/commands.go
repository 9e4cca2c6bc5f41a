package cli

import (
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zkembed/zkembed/api"
)

// StatJSON is a Stat as --json prints it, with ZooKeeper's field names.
type StatJSON struct {
	Czxid          int64 `json:"czxid"`
	Mzxid          int64 `json:"mzxid"`
	Ctime          int64 `json:"ctime"`
	Mtime          int64 `json:"mtime"`
	Version        int32 `json:"version"`
	Cversion       int32 `json:"cversion"`
	Aversion       int32 `json:"aversion"`
	EphemeralOwner int64 `json:"ephemeralOwner"`
	DataLength     int32 `json:"dataLength"`
	NumChildren    int32 `json:"numChildren"`
	Pzxid          int64 `json:"pzxid"`
}

func statJSON(s *api.Stat) *StatJSON {
	if s == nil {
		return nil
	}
	return &StatJSON{int64(s.Czxid), int64(s.Mzxid), s.Ctime, s.Mtime, s.Version, s.Cversion,
		s.Aversion, int64(s.EphemeralOwner), s.DataLength, s.NumChildren, int64(s.Pzxid)}
}

// writeStat prints s as zkCli's stat does.
func writeStat(w io.Writer, s *api.Stat) {
	ms := func(t int64) string { return time.UnixMilli(t).UTC().Format("Mon Jan 02 15:04:05 MST 2006") }
	fmt.Fprintf(w, "cZxid = 0x%x\nctime = %s\nmZxid = 0x%x\nmtime = %s\npZxid = 0x%x\n"+
		"cversion = %d\ndataVersion = %d\naclVersion = %d\nephemeralOwner = 0x%x\ndataLength = %d\nnumChildren = %d\n",
		int64(s.Czxid), ms(s.Ctime), int64(s.Mzxid), ms(s.Mtime), int64(s.Pzxid),
		s.Cversion, s.Version, s.Aversion, uint64(s.EphemeralOwner), s.DataLength, s.NumChildren)
}

// readData returns the data argument: "-" reads stdin.
func (e *env) readData(arg string) ([]byte, error) {
	if arg != "-" {
		return []byte(arg), nil
	}
	if e.io.In == nil {
		return nil, nil
	}
	return io.ReadAll(e.io.In)
}

func cmdLs(e *env) error {
	c, err := e.open(1, 1)
	if err != nil {
		return err
	}
	defer c.Close()
	kids, _, err := c.Children(e.ctx, e.args[0])
	if err != nil {
		return e.fail(e.args[0], err)
	}
	slices.Sort(kids)
	if e.json {
		if kids == nil {
			kids = []string{}
		}
		return e.printJSON(kids)
	}
	for _, k := range kids {
		fmt.Fprintln(e.io.Out, k)
	}
	return nil
}

func cmdGet(e *env) error {
	c, err := e.open(1, 1)
	if err != nil {
		return err
	}
	defer c.Close()
	data, st, err := c.Get(e.ctx, e.args[0])
	if err != nil {
		return e.fail(e.args[0], err)
	}
	if e.json {
		out := struct {
			Path       string    `json:"path"`
			Data       *string   `json:"data"`
			DataBase64 []byte    `json:"dataBase64"`
			Stat       *StatJSON `json:"stat,omitempty"`
		}{Path: e.args[0], DataBase64: data}
		if utf8.Valid(data) {
			s := string(data)
			out.Data = &s
		}
		if e.flags.stat {
			out.Stat = statJSON(st)
		}
		return e.printJSON(out)
	}
	e.io.Out.Write(data)
	if len(data) > 0 && data[len(data)-1] != '\n' {
		fmt.Fprintln(e.io.Out)
	}
	if e.flags.stat {
		writeStat(e.io.Out, st)
	}
	return nil
}

func cmdSet(e *env) error {
	if err := e.want(2, 2); err != nil {
		return err
	}
	data, err := e.readData(e.args[1])
	if err != nil {
		return err
	}
	c, err := e.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	st, err := c.Set(e.ctx, e.args[0], data, int32(e.flags.version))
	if err != nil {
		return e.fail(e.args[0], err)
	}
	return e.printWritten(e.args[0], st)
}

func cmdCreate(e *env) error {
	if err := e.want(1, 2); err != nil {
		return err
	}
	var data []byte
	if len(e.args) == 2 {
		var err error
		if data, err = e.readData(e.args[1]); err != nil {
			return err
		}
	}
	f := e.flags
	n := 0
	for _, b := range []bool{f.ephemeral, f.container, f.ttl > 0} {
		if b {
			n++
		}
	}
	if n > 1 || (f.container && f.sequential) {
		return &UsageError{"zkembed create: --ephemeral, --container and --ttl exclude one another, and --container excludes --sequential"}
	}
	if f.ttl < 0 {
		return &UsageError{"zkembed create: --ttl must be positive"}
	}
	mode := api.ModePersistent
	switch {
	case f.ephemeral && f.sequential:
		mode = api.ModeEphemeralSequential
	case f.ephemeral:
		mode = api.ModeEphemeral
	case f.container:
		mode = api.ModeContainer
	case f.ttl > 0 && f.sequential:
		mode = api.ModePersistentSequentialWithTTL
	case f.ttl > 0:
		mode = api.ModePersistentWithTTL
	case f.sequential:
		mode = api.ModePersistentSequential
	}
	acl := api.OpenACLUnsafe
	if f.acl != "" {
		var err error
		if acl, err = ParseACL(f.acl); err != nil {
			return &UsageError{"zkembed create: --acl: " + err.Error()}
		}
	}
	c, err := e.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	name, st, err := c.Create2(e.ctx, e.args[0], data, acl, mode, f.ttl)
	if err != nil {
		return e.fail(e.args[0], err)
	}
	if e.json {
		e.printJSON(struct {
			Path string    `json:"path"`
			Mode string    `json:"mode"`
			Stat *StatJSON `json:"stat"`
		}{name, mode.String(), statJSON(st)})
	} else {
		fmt.Fprintln(e.io.Out, name)
	}
	if mode.IsEphemeral() {
		// The znode lives as long as this session: hold it until the
		// command is interrupted, then close the session (deleting it).
		fmt.Fprintf(e.io.Err, "holding ephemeral %s (session %s) until interrupted\n", name, c.SessionID())
		<-e.ctx.Done()
	}
	return nil
}

func cmdDelete(e *env) error {
	if err := e.want(1, 1); err != nil {
		return err
	}
	p := e.args[0]
	if e.flags.recursive && e.flags.version != -1 {
		return &UsageError{"zkembed delete: --recursive and --version exclude one another"}
	}
	c, err := e.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	if !e.flags.recursive {
		return e.fail(p, c.Delete(e.ctx, p, int32(e.flags.version)))
	}
	// Depth first, children before parents; a znode that went meanwhile
	// is not an error.
	var del func(p string) error
	del = func(p string) error {
		kids, _, err := c.Children(e.ctx, p)
		if err != nil {
			return err
		}
		for _, k := range kids {
			if err := del(path.Join(p, k)); err != nil && !errors.Is(err, api.ErrNoNode) {
				return err
			}
		}
		if p == "/" || p == "/zookeeper" || strings.HasPrefix(p, "/zookeeper/") {
			return nil // ZooKeeper's own znodes cannot be deleted
		}
		return c.Delete(e.ctx, p, -1)
	}
	if err := del(p); err != nil {
		return e.fail(p, err)
	}
	return nil
}

func cmdStat(e *env) error {
	c, err := e.open(1, 1)
	if err != nil {
		return err
	}
	defer c.Close()
	st, err := c.Exists(e.ctx, e.args[0])
	if err == nil && st == nil {
		err = api.ErrNoNode
	}
	if err != nil {
		return e.fail(e.args[0], err)
	}
	if e.json {
		return e.printJSON(statJSON(st))
	}
	writeStat(e.io.Out, st)
	return nil
}

// TreeNode is a znode of tree --json.
type TreeNode struct {
	Name     string      `json:"name"`
	Path     string      `json:"path"`
	Children []*TreeNode `json:"children,omitempty"`
}

func cmdTree(e *env) error {
	if err := e.want(0, 1); err != nil {
		return err
	}
	root := "/"
	if len(e.args) == 1 {
		root = e.args[0]
	}
	c, err := e.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	var walk func(p string) (*TreeNode, error)
	walk = func(p string) (*TreeNode, error) {
		kids, _, err := c.Children(e.ctx, p)
		if err != nil {
			return nil, err
		}
		slices.Sort(kids)
		n := &TreeNode{Name: path.Base(p), Path: p}
		for _, k := range kids {
			child, err := walk(path.Join(p, k))
			if errors.Is(err, api.ErrNoNode) {
				continue // deleted meanwhile
			}
			if err != nil {
				return nil, err
			}
			n.Children = append(n.Children, child)
		}
		return n, nil
	}
	t, err := walk(root)
	if err != nil {
		return e.fail(root, err)
	}
	if e.json {
		return e.printJSON(t)
	}
	var print func(n *TreeNode, prefix string)
	print = func(n *TreeNode, prefix string) {
		for i, k := range n.Children {
			branch, next := "├── ", "│   "
			if i == len(n.Children)-1 {
				branch, next = "└── ", "    "
			}
			fmt.Fprintln(e.io.Out, prefix+branch+k.Name)
			print(k, prefix+next)
		}
	}
	fmt.Fprintln(e.io.Out, t.Path)
	print(t, "")
	return nil
}

func cmdWatch(e *env) error {
	c, err := e.open(1, 1)
	if err != nil {
		return err
	}
	defer c.Close()
	mode := api.AddWatchPersistent
	if e.flags.recursive {
		mode = api.AddWatchPersistentRecursive
	}
	events, err := c.AddWatch(e.ctx, e.args[0], mode)
	if err != nil {
		return e.fail(e.args[0], err)
	}
	fmt.Fprintf(e.io.Err, "watching %s (%s); interrupt to stop\n", e.args[0], map[bool]string{true: "recursive", false: "the znode and its children list"}[e.flags.recursive])
	for {
		select {
		case <-e.ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				return &ConnectError{fmt.Errorf("watch %s: session ended", e.args[0])}
			}
			if ev.Type == api.EventNone {
				if ev.State == api.StateExpired || ev.State == api.StateClosed || ev.State == api.StateAuthFailed {
					return &ConnectError{fmt.Errorf("watch %s: session %s", e.args[0], ev.State)}
				}
				continue
			}
			if e.json {
				e.printLine(struct {
					Type string `json:"type"`
					Path string `json:"path"`
					Zxid int64  `json:"zxid"`
				}{ev.Type.String(), ev.Path, int64(ev.Zxid)})
			} else {
				fmt.Fprintf(e.io.Out, "%s %s\n", ev.Type, ev.Path)
			}
		}
	}
}

// printLine prints v as one line of JSON (JSON Lines, for streams).
func (e *env) printLine(v any) {
	b, _ := jsonMarshal(v)
	e.io.Out.Write(append(b, '\n'))
}

// ACLJSON is an ACL entry as --json and export write it.
type ACLJSON struct {
	Scheme string `json:"scheme"`
	ID     string `json:"id"`
	Perms  string `json:"perms"`
}

func aclJSON(acl []api.ACL) []ACLJSON {
	out := make([]ACLJSON, len(acl))
	for i, a := range acl {
		out[i] = ACLJSON{a.Scheme, a.ID, a.Perms.String()}
	}
	return out
}

func cmdGetACL(e *env) error {
	c, err := e.open(1, 1)
	if err != nil {
		return err
	}
	defer c.Close()
	acl, _, err := c.GetACL(e.ctx, e.args[0])
	if err != nil {
		return e.fail(e.args[0], err)
	}
	if e.json {
		return e.printJSON(aclJSON(acl))
	}
	for _, a := range acl {
		fmt.Fprintln(e.io.Out, FormatACL(a))
	}
	return nil
}

func cmdSetACL(e *env) error {
	if err := e.want(2, 2); err != nil {
		return err
	}
	acl, err := ParseACL(e.args[1])
	if err != nil {
		return &UsageError{"zkembed setacl: " + err.Error()}
	}
	c, err := e.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	st, err := c.SetACL(e.ctx, e.args[0], acl, int32(e.flags.version))
	if err != nil {
		return e.fail(e.args[0], err)
	}
	return e.printWritten(e.args[0], st)
}

// FormatACL formats an entry as scheme:id:perms, the form ParseACL reads.
func FormatACL(a api.ACL) string { return a.Scheme + ":" + a.ID + ":" + a.Perms.String() }

// ParseACL parses zkCli's ACL syntax: comma-separated scheme:id:perms
// entries, perms from the letters cdrwa. The id is everything between the
// first and the last colon, so digest ids (user:hash) and IPv6 addresses
// fit.
func ParseACL(s string) ([]api.ACL, error) {
	var out []api.ACL
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		i, j := strings.Index(part, ":"), strings.LastIndex(part, ":")
		if i <= 0 || j == i {
			return nil, fmt.Errorf("ACL entry %q: want scheme:id:perms", part)
		}
		perms, err := ParsePerms(part[j+1:])
		if err != nil {
			return nil, fmt.Errorf("ACL entry %q: %v", part, err)
		}
		out = append(out, api.ACL{Scheme: part[:i], ID: part[i+1 : j], Perms: perms})
	}
	return out, nil
}

// ParsePerms parses permission letters (cdrwa, any order) or a number.
func ParsePerms(s string) (api.Perm, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 || api.Perm(n)&^api.PermAll != 0 {
			return 0, fmt.Errorf("invalid permissions %d", n)
		}
		return api.Perm(n), nil
	}
	var p api.Perm
	for _, r := range s {
		switch r {
		case 'c':
			p |= api.PermCreate
		case 'd':
			p |= api.PermDelete
		case 'r':
			p |= api.PermRead
		case 'w':
			p |= api.PermWrite
		case 'a':
			p |= api.PermAdmin
		default:
			return 0, fmt.Errorf("invalid permission letter %q (want cdrwa)", r)
		}
	}
	return p, nil
}

// printWritten prints, with --json, the path and new Stat of a znode a
// command changed; without --json it prints nothing.
func (e *env) printWritten(path string, st *api.Stat) error {
	if !e.json {
		return nil
	}
	return e.printJSON(struct {
		Path string    `json:"path"`
		Stat *StatJSON `json:"stat"`
	}{path, statJSON(st)})
}
