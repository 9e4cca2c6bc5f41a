// Package cli is zkembed's command-line client: ls, get, set, create,
// delete, stat, tree, watch, getacl, setacl, export and import, against
// zkembed or any Apache ZooKeeper, through zkembed's wire client
// (transport.Dial).
//
// Each command takes --server (a connect string, "host:port,host:port/chroot"),
// --auth scheme:credential (repeatable), --json and --timeout; flags may come
// before or after the arguments.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/transport"
)

// DefaultServer is the connect string used without --server and
// $ZKEMBED_SERVER.
const DefaultServer = "127.0.0.1:2181"

// IO are a command's streams.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
	// Progress, if not nil, overrides whether export and import draw a
	// progress bar (by default: when Err is a terminal).
	Progress *bool
}

// UsageError is a wrong command line: exit status 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// ConnectError is a failure to reach the server or a lost session: exit
// status 3.
type ConnectError struct{ Err error }

func (e *ConnectError) Error() string { return e.Err.Error() }
func (e *ConnectError) Unwrap() error { return e.Err }

// OpError is an operation the server answered with a ZooKeeper error: exit
// status 1. Its message is "<command> <path>: <ZooKeeper error name>".
type OpError struct {
	Cmd, Path string
	Err       error
}

func (e *OpError) Error() string {
	return e.Cmd + " " + e.Path + ": " + errName(e.Err)
}
func (e *OpError) Unwrap() error { return e.Err }

// errName is ZooKeeper's name of err's code, or err's text.
func errName(err error) string {
	var c api.Code
	if errors.As(err, &c) {
		return c.Name()
	}
	return err.Error()
}

// Commands are the client commands, with one line of help each.
var Commands = map[string]struct {
	Args, Help string
	run        func(*env) error
}{
	"ls":     {"PATH", "list the children of a znode, sorted", cmdLs},
	"get":    {"PATH", "print a znode's data (--stat adds its Stat)", cmdGet},
	"set":    {"PATH DATA|-", "replace a znode's data (- reads stdin; --version)", cmdSet},
	"create": {"PATH [DATA|-]", "create a znode (--ephemeral holds it until interrupted, --sequential, --container, --ttl, --acl)", cmdCreate},
	"delete": {"PATH", "delete a znode (--recursive deletes its subtree; --version)", cmdDelete},
	"stat":   {"PATH", "print a znode's Stat", cmdStat},
	"tree":   {"[PATH]", "print the subtree under PATH (default /)", cmdTree},
	"watch":  {"PATH", "print the events under PATH until interrupted (--recursive, or the znode only)", cmdWatch},
	"getacl": {"PATH", "print a znode's ACL, one scheme:id:perms per line", cmdGetACL},
	"setacl": {"PATH ACL", "replace a znode's ACL: scheme:id:perms[,...], perms from cdrwa (--version)", cmdSetACL},
	"export": {"[PATH] FILE", "write the subtree under PATH (default /) to a JSON file, ephemerals excluded", cmdExport},
	"import": {"FILE [PATH]", "create the znodes of an export under PATH (default /), in batches; resumable", cmdImport},
}

// Is reports whether name is a client command.
func Is(name string) bool {
	_, ok := Commands[name]
	return ok
}

// Usage writes the client commands' summary to w.
func Usage(w io.Writer) {
	names := make([]string, 0, len(Commands))
	for n := range Commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := Commands[n]
		fmt.Fprintf(w, "  %-7s %-14s %s\n", n, c.Args, c.Help)
	}
}

// env is one command's context: its flags, arguments and connection.
type env struct {
	ctx   context.Context
	name  string
	usage string // the command's arguments, for errors
	io    IO
	fs    *flag.FlagSet
	args  []string
	json  bool
	conn  string
	auth  []string
	tmo   time.Duration
	flags struct {
		stat, recursive, ephemeral, sequential, container bool
		version                                           int
		ttl                                               time.Duration
		acl                                               string
		batch                                             int
		progress                                          bool
	}
	client *transport.Client
}

type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

