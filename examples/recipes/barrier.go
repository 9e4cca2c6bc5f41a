package recipes

import (
	"context"
	"errors"
	"slices"

	"github.com/zkembed/zkembed/api"
)

// Barrier is a double barrier (ZooKeeper's recipe): Enter waits until size
// participants have entered, Leave until all of them have left. Each
// participant is an ephemeral znode under the barrier's directory; the
// last to enter creates a "ready" znode that wakes the others. A directory
// serves one round.
type Barrier struct {
	c    api.Client
	dir  string
	size int
	node string
}

const readyName = "ready"

// NewBarrier returns a barrier of size participants under dir (created if
// missing), for client c's session.
func NewBarrier(c api.Client, dir string, size int) *Barrier {
	return &Barrier{c: c, dir: dir, size: size}
}

// Enter joins the barrier and waits until size participants have.
func (b *Barrier) Enter(ctx context.Context) error {
	if err := ensurePath(ctx, b.c, b.dir); err != nil {
		return err
	}
	node, err := createProtected(ctx, b.c, b.dir, "p_", nil, api.ModeEphemeralSequential)
	if err != nil {
		return err
	}
	b.node = node
	ready := b.dir + "/" + readyName
	for {
		var st *api.Stat
		var ch <-chan api.Event
		if err := retry(ctx, func() (err error) { st, ch, err = b.c.ExistsW(ctx, ready); return err }); err != nil {
			return err
		}
		if st != nil {
			return nil
		}
		kids, err := b.participants(ctx)
		if err != nil {
			return err
		}
		if len(kids) >= b.size {
			err := retry(ctx, func() error {
				_, err := b.c.Create(ctx, ready, nil, api.OpenACLUnsafe, api.ModePersistent)
				return err
			})
			if err != nil && !errors.Is(err, api.ErrNodeExists) {
				return err
			}
			return nil
		}
		if err := wait(ctx, ch); err != nil {
			return err
		}
	}
}

// Leave leaves the barrier and waits until every participant has.
func (b *Barrier) Leave(ctx context.Context) error {
	if err := deleteQuietly(ctx, b.c, b.node); err != nil {
		return err
	}
	for {
		var kids []string
		var ch <-chan api.Event
		if err := retry(ctx, func() (err error) { kids, _, ch, err = b.c.ChildrenW(ctx, b.dir); return err }); err != nil {
			return err
		}
		if !slices.ContainsFunc(kids, func(k string) bool { return k != readyName }) {
			return nil
		}
		if err := wait(ctx, ch); err != nil {
			return err
		}
	}
}

func (b *Barrier) participants(ctx context.Context) ([]string, error) {
	var kids []string
	err := retry(ctx, func() (err error) { kids, _, err = b.c.Children(ctx, b.dir); return err })
	return slices.DeleteFunc(kids, func(k string) bool { return k == readyName }), err
}
