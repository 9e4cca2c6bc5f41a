package zktest

import (
	"log/slog"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
)

// An Option configures a Server made by New or NewEnsemble.
type Option func(*config)

type config struct {
	dir        string
	realTime   bool
	start      time.Time
	tcp        bool
	minTimeout time.Duration
	maxTimeout time.Duration
	tickTime   time.Duration
	super      string // "user:password", empty for none
	seeds      []Znode
	logger     *slog.Logger
	engineOpts func(*engine.Options)
}

func defaultConfig() config {
	return config{tcp: true}
}

// WithDir stores the engine's data durably in dir (Badger) instead of only
// in memory, so Restart keeps the tree and the sessions. Pass t.TempDir()
// for a fresh store.
func WithDir(dir string) Option { return func(c *config) { c.dir = dir } }

// WithRealTime runs the engine on the wall clock: sessions expire and
// containers and TTL nodes are reaped by a background goroutine as time
// really passes, and Advance may not be called. The default is virtual
// time, which moves only when the test calls Advance.
func WithRealTime() Option { return func(c *config) { c.realTime = true } }

// WithStartTime sets the virtual clock's starting time (default: the wall
// clock when New runs). A fixed start makes ctime, mtime and session ids the
// same on every run.
func WithStartTime(t time.Time) Option { return func(c *config) { c.start = t } }

// WithoutTCP serves the engine only in memory: clients connect through
// Dialer, and no port is opened. Addr then returns a placeholder that only
// Dialer understands.
func WithoutTCP() Option { return func(c *config) { c.tcp = false } }

// WithSessionTimeouts bounds the session timeouts the server negotiates
// (ZooKeeper's minSessionTimeout and maxSessionTimeout; by default 4s and
// 40s, 2 and 20 ticks of 2s). A zero bound keeps its default.
func WithSessionTimeouts(min, max time.Duration) Option {
	return func(c *config) { c.minTimeout, c.maxTimeout = min, max }
}

// WithTickTime sets ZooKeeper's tickTime (default 2s), from which the
// default session timeout bounds derive.
func WithTickTime(d time.Duration) Option { return func(c *config) { c.tickTime = d } }

// WithSuperUser configures ZooKeeper's super user (the
// DigestAuthenticationProvider.superDigest property): a session that adds
// the digest credential "user:password" may do anything, whatever the ACLs.
func WithSuperUser(user, password string) Option {
	return func(c *config) { c.super = user + ":" + password }
}

// WithTree seeds the server with persistent znodes, open to everyone:
// path → data. Missing parents are created with empty data.
func WithTree(tree map[string]string) Option {
	return func(c *config) {
		for p, d := range tree {
			c.seeds = append(c.seeds, Znode{Path: p, Data: []byte(d)})
		}
	}
}

// WithZnodes seeds the server with znodes, created in the order given
// (missing parents are created first, persistent, empty and open).
// Ephemeral modes are refused: a seed has no session to own it.
func WithZnodes(nodes ...Znode) Option {
	return func(c *config) { c.seeds = append(c.seeds, nodes...) }
}

// WithLogger sends the engine's and the wire server's log lines to l. By
// default warnings and errors go to the test's log (t.Log) and the rest is
// discarded.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithEngineOptions lets fn adjust the engine's options after zktest has
// filled them in (for example ContainerCheckInterval, MaxDataSize or
// DisableTTL). fn must not change Dir or Clock: use WithDir and
// WithRealTime.
func WithEngineOptions(fn func(*engine.Options)) Option {
	return func(c *config) { c.engineOpts = fn }
}

// Znode is a znode to seed a server with (WithZnodes).
type Znode struct {
	Path string
	Data []byte
	// ACL defaults to api.OpenACLUnsafe.
	ACL []api.ACL
	// Mode is persistent, persistent sequential, container or a TTL mode;
	// the zero value is persistent.
	Mode api.CreateMode
	// TTL is the time to live of a TTL mode.
	TTL time.Duration
}
