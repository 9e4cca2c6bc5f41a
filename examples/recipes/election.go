package recipes

import (
	"context"
	"errors"

	"github.com/zkembed/zkembed/api"
)

// Election is leader election (ZooKeeper's recipe): each candidate creates
// an ephemeral sequential znode holding its id; the lowest is the leader,
// and each other candidate watches the one just before it, so a leader's
// death wakes exactly one successor.
type Election struct {
	c    api.Client
	dir  string
	id   string
	node string
}

// NewElection returns candidate id's place in the election run under dir
// (created if missing), for client c's session.
func NewElection(c api.Client, dir, id string) *Election {
	return &Election{c: c, dir: dir, id: id}
}

// Campaign waits until this candidate leads. It stays the leader until
// Resign or the end of its session (then others see a new leader; the old
// one must stop acting as leader when its session expires).
func (e *Election) Campaign(ctx context.Context) error {
	if err := ensurePath(ctx, e.c, e.dir); err != nil {
		return err
	}
	node, err := createProtected(ctx, e.c, e.dir, "n_", []byte(e.id), api.ModeEphemeralSequential)
	if err != nil {
		return err
	}
	if err := waitFirst(ctx, e.c, e.dir, node); err != nil {
		giveUp(e.c, node)
		return err
	}
	e.node = node
	return nil
}

// Resign gives up the leadership (or the candidacy).
func (e *Election) Resign(ctx context.Context) error {
	node := e.node
	e.node = ""
	if err := deleteQuietly(ctx, e.c, node); err != nil && !errorsIsExpired(err) {
		return err
	}
	return nil
}

// Leader returns the id of the current leader of the election under dir,
// or "" if there is none.
func Leader(ctx context.Context, c api.Client, dir string) (string, error) {
	for {
		var kids []string
		err := retry(ctx, func() (err error) { kids, _, err = c.Children(ctx, dir); return err })
		if errors.Is(err, api.ErrNoNode) || (err == nil && len(kids) == 0) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		bySequence(kids)
		var data []byte
		err = retry(ctx, func() (err error) { data, _, err = c.Get(ctx, dir+"/"+kids[0]); return err })
		if errors.Is(err, api.ErrNoNode) {
			continue // the leader just left
		}
		return string(data), err
	}
}

func errorsIsExpired(err error) bool { return errors.Is(err, api.ErrSessionExpired) }
