package engine

import (
	"log/slog"
	"sync"
	"time"
)

// Clock tells the engine the time. Session expiry, TTL expiry and container
// reaping read it.
type Clock interface {
	Now() time.Time
}

// wallClock is the real time.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// ManualClock is a Clock that moves only when told to: tests use it to make
// expiry happen without sleeping. Its zero value starts at the Unix epoch; use
// NewManualClock to start elsewhere. It is safe for concurrent use.
type ManualClock struct {
	mu  sync.Mutex // guards now
	now time.Time
}

// NewManualClock returns a ManualClock set to t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Options configure an Engine. The zero value is an in-memory engine with
// ZooKeeper's defaults.
type Options struct {
	// Dir is the Badger directory for durable storage. Empty means
	// in-memory: nothing is written anywhere and everything is gone on
	// Close.
	Dir string
	// NoSync turns off the fsync of each group commit on disk: faster, but
	// acknowledged writes can be lost on power loss (not on a process
	// crash). Ignored in memory.
	NoSync bool
	// Clock is the engine's time. Nil means the wall clock, with a
	// background goroutine that expires sessions every tick and reaps
	// containers and TTL nodes every ContainerCheckInterval. With a Clock
	// set, nothing runs in the background: call Engine.Tick after moving
	// the clock.
	Clock Clock
	// Logger receives the engine's log lines. Nil discards them.
	Logger *slog.Logger
	// TickTime is ZooKeeper's tickTime (default 2s). Session timeouts are
	// bounded by MinSessionTimeout and MaxSessionTimeout, which default to
	// 2 and 20 ticks.
	TickTime          time.Duration
	MinSessionTimeout time.Duration
	MaxSessionTimeout time.Duration
	// ContainerCheckInterval is how often empty containers and expired TTL
	// nodes are deleted (default 60s, as znode.container.checkIntervalMs).
	ContainerCheckInterval time.Duration
	// MaxDataSize is the largest znode data accepted (default 1,048,575
	// bytes, ZooKeeper's jute.maxbuffer default).
	MaxDataSize int
	// DisableTTL turns TTL create modes off (they then fail with
	// ErrUnimplemented, as ZooKeeper does without extendedTypesEnabled).
	DisableTTL bool
	// SuperDigest is "super:<base64 sha1>" (as
	// zookeeper.DigestAuthenticationProvider.superDigest); a session that
	// authenticates with the matching digest credential may do anything.
	SuperDigest string
	// MaxBatch bounds how many writes one group commit takes (default
	// 1000).
	MaxBatch int
	// BadgerMemTableSize is Badger's memtable size on disk (default 16
	// MiB). Each memtable is that much memory; larger ones flush less
	// often. It also bounds a group commit to about 7% of it.
	BadgerMemTableSize int64
	// MinFreeDisk is the free space a durable engine keeps on its
	// filesystem: a write that would leave less fails with ErrSystemError
	// (and a log line), reads go on, and writes resume once there is room.
	// Badger writes its memtables, tables and value log through memory
	// maps of sparse files, and a page the filesystem cannot back kills
	// the process, so the reserve must cover what Badger may write on its
	// own (flushes and compactions). Default 8 memtables; negative turns
	// the check off.
	MinFreeDisk int64

	valueLogFileSize int64 // Badger's; tests make it small
}

func (o *Options) setDefaults() {
	if o.Clock == nil {
		o.Clock = wallClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.TickTime <= 0 {
		o.TickTime = 2 * time.Second
	}
	if o.MinSessionTimeout <= 0 {
		o.MinSessionTimeout = 2 * o.TickTime
	}
	if o.MaxSessionTimeout <= 0 {
		o.MaxSessionTimeout = 20 * o.TickTime
	}
	if o.ContainerCheckInterval <= 0 {
		o.ContainerCheckInterval = 60 * time.Second
	}
	if o.MaxDataSize <= 0 {
		o.MaxDataSize = 1<<20 - 1
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 1000
	}
	if o.BadgerMemTableSize <= 0 {
		o.BadgerMemTableSize = 16 << 20
	}
	if o.valueLogFileSize <= 0 {
		o.valueLogFileSize = 64 << 20
	}
	if o.MinFreeDisk == 0 {
		o.MinFreeDisk = 8 * o.BadgerMemTableSize
	}
}
