package zktest

import (
	"context"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
)

// directClient is a direct engine session with the Server's faults applied
// around each call.
type directClient struct {
	*engine.Client
	s   *Server
	gen uint64 // the Server's engine generation it was opened on
}

var _ api.Client = (*directClient)(nil)

// pre applies the faults matching an operation before it runs: it returns
// the error to fail it with (nil to run it) and the effect, for post.
func (c *directClient) pre(ctx context.Context, op Op, paths ...string) (effect, error) {
	if c.s.gen.Load() != c.gen {
		// Its engine was closed (Restart, Close); reads would still be
		// answered from the closed engine's memory.
		return effect{}, api.ErrConnectionLoss
	}
	e := c.s.faults.matchOp(c.SessionID(), op, paths...)
	if e.none() {
		return e, nil
	}
	if e.latency > 0 {
		if err := c.s.sleep(ctx, e.latency); err != nil {
			return e, err
		}
	}
	if e.after {
		return e, nil
	}
	if e.drop {
		return e, api.ErrConnectionLoss
	}
	return e, e.err
}

// post replaces err with an after-fault's error.
func post(e effect, err error) error {
	if !e.after {
		return err
	}
	if e.drop {
		return api.ErrConnectionLoss
	}
	return e.err
}

func (c *directClient) Create(ctx context.Context, path string, data []byte, acl []api.ACL, mode api.CreateMode) (string, error) {
	e, err := c.pre(ctx, OpCreate, path)
	if err != nil {
		return "", err
	}
	name, err := c.Client.Create(ctx, path, data, acl, mode)
	if err = post(e, err); err != nil {
		return "", err
	}
	return name, nil
}

func (c *directClient) Create2(ctx context.Context, path string, data []byte, acl []api.ACL, mode api.CreateMode, ttl time.Duration) (string, *api.Stat, error) {
	e, err := c.pre(ctx, OpCreate, path)
	if err != nil {
		return "", nil, err
	}
	name, st, err := c.Client.Create2(ctx, path, data, acl, mode, ttl)
	if err = post(e, err); err != nil {
		return "", nil, err
	}
	return name, st, nil
}

func (c *directClient) Delete(ctx context.Context, path string, version int32) error {
	e, err := c.pre(ctx, OpDelete, path)
	if err != nil {
		return err
	}
	return post(e, c.Client.Delete(ctx, path, version))
}

func (c *directClient) Exists(ctx context.Context, path string) (*api.Stat, error) {
	e, err := c.pre(ctx, OpExists, path)
	if err != nil {
		return nil, err
	}
	st, err := c.Client.Exists(ctx, path)
	if err = post(e, err); err != nil {
		return nil, err
	}
	return st, nil
}

func (c *directClient) ExistsW(ctx context.Context, path string) (*api.Stat, <-chan api.Event, error) {
	e, err := c.pre(ctx, OpExists, path)
	if err != nil {
		return nil, nil, err
	}
	st, ch, err := c.Client.ExistsW(ctx, path)
	if err = post(e, err); err != nil {
		return nil, nil, err
	}
	return st, ch, nil
}

func (c *directClient) Get(ctx context.Context, path string) ([]byte, *api.Stat, error) {
	e, err := c.pre(ctx, OpGetData, path)
	if err != nil {
		return nil, nil, err
	}
	d, st, err := c.Client.Get(ctx, path)
	if err = post(e, err); err != nil {
		return nil, nil, err
	}
	return d, st, nil
}

func (c *directClient) GetW(ctx context.Context, path string) ([]byte, *api.Stat, <-chan api.Event, error) {
	e, err := c.pre(ctx, OpGetData, path)
	if err != nil {
		return nil, nil, nil, err
	}
	d, st, ch, err := c.Client.GetW(ctx, path)
	if err = post(e, err); err != nil {
		return nil, nil, nil, err
	}
	return d, st, ch, nil
}

func (c *directClient) Set(ctx context.Context, path string, data []byte, version int32) (*api.Stat, error) {
	e, err := c.pre(ctx, OpSetData, path)
	if err != nil {
		return nil, err
	}
	st, err := c.Client.Set(ctx, path, data, version)
	if err = post(e, err); err != nil {
		return nil, err
	}
	return st, nil
}

func (c *directClient) Children(ctx context.Context, path string) ([]string, *api.Stat, error) {
	e, err := c.pre(ctx, OpGetChildren, path)
	if err != nil {
		return nil, nil, err
	}
	kids, st, err := c.Client.Children(ctx, path)
	if err = post(e, err); err != nil {
		return nil, nil, err
	}
	return kids, st, nil
}

