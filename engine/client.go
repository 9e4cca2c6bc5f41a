package engine

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/internal/clientwatch"
)

// Client is a session opened directly on the engine: every api.Client
// operation with no serialization and no sockets. It is always "connected",
// so it never expires for lack of pings; Engine.ExpireSession expires it.
type Client struct {
	e       *Engine
	h       *handle
	watches *clientwatch.Manager
	before  func(context.Context, api.Request) error

	closeOnce sync.Once
	closeErr  error
}

var _ api.Client = (*Client)(nil)

// SessionOptions configure a direct session.
type SessionOptions struct {
	// Timeout is the session timeout to negotiate (default: the engine's
	// maximum). A direct session does not expire by itself; the timeout
	// is what Engine.Tick would use once the session is resumed over the
	// wire.
	Timeout time.Duration
	// Before, if set, runs before every request of the session with the
	// request about to be sent. If it returns an error the request is not
	// sent and fails with that error. zktest injects faults and latency
	// through it.
	Before func(ctx context.Context, req api.Request) error
}

// Session opens a direct session on the engine.
func (e *Engine) Session(ctx context.Context, o ...SessionOptions) (*Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if e.closed.Load() {
		return nil, api.ErrConnectionLoss
	}
	timeout := e.opts.MaxSessionTimeout
	var opt SessionOptions
	if len(o) > 0 {
		opt = o[0]
	}
	if opt.Timeout > 0 {
		timeout = e.negotiate(opt.Timeout)
	}
	s, err := e.createSession(timeout, true)
	if err != nil {
		return nil, err
	}
	c := &Client{e: e, watches: clientwatch.New(), before: opt.Before}
	c.h = e.attach(s, c.onEvent, "")
	e.clientsMu.Lock()
	e.clients[c] = struct{}{}
	e.clientsMu.Unlock()
	return c, nil
}

// onEvent is the session's sink: called in order with replies.
func (c *Client) onEvent(ev api.Event) {
	if ev.Type != api.EventNone {
		c.watches.Dispatch(ev)
		return
	}
	switch ev.State {
	case api.StateExpired, api.StateAuthFailed:
		c.watches.End(ev.State)
	}
}

// do runs req and waits for its response; register, if set, runs in order
// with the session's events when the reply arrives.
func (c *Client) do(ctx context.Context, req api.Request, register func(api.Response)) (api.Response, error) {
	if err := ctx.Err(); err != nil {
		return api.Response{}, err
	}
	if c.before != nil {
		if err := c.before(ctx, req); err != nil {
			return api.Response{Err: err}, err
		}
	}
	ch := make(chan api.Response, 1)
	c.h.Do(req, func(r api.Response) {
		if register != nil {
			register(r)
		}
		ch <- r
	})
	select {
	case r := <-ch:
		return r, r.Err
	case <-ctx.Done():
		return api.Response{}, ctx.Err()
	}
}

// readNow answers a read inline when nothing of the session is pending
// (see session.readNow); register runs in the same critical section.
func (c *Client) readNow(ctx context.Context, read func() api.Response, register func(api.Response)) (api.Response, bool) {
	if ctx.Err() != nil || c.h.stale() || c.before != nil {
		return api.Response{}, false
	}
	var r api.Response
	ok := c.h.s.readNow(func() {
		r = read()
		if register != nil {
			register(r)
		}
	})
	return r, ok
}

// SessionID returns the session id.
func (c *Client) SessionID() api.SessionID { return c.h.ID() }

// Create creates a znode.
func (c *Client) Create(ctx context.Context, path string, data []byte, acl []api.ACL, mode api.CreateMode) (string, error) {
	p, _, err := c.Create2(ctx, path, data, acl, mode, 0)
	return p, err
}

// Create2 creates a znode and returns its Stat.
func (c *Client) Create2(ctx context.Context, path string, data []byte, acl []api.ACL, mode api.CreateMode, ttl time.Duration) (string, *api.Stat, error) {
	if err := api.ValidateCreatePath(path, mode.IsSequential()); err != nil {
		return "", nil, err
	}
	r, err := c.do(ctx, &api.CreateRequest{Path: path, Data: data, ACL: acl, Mode: mode, TTL: ttl}, nil)
	return r.Path, r.Stat, err
}

// Delete deletes a znode.
func (c *Client) Delete(ctx context.Context, path string, version int32) error {
	if err := api.ValidatePath(path); err != nil {
		return err
	}
	_, err := c.do(ctx, &api.DeleteRequest{Path: path, Version: version}, nil)
	return err
}

// Exists returns the znode's Stat, or nil if it does not exist.
func (c *Client) Exists(ctx context.Context, path string) (*api.Stat, error) {
	if err := api.ValidatePath(path); err != nil {
		return nil, err
	}
	r, ok := c.readNow(ctx, func() api.Response { return c.e.exists(c.h.s, path, false) }, nil)
	err := r.Err
	if !ok {
		r, err = c.do(ctx, &api.ExistsRequest{Path: path}, nil)
	}
	if api.CodeOf(err) == api.ErrNoNode {
		return nil, nil
	}
	return r.Stat, err
}

