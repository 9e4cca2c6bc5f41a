package api

import (
	"context"
	"time"
)

// Client is every ZooKeeper operation of one session. The direct engine
// session (engine.Engine.Session) and the wire client (transport.Dial)
// implement it, so code written against Client runs in-process, against a
// zkembed server, or against an Apache ZooKeeper ensemble.
//
// Paths are absolute ("/a/b") and relative to the client's chroot, if any.
// Errors are Codes, possibly wrapped; test them with errors.Is (for example
// errors.Is(err, api.ErrNoNode), or errors.Is(err, fs.ErrNotExist)).
//
// Context: a call whose ctx ends before the request is sent returns ctx's
// error and nothing happens. A write whose ctx ends after it was sent has an
// outcome unknown to the caller, exactly like ErrConnectionLoss on the wire:
// it may or may not have been applied.
//
// Watches: the W variants and AddWatch return a channel of events. A one-shot
// watch's channel receives exactly one event, then is closed: the change that
// fired it, EventDataWatchRemoved/EventChildWatchRemoved if it was removed
// with RemoveWatches, or an EventNone event whose State is StateExpired,
// StateClosed or StateAuthFailed when the session ends first. A persistent
// watch's channel (AddWatch) receives every matching event until the watch is
// removed (EventPersistentWatchRemoved) or the session ends, then is closed.
// Events of one session are delivered in zxid order; a slow reader delays
// only that session's later events.
type Client interface {
	// Create creates a znode and returns its name (with the sequence suffix
	// for sequential modes). TTL modes need Create2.
	Create(ctx context.Context, path string, data []byte, acl []ACL, mode CreateMode) (string, error)
	// Create2 is Create that also returns the new znode's Stat. ttl is the
	// time to live of a TTL mode and must be zero for the other modes.
	Create2(ctx context.Context, path string, data []byte, acl []ACL, mode CreateMode, ttl time.Duration) (string, *Stat, error)
	// Delete deletes a znode that has no children; version -1 matches any.
	Delete(ctx context.Context, path string, version int32) error
	// Exists returns the znode's Stat, or nil and no error if it does not
	// exist.
	Exists(ctx context.Context, path string) (*Stat, error)
	// ExistsW is Exists that also leaves a watch: a data watch if the znode
	// exists, otherwise an exist watch that fires on its creation.
	ExistsW(ctx context.Context, path string) (*Stat, <-chan Event, error)
	// Get returns a znode's data and Stat.
	Get(ctx context.Context, path string) ([]byte, *Stat, error)
	// GetW is Get that also leaves a data watch.
	GetW(ctx context.Context, path string) ([]byte, *Stat, <-chan Event, error)
	// Set replaces a znode's data if its version matches (-1 matches any)
	// and returns the new Stat.
	Set(ctx context.Context, path string, data []byte, version int32) (*Stat, error)
	// Children returns the names of a znode's children, in no particular
	// order, and its Stat.
	Children(ctx context.Context, path string) ([]string, *Stat, error)
	// ChildrenW is Children that also leaves a child watch.
	ChildrenW(ctx context.Context, path string) ([]string, *Stat, <-chan Event, error)
	// GetAllChildrenNumber returns the number of descendants of a znode.
	GetAllChildrenNumber(ctx context.Context, path string) (int32, error)
	// GetEphemerals returns the paths of the session's ephemerals under
	// prefix ("/" for all).
	GetEphemerals(ctx context.Context, prefix string) ([]string, error)
	// GetACL returns a znode's ACL and Stat.
	GetACL(ctx context.Context, path string) ([]ACL, *Stat, error)
	// SetACL replaces a znode's ACL if its ACL version matches (-1 matches
	// any) and returns the new Stat.
	SetACL(ctx context.Context, path string, acl []ACL, version int32) (*Stat, error)
	// Sync returns once every write committed before it is visible to this
	// session, with the path it was given.
	Sync(ctx context.Context, path string) (string, error)
	// Multi applies ops atomically. On failure nothing is applied, the error
	// is the first failing op's, and the results say what each op got (see
	// OpResult).
	Multi(ctx context.Context, ops ...Op) ([]OpResult, error)
	// MultiRead runs read ops against one state; each result stands alone.
	MultiRead(ctx context.Context, ops ...ReadOp) ([]OpResult, error)
	// AddWatch adds a persistent or persistent-recursive watch on path
	// (which need not exist).
	AddWatch(ctx context.Context, path string, mode AddWatchMode) (<-chan Event, error)
	// RemoveWatches removes this session's watches of the given type on
	// path; each removed watch's channel gets its removal event and closes.
	// ErrNoWatcher if there is none.
	RemoveWatches(ctx context.Context, path string, wt WatcherType) error
	// CheckWatches returns ErrNoWatcher unless this session has a watch of
	// the given type on path.
	CheckWatches(ctx context.Context, path string, wt WatcherType) error
	// AddAuth adds an identity to the session ("digest", "user:password").
	// A failed authentication ends the session with ErrAuthFailed, as in
	// ZooKeeper.
	AddAuth(ctx context.Context, scheme string, auth []byte) error
	// WhoAmI returns the session's identities.
	WhoAmI(ctx context.Context) ([]ClientInfo, error)
	// SessionID returns the session's id (0 before a wire client connects).
	SessionID() SessionID
	// Close closes the session (its ephemerals are deleted) and releases
	// everything the client holds. It is idempotent.
	Close() error
}
