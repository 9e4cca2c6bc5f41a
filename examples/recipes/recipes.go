// Package recipes holds ZooKeeper's classic coordination recipes, written
// against api.Client so they run on a direct engine session, on a zkembed
// server through any client, or on Apache ZooKeeper: a lock (Mutex), leader
// election (Election), a double barrier (Barrier), a queue (Queue), live
// configuration (WatchConfig) and service discovery (Register,
// WatchService).
//
// Each recipe is small and follows ZooKeeper's own recipes
// (https://zookeeper.apache.org/doc/current/recipes.html): sequential
// ephemeral znodes, each waiter watching only its predecessor, and a
// "protected" create (a random prefix in the name) so that a create whose
// reply was lost to a connection loss can be found again instead of leaking
// a znode.
//
// # Faults
//
// A connection loss is retried: the session lives on, so the recipe carries
// on once the client reconnects. A session expiry cannot be retried: the
// session's ephemerals (its lock, its candidacy, its registration) are gone
// and the api.Client is dead. The recipes then return api.ErrSessionExpired
// and the application opens a new session and starts again.
package recipes

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/zkembed/zkembed/api"
)

// ErrLost is returned when a recipe's own znode disappeared while it
// waited: its session expired, or someone deleted it.
var ErrLost = errors.New("recipes: our znode is gone (session expired?)")

// retry runs fn until it returns anything but a connection loss, or ctx
// ends. A connection loss means the request may or may not have been
// applied; fn must be safe to repeat.
func retry(ctx context.Context, fn func() error) error {
	backoff := time.Millisecond
	for {
		err := fn()
		if !errors.Is(err, api.ErrConnectionLoss) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 100*time.Millisecond)
	}
}

// ensurePath creates path and its missing parents, persistent and open.
func ensurePath(ctx context.Context, c api.Client, path string) error {
	if path == "/" || path == "" {
		return nil
	}
	return retry(ctx, func() error {
		st, err := c.Exists(ctx, path)
		if err != nil || st != nil {
			return err
		}
		if err := ensurePath(ctx, c, path[:max(strings.LastIndexByte(path, '/'), 1)]); err != nil {
			return err
		}
		_, err = c.Create(ctx, path, nil, api.OpenACLUnsafe, api.ModePersistent)
		if errors.Is(err, api.ErrNodeExists) {
			return nil
		}
		return err
	})
}

// createProtected creates dir/<random>-<prefix><sequence> with mode. If the
// reply is lost to a connection loss it looks for its random prefix among
// dir's children before trying again, so it never leaves a stray znode
// (Curator's "protected" mode). It returns the full path.
func createProtected(ctx context.Context, c api.Client, dir, prefix string, data []byte, mode api.CreateMode) (string, error) {
	var b [8]byte
	rand.Read(b[:])
	guid := hex.EncodeToString(b[:]) + "-"
	for {
		p, err := c.Create(ctx, dir+"/"+guid+prefix, data, api.OpenACLUnsafe, mode)
		if !errors.Is(err, api.ErrConnectionLoss) {
			return p, err
		}
		var kids []string
		if err := retry(ctx, func() (err error) { kids, _, err = c.Children(ctx, dir); return err }); err != nil {
			return "", err
		}
		for _, k := range kids {
			if strings.HasPrefix(k, guid) {
				return dir + "/" + k, nil
			}
		}
	}
}

// bySequence sorts sequential znode names by their 10-digit suffix,
// whatever their prefix.
func bySequence(names []string) {
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(seq(a), seq(b)) })
}

func seq(name string) string { return name[max(len(name)-10, 0):] }

// wait waits for a one-shot watch event; an EventNone event means the
// session ended.
func wait(ctx context.Context, ch <-chan api.Event) error {
	select {
	case ev, ok := <-ch:
		if !ok || ev.Type != api.EventNone {
			return nil
		}
		if ev.State == api.StateExpired {
			return api.ErrSessionExpired
		}
		return api.ErrConnectionLoss
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waitFirst waits until node is the first of dir's children by sequence,
// watching only its predecessor (no herd effect).
func waitFirst(ctx context.Context, c api.Client, dir, node string) error {
	name := node[strings.LastIndexByte(node, '/')+1:]
	for {
		var kids []string
		if err := retry(ctx, func() (err error) { kids, _, err = c.Children(ctx, dir); return err }); err != nil {
			return err
		}
		bySequence(kids)
		i := slices.Index(kids, name)
		switch {
		case i < 0:
			return ErrLost
		case i == 0:
			return nil
		}
		var st *api.Stat
		var ch <-chan api.Event
		if err := retry(ctx, func() (err error) { st, ch, err = c.ExistsW(ctx, dir+"/"+kids[i-1]); return err }); err != nil {
			return err
		}
		if st == nil {
			continue // the predecessor went in between: look again
		}
		if err := wait(ctx, ch); err != nil {
			return err
		}
	}
}

// deleteQuietly deletes path, retrying connection losses; a missing znode
// is fine.
func deleteQuietly(ctx context.Context, c api.Client, path string) error {
	err := retry(ctx, func() error { return c.Delete(ctx, path, -1) })
	if errors.Is(err, api.ErrNoNode) {
		return nil
	}
	return err
}

// giveUp deletes a znode we no longer wait with, after the caller's ctx may
// have ended; it tries for a few seconds at most (the znode is ephemeral
// and goes with the session anyway).
func giveUp(c api.Client, path string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	deleteQuietly(ctx, c, path)
}