// ExistsW is Exists with a watch.
func (c *Client) ExistsW(ctx context.Context, path string) (*api.Stat, <-chan api.Event, error) {
	if err := api.ValidatePath(path); err != nil {
		return nil, nil, err
	}
	var ch <-chan api.Event
	register := func(r api.Response) {
		switch api.CodeOf(r.Err) {
		case api.OK:
			ch = c.watches.Register(clientwatch.Data, path)
		case api.ErrNoNode:
			ch = c.watches.Register(clientwatch.Exist, path)
		}
	}
	r, ok := c.readNow(ctx, func() api.Response { return c.e.exists(c.h.s, path, true) }, register)
	err := r.Err
	if !ok {
		r, err = c.do(ctx, &api.ExistsRequest{Path: path, Watch: true}, register)
	}
	if api.CodeOf(err) == api.ErrNoNode {
		return nil, ch, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return r.Stat, ch, nil
}

// Get returns a znode's data and Stat.
func (c *Client) Get(ctx context.Context, path string) ([]byte, *api.Stat, error) {
	if err := api.ValidatePath(path); err != nil {
		return nil, nil, err
	}
	r, ok := c.readNow(ctx, func() api.Response { return c.e.getData(c.h.s, path, false) }, nil)
	err := r.Err
	if !ok {
		r, err = c.do(ctx, &api.GetDataRequest{Path: path}, nil)
	}
	return slices.Clone(r.Data), r.Stat, err
}

// GetW is Get with a data watch.
func (c *Client) GetW(ctx context.Context, path string) ([]byte, *api.Stat, <-chan api.Event, error) {
	if err := api.ValidatePath(path); err != nil {
		return nil, nil, nil, err
	}
	var ch <-chan api.Event
	register := func(r api.Response) {
		if r.Err == nil {
			ch = c.watches.Register(clientwatch.Data, path)
		}
	}
	r, ok := c.readNow(ctx, func() api.Response { return c.e.getData(c.h.s, path, true) }, register)
	err := r.Err
	if !ok {
		r, err = c.do(ctx, &api.GetDataRequest{Path: path, Watch: true}, register)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return slices.Clone(r.Data), r.Stat, ch, nil
}

// Set replaces a znode's data.
func (c *Client) Set(ctx context.Context, path string, data []byte, version int32) (*api.Stat, error) {
	if err := api.ValidatePath(path); err != nil {
		return nil, err
	}
	r, err := c.do(ctx, &api.SetDataRequest{Path: path, Data: data, Version: version}, nil)
	return r.Stat, err
}

// Children lists a znode's children.
func (c *Client) Children(ctx context.Context, path string) ([]string, *api.Stat, error) {
	if err := api.ValidatePath(path); err != nil {
		return nil, nil, err
	}
	r, ok := c.readNow(ctx, func() api.Response { return c.e.getChildren(c.h.s, path, false) }, nil)
	err := r.Err
	if !ok {
		r, err = c.do(ctx, &api.GetChildrenRequest{Path: path}, nil)
	}
	return r.Children, r.Stat, err
}

// ChildrenW is Children with a child watch.
func (c *Client) ChildrenW(ctx context.Context, path string) ([]string, *api.Stat, <-chan api.Event, error) {
	if err := api.ValidatePath(path); err != nil {
		return nil, nil, nil, err
	}
	var ch <-chan api.Event
	register := func(r api.Response) {
		if r.Err == nil {
			ch = c.watches.Register(clientwatch.Child, path)
		}
	}
	r, ok := c.readNow(ctx, func() api.Response { return c.e.getChildren(c.h.s, path, true) }, register)
	err := r.Err
	if !ok {
		r, err = c.do(ctx, &api.GetChildrenRequest{Path: path, Watch: true}, register)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return r.Children, r.Stat, ch, nil
}

// GetAllChildrenNumber counts a znode's descendants.
func (c *Client) GetAllChildrenNumber(ctx context.Context, path string) (int32, error) {
	if err := api.ValidatePath(path); err != nil {
		return 0, err
	}
	r, err := c.do(ctx, &api.GetAllChildrenNumberRequest{Path: path}, nil)
	return r.Number, err
}

// GetEphemerals lists the session's ephemerals under prefix.
func (c *Client) GetEphemerals(ctx context.Context, prefix string) ([]string, error) {
	r, err := c.do(ctx, &api.GetEphemeralsRequest{Prefix: prefix}, nil)
	return r.Children, err
}

// GetACL returns a znode's ACL and Stat.
func (c *Client) GetACL(ctx context.Context, path string) ([]api.ACL, *api.Stat, error) {
	if err := api.ValidatePath(path); err != nil {
		return nil, nil, err
	}
	r, err := c.do(ctx, &api.GetACLRequest{Path: path}, nil)
	return r.ACL, r.Stat, err
}

// SetACL replaces a znode's ACL.
func (c *Client) SetACL(ctx context.Context, path string, acl []api.ACL, version int32) (*api.Stat, error) {
	if err := api.ValidatePath(path); err != nil {
		return nil, err
	}
	r, err := c.do(ctx, &api.SetACLRequest{Path: path, ACL: acl, Version: version}, nil)
	return r.Stat, err
}

// Sync waits until every write committed before it is visible.
func (c *Client) Sync(ctx context.Context, path string) (string, error) {
	if err := api.ValidatePath(path); err != nil {
		return "", err
	}
	r, err := c.do(ctx, &api.SyncRequest{Path: path}, nil)
	return r.Path, err
}

// Multi applies ops atomically.
func (c *Client) Multi(ctx context.Context, ops ...api.Op) ([]api.OpResult, error) {
	if err := api.ValidateOps(ops); err != nil {
		return nil, err
	}
	r, err := c.do(ctx, &api.MultiRequest{Ops: ops}, nil)
	return r.Results, err
}

// MultiRead runs read ops against one state.
func (c *Client) MultiRead(ctx context.Context, ops ...api.ReadOp) ([]api.OpResult, error) {
	for _, op := range ops {
		if err := api.ValidatePath(api.OpPath(op)); err != nil {
			return nil, err
		}
	}
	r, err := c.do(ctx, &api.MultiReadRequest{Ops: ops}, nil)
	for i := range r.Results {
		r.Results[i].Data = slices.Clone(r.Results[i].Data)
	}
	return r.Results, err
}

// AddWatch adds a persistent or persistent-recursive watch.
func (c *Client) AddWatch(ctx context.Context, path string, mode api.AddWatchMode) (<-chan api.Event, error) {
	if err := api.ValidatePath(path); err != nil {
		return nil, err
	}
	var ch <-chan api.Event
	_, err := c.do(ctx, &api.AddWatchRequest{Path: path, Mode: mode}, func(r api.Response) {
		if r.Err != nil {
			return
		}
		k := clientwatch.Persistent
		if mode == api.AddWatchPersistentRecursive {
			k = clientwatch.Recursive
		}
		ch = c.watches.Register(k, path)
	})
	return ch, err
}

// RemoveWatches removes the session's watches of a type on path.
func (c *Client) RemoveWatches(ctx context.Context, path string, wt api.WatcherType) error {
	if err := api.ValidatePath(path); err != nil {
		return err
	}
	_, err := c.do(ctx, &api.RemoveWatchesRequest{Path: path, Type: wt}, func(r api.Response) {
		if r.Err == nil {
			c.watches.Remove(path, wt)
		}
	})
	return err
}

// CheckWatches reports ErrNoWatcher unless a watch of the type is on path.
func (c *Client) CheckWatches(ctx context.Context, path string, wt api.WatcherType) error {
	if err := api.ValidatePath(path); err != nil {
		return err
	}
	_, err := c.do(ctx, &api.CheckWatchesRequest{Path: path, Type: wt}, nil)
	return err
}

// AddAuth adds an identity to the session; a failure ends it.
func (c *Client) AddAuth(ctx context.Context, scheme string, auth []byte) error {
	_, err := c.do(ctx, &api.AddAuthRequest{Scheme: scheme, Auth: auth}, nil)
	if api.CodeOf(err) == api.ErrAuthFailed {
		c.watches.End(api.StateAuthFailed)
		c.closeSession()
	}
	return err
}

// WhoAmI lists the session's identities.
func (c *Client) WhoAmI(ctx context.Context) ([]api.ClientInfo, error) {
	r, err := c.do(ctx, &api.WhoAmIRequest{}, nil)
	return r.Identities, err
}

// closeSession ends the session on the engine.
func (c *Client) closeSession() {
	c.closeOnce.Do(func() {
		if c.e.closed.Load() || c.h.s.ended.Load() {
			return
		}
		ch := make(chan api.Response, 1)
		c.h.Do(&api.CloseSessionRequest{}, func(r api.Response) { ch <- r })
		if r := <-ch; r.Err != nil && api.CodeOf(r.Err) != api.ErrSessionExpired {
			c.closeErr = r.Err
		}
	})
}

// Close closes the session: its ephemerals are deleted, and every watch
// channel receives StateClosed and closes. Close is idempotent.
func (c *Client) Close() error {
	c.closeSession()
	c.watches.End(api.StateClosed)
	c.watches.Close()
	c.e.clientsMu.Lock()
	delete(c.e.clients, c)
	c.e.clientsMu.Unlock()
	return c.closeErr
}
