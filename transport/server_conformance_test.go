package transport

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/api/apitest"
	"github.com/zkembed/zkembed/engine"
)

// TestConformanceGoZK runs the conformance suite against the engine served
// over TCP and over the in-memory dialer, driven by go-zookeeper/zk (a
// client no one here wrote) through a thin api.Client adapter. Operations
// go-zookeeper lacks are declared as such and skipped; the raw-frame tests
// of this package drive those through our own jute records.
func TestConformanceGoZK(t *testing.T) {
	if testing.Short() {
		t.Skip("the conformance suite takes a while")
	}
	forEachTransport(t, func(t *testing.T, transport string) {
		eng, err := engine.Open(engine.Options{TickTime: 200 * time.Millisecond,
			ContainerCheckInterval: 100 * time.Millisecond, SuperDigest: api.DigestID("super", "superpw")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { eng.Close() })
		ts := startServerFor(t, eng, eng, Options{})
		target := apitest.Target{
			Connect: func(t testing.TB) api.Client {
				g := &goZKClient{}
				g.c, _, _ = ts.zkConnCallback(t, transport, func(e zk.Event) {
					if e.Type == zk.EventSession && e.State == zk.StateExpired {
						g.expired.Store(true)
					}
				})
				return g
			},
			SuperAuth: "super:superpw",
			Expire: func(t testing.TB, c api.Client) {
				if err := eng.ExpireSession(context.Background(), c.SessionID()); err != nil {
					t.Fatalf("expire: %v", err)
				}
			},
			ReapInterval: 100 * time.Millisecond,
			Lacks: map[apitest.Feature]string{
				apitest.FeatureAddWatch:             "go-zookeeper v1.0.4 has no addWatch",
				apitest.FeatureRemoveWatches:        "go-zookeeper v1.0.4 has no removeWatches/checkWatches",
				apitest.FeatureMultiRead:            "go-zookeeper v1.0.4 has no multiRead",
				apitest.FeatureGetEphemerals:        "go-zookeeper v1.0.4 has no getEphemerals",
				apitest.FeatureGetAllChildrenNumber: "go-zookeeper v1.0.4 has no getAllChildrenNumber",
				apitest.FeatureWhoAmI:               "go-zookeeper v1.0.4 has no whoAmI",
				apitest.FeatureMultiCreateStat:      "go-zookeeper sends creates in a multi as plain create",
				apitest.FeatureMultiCreateModes:     "go-zookeeper cannot send a TTL create in a multi",
				apitest.FeatureEventZxid:            "go-zookeeper drops the notification's zxid",
				apitest.FeatureEventBeforeReply:     "the adapter forwards go-zookeeper's events on a goroutine (TestServerEventBeforeReply checks the order)",
			},
		}
		if transport == "tcp" {
			target.ClientIP = "127.0.0.1"
		}
		apitest.Run(t, target)
	})
}

// goZKClient adapts a go-zookeeper connection to api.Client. Create2 is a
// create followed by an exists (go-zookeeper has no create2); the
// operations go-zookeeper lacks return ErrUnimplemented. Once its session
// has expired every call fails with ErrSessionExpired, as with the Java
// client (go-zookeeper would open a new session instead).
type goZKClient struct {
	c       *zk.Conn
	expired atomic.Bool
}

// check returns the error a call fails with before it is sent.
func (g *goZKClient) check(ctx context.Context) error {
	if g.expired.Load() {
		return api.ErrSessionExpired
	}
	return ctx.Err()
}

var _ api.Client = (*goZKClient)(nil)

var zkErrCodes = map[error]api.Code{
	zk.ErrAPIError: api.ErrAPIError, zk.ErrNoNode: api.ErrNoNode, zk.ErrNoAuth: api.ErrNoAuth,
	zk.ErrBadVersion: api.ErrBadVersion, zk.ErrNoChildrenForEphemerals: api.ErrNoChildrenForEphemerals,
	zk.ErrNodeExists: api.ErrNodeExists, zk.ErrNotEmpty: api.ErrNotEmpty, zk.ErrSessionExpired: api.ErrSessionExpired,
	zk.ErrInvalidACL: api.ErrInvalidACL, zk.ErrAuthFailed: api.ErrAuthFailed, zk.ErrSessionMoved: api.ErrSessionMoved,
	zk.ErrReconfigDisabled: api.ErrReconfigDisabled, zk.ErrBadArguments: api.ErrBadArguments,
	zk.ErrConnectionClosed: api.ErrConnectionLoss, zk.ErrClosing: api.ErrConnectionLoss,
	// go-zookeeper checks paths and flags before sending, as the Java
	// client does; the server would answer BadArguments.
	zk.ErrInvalidPath: api.ErrBadArguments, zk.ErrInvalidFlags: api.ErrBadArguments,
}

// apiErr maps a go-zookeeper error to an api.Code.
func apiErr(err error) error {
	if err == nil {
		return nil
	}
	for e, c := range zkErrCodes {
		if errors.Is(err, e) {
			return c
		}
	}
	if strings.HasPrefix(err.Error(), "invalid flag value") {
		return api.ErrBadArguments // go-zookeeper checks the mode before sending
	}
	// go-zookeeper formats codes it does not name as "unknown error: N".
	if s, ok := strings.CutPrefix(err.Error(), "unknown error: "); ok {
		if n, err := strconv.Atoi(s); err == nil {
			return api.Code(n)
		}
	}
	return err
}

func aclToZK(acl []api.ACL) []zk.ACL {
	out := make([]zk.ACL, len(acl))
	for i, a := range acl {
		out[i] = zk.ACL{Perms: int32(a.Perms), Scheme: a.Scheme, ID: a.ID}
	}
	return out
}

func aclFromZK(acl []zk.ACL) []api.ACL {
	out := make([]api.ACL, len(acl))
	for i, a := range acl {
		out[i] = api.ACL{Perms: api.Perm(a.Perms), Scheme: a.Scheme, ID: a.ID}
	}
	return out
}

func statFromZK(s *zk.Stat) *api.Stat {
	if s == nil {
		return nil
	}
	return &api.Stat{Czxid: api.Zxid(s.Czxid), Mzxid: api.Zxid(s.Mzxid), Ctime: s.Ctime, Mtime: s.Mtime,
		Version: s.Version, Cversion: s.Cversion, Aversion: s.Aversion,
		EphemeralOwner: api.SessionID(s.EphemeralOwner), DataLength: s.DataLength,
		NumChildren: s.NumChildren, Pzxid: api.Zxid(s.Pzxid)}
}

// events forwards go-zookeeper's one-shot watch channel as an api one.
func events(zch <-chan zk.Event) <-chan api.Event {
	ch := make(chan api.Event, 1)
	go func() {
		defer close(ch)
		e, ok := <-zch
		if !ok {
			return
		}
		if e.Type == zk.EventNotWatching {
			st := api.StateDisconnected
			switch {
			case errors.Is(e.Err, zk.ErrSessionExpired):
				st = api.StateExpired
			case errors.Is(e.Err, zk.ErrClosing), errors.Is(e.Err, zk.ErrConnectionClosed):
				st = api.StateClosed
			case errors.Is(e.Err, zk.ErrAuthFailed):
				st = api.StateAuthFailed
			}
			ch <- api.Event{Type: api.EventNone, State: st, Path: e.Path, Zxid: -1}
			return
		}
		ch <- api.Event{Type: api.EventType(e.Type), State: api.State(e.State), Path: e.Path, Zxid: -1}
	}()
	return ch
}

func (g *goZKClient) Create(ctx context.Context, path string, data []byte, acl []api.ACL, mode api.CreateMode) (string, error) {
	if err := g.check(ctx); err != nil {
		return "", err
	}
	if mode.IsTTL() {
		return "", api.ErrBadArguments
	}
	var p string
	var err error
	if mode.IsContainer() {
		p, err = g.c.CreateContainer(path, data, int32(mode), aclToZK(acl))
	} else {
		p, err = g.c.Create(path, data, int32(mode), aclToZK(acl))
	}
	return p, apiErr(err)
}

func (g *goZKClient) Create2(ctx context.Context, path string, data []byte, acl []api.ACL, mode api.CreateMode, ttl time.Duration) (string, *api.Stat, error) {
	if err := g.check(ctx); err != nil {
		return "", nil, err
	}
	var p string
	var err error
	switch {
	case mode.IsTTL():
		p, err = g.c.CreateTTL(path, data, int32(mode), aclToZK(acl), ttl)
	case ttl != 0:
		return "", nil, api.ErrBadArguments
	default:
		p, err = g.Create(ctx, path, data, acl, mode)
	}
	if err != nil {
		return "", nil, apiErr(err)
	}
	_, st, err := g.c.Exists(p)
	return p, statFromZK(st), apiErr(err)
}

func (g *goZKClient) Delete(ctx context.Context, path string, version int32) error {
	if err := g.check(ctx); err != nil {
		return err
	}
	return apiErr(g.c.Delete(path, version))
}

func (g *goZKClient) Exists(ctx context.Context, path string) (*api.Stat, error) {
	if err := g.check(ctx); err != nil {
		return nil, err
	}
	ok, st, err := g.c.Exists(path)
	if err != nil || !ok {
		return nil, apiErr(err)
	}
	return statFromZK(st), nil
}

func (g *goZKClient) ExistsW(ctx context.Context, path string) (*api.Stat, <-chan api.Event, error) {
	if err := g.check(ctx); err != nil {
		return nil, nil, err
	}
	ok, st, ch, err := g.c.ExistsW(path)
	if err != nil {
		return nil, nil, apiErr(err)
	}
	if !ok {
		return nil, events(ch), nil
	}
	return statFromZK(st), events(ch), nil
}

func (g *goZKClient) Get(ctx context.Context, path string) ([]byte, *api.Stat, error) {
	if err := g.check(ctx); err != nil {
		return nil, nil, err
	}
	d, st, err := g.c.Get(path)
	if err != nil {
		return nil, nil, apiErr(err)
	}
	return d, statFromZK(st), nil
}

func (g *goZKClient) GetW(ctx context.Context, path string) ([]byte, *api.Stat, <-chan api.Event, error) {
	if err := g.check(ctx); err != nil {
		return nil, nil, nil, err
	}
	d, st, ch, err := g.c.GetW(path)
	if err != nil {
		return nil, nil, nil, apiErr(err)
	}
	return d, statFromZK(st), events(ch), nil
}

func (g *goZKClient) Set(ctx context.Context, path string, data []byte, version int32) (*api.Stat, error) {
	if err := g.check(ctx); err != nil {
		return nil, err
	}
	st, err := g.c.Set(path, data, version)
	if err != nil {
		return nil, apiErr(err)
	}
	return statFromZK(st), nil
}

func (g *goZKClient) Children(ctx context.Context, path string) ([]string, *api.Stat, error) {
	if err := g.check(ctx); err != nil {
		return nil, nil, err
	}
	kids, st, err := g.c.Children(path)
	if err != nil {
		return nil, nil, apiErr(err)
	}
	return kids, statFromZK(st), nil
}

func (g *goZKClient) ChildrenW(ctx context.Context, path string) ([]string, *api.Stat, <-chan api.Event, error) {
	if err := g.check(ctx); err != nil {
		return nil, nil, nil, err
	}
	kids, st, ch, err := g.c.ChildrenW(path)
	if err != nil {
		return nil, nil, nil, apiErr(err)
	}
	return kids, statFromZK(st), events(ch), nil
}

func (g *goZKClient) GetAllChildrenNumber(context.Context, string) (int32, error) {
	return 0, api.ErrUnimplemented
}

func (g *goZKClient) GetEphemerals(context.Context, string) ([]string, error) {
	return nil, api.ErrUnimplemented
}

func (g *goZKClient) GetACL(ctx context.Context, path string) ([]api.ACL, *api.Stat, error) {
	if err := g.check(ctx); err != nil {
		return nil, nil, err
	}
	acl, st, err := g.c.GetACL(path)
	if err != nil {
		return nil, nil, apiErr(err)
	}
	return aclFromZK(acl), statFromZK(st), nil
}

func (g *goZKClient) SetACL(ctx context.Context, path string, acl []api.ACL, version int32) (*api.Stat, error) {
	if err := g.check(ctx); err != nil {
		return nil, err
	}
	st, err := g.c.SetACL(path, aclToZK(acl), version)
	if err != nil {
		return nil, apiErr(err)
	}
	return statFromZK(st), nil
}

func (g *goZKClient) Sync(ctx context.Context, path string) (string, error) {
	if err := g.check(ctx); err != nil {
		return "", err
	}
	p, err := g.c.Sync(path)
	return p, apiErr(err)
}

func (g *goZKClient) Multi(ctx context.Context, ops ...api.Op) ([]api.OpResult, error) {
	if err := g.check(ctx); err != nil {
		return nil, err
	}
	zops := make([]any, len(ops))
	for i, op := range ops {
		switch o := op.(type) {
		case *api.CreateRequest:
			if o.Mode.IsTTL() {
				return nil, api.ErrUnimplemented
			}
			zops[i] = &zk.CreateRequest{Path: o.Path, Data: o.Data, Acl: aclToZK(o.ACL), Flags: int32(o.Mode)}
		case *api.DeleteRequest:
			zops[i] = &zk.DeleteRequest{Path: o.Path, Version: o.Version}
		case *api.SetDataRequest:
			zops[i] = &zk.SetDataRequest{Path: o.Path, Data: o.Data, Version: o.Version}
		case *api.CheckRequest:
			zops[i] = &zk.CheckVersionRequest{Path: o.Path, Version: o.Version}
		default:
			return nil, api.ErrBadArguments
		}
	}
	res, err := g.c.Multi(zops...)
	out := make([]api.OpResult, len(res))
	for i, r := range res {
		out[i] = api.OpResult{Err: apiErr(r.Error), Path: r.String, Stat: statFromZK(r.Stat)}
		if err != nil && r.Error == nil {
			out[i].Err = api.OK // a failed multi's ops before the failure
		}
	}
	if err != nil {
		return out, apiErr(err)
	}
	return out, nil
}

func (g *goZKClient) MultiRead(context.Context, ...api.ReadOp) ([]api.OpResult, error) {
	return nil, api.ErrUnimplemented
}

func (g *goZKClient) AddWatch(context.Context, string, api.AddWatchMode) (<-chan api.Event, error) {
	return nil, api.ErrUnimplemented
}

func (g *goZKClient) RemoveWatches(context.Context, string, api.WatcherType) error {
	return api.ErrUnimplemented
}

func (g *goZKClient) CheckWatches(context.Context, string, api.WatcherType) error {
	return api.ErrUnimplemented
}

func (g *goZKClient) AddAuth(ctx context.Context, scheme string, auth []byte) error {
	if err := g.check(ctx); err != nil {
		return err
	}
	return apiErr(g.c.AddAuth(scheme, auth))
}

func (g *goZKClient) WhoAmI(context.Context) ([]api.ClientInfo, error) {
	return nil, api.ErrUnimplemented
}

func (g *goZKClient) SessionID() api.SessionID { return api.SessionID(g.c.SessionID()) }

func (g *goZKClient) Close() error {
	g.c.Close()
	return nil
}