func (c *directClient) ChildrenW(ctx context.Context, path string) ([]string, *api.Stat, <-chan api.Event, error) {
	e, err := c.pre(ctx, OpGetChildren, path)
	if err != nil {
		return nil, nil, nil, err
	}
	kids, st, ch, err := c.Client.ChildrenW(ctx, path)
	if err = post(e, err); err != nil {
		return nil, nil, nil, err
	}
	return kids, st, ch, nil
}

func (c *directClient) GetAllChildrenNumber(ctx context.Context, path string) (int32, error) {
	e, err := c.pre(ctx, OpGetAllChildrenNumber, path)
	if err != nil {
		return 0, err
	}
	n, err := c.Client.GetAllChildrenNumber(ctx, path)
	if err = post(e, err); err != nil {
		return 0, err
	}
	return n, nil
}

func (c *directClient) GetEphemerals(ctx context.Context, prefix string) ([]string, error) {
	e, err := c.pre(ctx, OpGetEphemerals, prefix)
	if err != nil {
		return nil, err
	}
	ps, err := c.Client.GetEphemerals(ctx, prefix)
	if err = post(e, err); err != nil {
		return nil, err
	}
	return ps, nil
}

func (c *directClient) GetACL(ctx context.Context, path string) ([]api.ACL, *api.Stat, error) {
	e, err := c.pre(ctx, OpGetACL, path)
	if err != nil {
		return nil, nil, err
	}
	acl, st, err := c.Client.GetACL(ctx, path)
	if err = post(e, err); err != nil {
		return nil, nil, err
	}
	return acl, st, nil
}

func (c *directClient) SetACL(ctx context.Context, path string, acl []api.ACL, version int32) (*api.Stat, error) {
	e, err := c.pre(ctx, OpSetACL, path)
	if err != nil {
		return nil, err
	}
	st, err := c.Client.SetACL(ctx, path, acl, version)
	if err = post(e, err); err != nil {
		return nil, err
	}
	return st, nil
}

func (c *directClient) Sync(ctx context.Context, path string) (string, error) {
	e, err := c.pre(ctx, OpSync, path)
	if err != nil {
		return "", err
	}
	p, err := c.Client.Sync(ctx, path)
	if err = post(e, err); err != nil {
		return "", err
	}
	return p, nil
}

func (c *directClient) Multi(ctx context.Context, ops ...api.Op) ([]api.OpResult, error) {
	_, paths := opOf(&api.MultiRequest{Ops: ops})
	e, err := c.pre(ctx, OpMulti, paths...)
	if err != nil {
		return nil, err
	}
	res, err := c.Client.Multi(ctx, ops...)
	if e.after {
		return nil, post(e, err)
	}
	return res, err
}

func (c *directClient) MultiRead(ctx context.Context, ops ...api.ReadOp) ([]api.OpResult, error) {
	_, paths := opOf(&api.MultiReadRequest{Ops: ops})
	e, err := c.pre(ctx, OpMultiRead, paths...)
	if err != nil {
		return nil, err
	}
	res, err := c.Client.MultiRead(ctx, ops...)
	if e.after {
		return nil, post(e, err)
	}
	return res, err
}

func (c *directClient) AddWatch(ctx context.Context, path string, mode api.AddWatchMode) (<-chan api.Event, error) {
	e, err := c.pre(ctx, OpAddWatch, path)
	if err != nil {
		return nil, err
	}
	ch, err := c.Client.AddWatch(ctx, path, mode)
	if err = post(e, err); err != nil {
		return nil, err
	}
	return ch, nil
}

func (c *directClient) RemoveWatches(ctx context.Context, path string, wt api.WatcherType) error {
	e, err := c.pre(ctx, OpRemoveWatches, path)
	if err != nil {
		return err
	}
	return post(e, c.Client.RemoveWatches(ctx, path, wt))
}

func (c *directClient) CheckWatches(ctx context.Context, path string, wt api.WatcherType) error {
	e, err := c.pre(ctx, OpCheckWatches, path)
	if err != nil {
		return err
	}
	return post(e, c.Client.CheckWatches(ctx, path, wt))
}

func (c *directClient) AddAuth(ctx context.Context, scheme string, auth []byte) error {
	e, err := c.pre(ctx, OpAddAuth)
	if err != nil {
		return err
	}
	return post(e, c.Client.AddAuth(ctx, scheme, auth))
}

func (c *directClient) WhoAmI(ctx context.Context) ([]api.ClientInfo, error) {
	e, err := c.pre(ctx, OpWhoAmI)
	if err != nil {
		return nil, err
	}
	ids, err := c.Client.WhoAmI(ctx)
	if err = post(e, err); err != nil {
		return nil, err
	}
	return ids, nil
}