// Run runs the client command name with args. It returns nil, or a
// *UsageError, *ConnectError, *OpError or other error.
func Run(ctx context.Context, name string, args []string, io IO) error {
	c, ok := Commands[name]
	if !ok {
		return &UsageError{"unknown command " + strconv.Quote(name)}
	}
	e := &env{ctx: ctx, name: name, usage: c.Args, io: io}
	fs := flag.NewFlagSet("zkembed "+name, flag.ContinueOnError)
	fs.SetOutput(io.Err)
	fs.Usage = func() {
		fmt.Fprintf(io.Err, "usage: zkembed %s [flags] %s\n  %s\nflags:\n", name, c.Args, c.Help)
		fs.PrintDefaults()
	}
	server := os.Getenv("ZKEMBED_SERVER")
	if server == "" {
		server = DefaultServer
	}
	fs.StringVar(&e.conn, "server", server, "connect `string` host:port[,host:port...][/chroot] (default $ZKEMBED_SERVER or "+DefaultServer+")")
	fs.Var((*stringsFlag)(&e.auth), "auth", "credential `scheme:credential` (e.g. digest:user:password); repeatable")
	fs.BoolVar(&e.json, "json", false, "print JSON")
	fs.DurationVar(&e.tmo, "timeout", 10*time.Second, "session and connect timeout")
	switch name {
	case "get":
		fs.BoolVar(&e.flags.stat, "stat", false, "print the Stat too")
	case "set", "delete", "setacl":
		fs.IntVar(&e.flags.version, "version", -1, "expected version (-1: any)")
	}
	switch name {
	case "delete":
		fs.BoolVar(&e.flags.recursive, "recursive", false, "delete the whole subtree")
	case "watch":
		fs.BoolVar(&e.flags.recursive, "recursive", false, "watch the whole subtree (persistent-recursive watch)")
	case "create":
		fs.BoolVar(&e.flags.ephemeral, "ephemeral", false, "ephemeral: the znode lives until this command is interrupted")
		fs.BoolVar(&e.flags.sequential, "sequential", false, "append a 10-digit sequence number to the name")
		fs.BoolVar(&e.flags.container, "container", false, "container: deleted by the server once its last child goes")
		fs.DurationVar(&e.flags.ttl, "ttl", 0, "time to live of a persistent znode without children (needs extendedTypesEnabled)")
		fs.StringVar(&e.flags.acl, "acl", "", "ACL `scheme:id:perms[,...]` (default world:anyone:cdrwa)")
	case "import":
		fs.IntVar(&e.flags.batch, "batch", 500, "znodes per multi request")
	}
	switch name {
	case "export", "import":
		def := isTerminal(io.Err)
		if io.Progress != nil {
			def = *io.Progress
		}
		fs.BoolVar(&e.flags.progress, "progress", def, "draw a progress bar on stderr (default: when stderr is a terminal)")
	}
	e.fs = fs
	var err error
	if e.args, err = parseInterleaved(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &UsageError{err.Error()}
	}
	return c.run(e)
}

// parseInterleaved parses flags anywhere among the arguments; "--" ends
// the flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// want checks the number of arguments.
func (e *env) want(lo, hi int) error {
	if len(e.args) < lo || len(e.args) > hi {
		return &UsageError{fmt.Sprintf("zkembed %s: want %s, got %d argument(s)", e.name, e.usage, len(e.args))}
	}
	return nil
}

// open checks the command has from lo to hi arguments, then dials.
func (e *env) open(lo, hi int) (*transport.Client, error) {
	if err := e.want(lo, hi); err != nil {
		return nil, err
	}
	return e.dial()
}

// dial opens the session.
func (e *env) dial() (*transport.Client, error) {
	opts := []transport.ClientOption{
		transport.WithSessionTimeout(e.tmo),
		transport.WithConnectTimeout(e.tmo),
	}
	for _, a := range e.auth {
		scheme, cred, ok := strings.Cut(a, ":")
		if !ok || scheme == "" {
			return nil, &UsageError{fmt.Sprintf("--auth %q: want scheme:credential", a)}
		}
		opts = append(opts, transport.WithAuth(scheme, []byte(cred)))
	}
	c, err := transport.Dial(e.ctx, e.conn, opts...)
	if err != nil {
		if errors.Is(err, api.ErrAuthFailed) {
			return nil, &OpError{Cmd: "auth", Path: strings.Join(e.auth, ","), Err: api.ErrAuthFailed}
		}
		return nil, &ConnectError{fmt.Errorf("connect to %s: %w", e.conn, err)}
	}
	e.client = c
	return c, nil
}

// fail wraps an operation's error: ZooKeeper's name for a server's answer,
// a ConnectError for a lost connection or session.
func (e *env) fail(path string, err error) error {
	if err == nil {
		return nil
	}
	var c api.Code
	if errors.As(err, &c) {
		switch c {
		case api.ErrConnectionLoss, api.ErrSessionExpired, api.ErrOperationTimeout:
			return &ConnectError{fmt.Errorf("%s %s: %s", e.name, path, c.Name())}
		}
		return &OpError{Cmd: e.name, Path: path, Err: c}
	}
	if e.ctx.Err() != nil {
		return &ConnectError{fmt.Errorf("%s %s: interrupted", e.name, path)}
	}
	return &ConnectError{fmt.Errorf("%s %s: %w", e.name, path, err)}
}

func (e *env) printJSON(v any) error {
	enc := json.NewEncoder(e.io.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
