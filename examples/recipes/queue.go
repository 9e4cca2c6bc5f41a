package recipes

import (
	"context"
	"errors"

	"github.com/zkembed/zkembed/api"
)

// Queue is a distributed FIFO queue (ZooKeeper's recipe): Put adds a
// persistent sequential znode, Take removes the lowest. Whoever deletes an
// item owns it, so each item goes to one taker. Delivery is at least once:
// a Put or Take that loses its connection at the wrong moment may, on
// retry, add an item twice or hand an item out twice.
type Queue struct {
	c   api.Client
	dir string
}

// NewQueue returns the queue under dir (created if missing) for client c.
func NewQueue(c api.Client, dir string) *Queue { return &Queue{c: c, dir: dir} }

// Put appends data to the queue.
func (q *Queue) Put(ctx context.Context, data []byte) error {
	if err := ensurePath(ctx, q.c, q.dir); err != nil {
		return err
	}
	return retry(ctx, func() error {
		_, err := q.c.Create(ctx, q.dir+"/qn-", data, api.OpenACLUnsafe, api.ModePersistentSequential)
		return err
	})
}

// Take removes the oldest item and returns its data, waiting for one if
// the queue is empty.
func (q *Queue) Take(ctx context.Context) ([]byte, error) {
	if err := ensurePath(ctx, q.c, q.dir); err != nil {
		return nil, err
	}
	for {
		var kids []string
		var ch <-chan api.Event
		if err := retry(ctx, func() (err error) { kids, _, ch, err = q.c.ChildrenW(ctx, q.dir); return err }); err != nil {
			return nil, err
		}
		bySequence(kids)
		for _, k := range kids {
			data, ok, err := q.take(ctx, q.dir+"/"+k)
			if err != nil {
				return nil, err
			}
			if ok {
				return data, nil
			}
		}
		if len(kids) == 0 {
			if err := wait(ctx, ch); err != nil {
				return nil, err
			}
		}
	}
}

// take reads and deletes one item; ok is false if another taker got it.
func (q *Queue) take(ctx context.Context, path string) (data []byte, ok bool, err error) {
	err = retry(ctx, func() (err error) { data, _, err = q.c.Get(ctx, path); return err })
	if errors.Is(err, api.ErrNoNode) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	lost := false
	err = retry(ctx, func() error {
		err := q.c.Delete(ctx, path, -1)
		lost = lost || errors.Is(err, api.ErrConnectionLoss)
		return err
	})
	switch {
	case err == nil:
		return data, true, nil
	case errors.Is(err, api.ErrNoNode):
		// Gone: another taker's, or ours if our delete was applied
		// before the connection dropped (at least once: keep it).
		return data, lost, nil
	}
	return nil, false, err
}
