package recipes

import (
	"context"

	"github.com/zkembed/zkembed/api"
)

// Mutex is a distributed lock (ZooKeeper's lock recipe): each contender
// creates an ephemeral sequential znode under the lock's directory and
// holds the lock when its znode is the lowest; it watches only the znode
// just before its own. The lock is released by Unlock or when the holder's
// session ends.
type Mutex struct {
	c    api.Client
	dir  string
	node string // our znode while we hold or wait for the lock
}

// NewMutex returns a lock on directory dir (created if missing) for
// client c's session. A Mutex is for one goroutine at a time.
func NewMutex(c api.Client, dir string) *Mutex { return &Mutex{c: c, dir: dir} }

// Lock waits until the lock is held. If ctx ends first it gives up its
// place and returns ctx's error; if the session expires it returns
// api.ErrSessionExpired (or ErrLost).
func (m *Mutex) Lock(ctx context.Context) error {
	if err := ensurePath(ctx, m.c, m.dir); err != nil {
		return err
	}
	node, err := createProtected(ctx, m.c, m.dir, "lock-", nil, api.ModeEphemeralSequential)
	if err != nil {
		return err
	}
	if err := waitFirst(ctx, m.c, m.dir, node); err != nil {
		giveUp(m.c, node)
		return err
	}
	m.node = node
	return nil
}

// Unlock releases the lock. Releasing a lock whose session expired is not
// an error: it is released already.
func (m *Mutex) Unlock(ctx context.Context) error {
	node := m.node
	m.node = ""
	if err := deleteQuietly(ctx, m.c, node); err != nil && !errorsIsExpired(err) {
		return err
	}
	return nil
}

// Node returns the lock znode while the lock is held.
func (m *Mutex) Node() string { return m.node }
