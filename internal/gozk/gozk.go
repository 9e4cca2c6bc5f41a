// Package gozk adapts github.com/go-zookeeper/zk to api.Client, so the
// conformance suite (api/apitest) and interop tests can drive any ZooKeeper
// server through the standard Go client.
//
// go-zookeeper lacks several operations (addWatch, removeWatches,
// checkWatches, multiRead, getEphemerals, getAllChildrenNumber, whoAmI); their
// methods return api.ErrUnimplemented, and Lacks lists them for
// apitest.Target. Other gaps are bridged:
//
//   - Create2 is Create (or CreateContainer, CreateTTL) followed by Exists:
//     go-zookeeper has no create2, so the Stat is read right after, not
//     atomically.
//   - Watch events do not carry the zxid of their change (go-zookeeper drops
//     it), so Event.Zxid is -1; and events are forwarded to their api
//     channels by one short-lived goroutine per watch.
//   - go-zookeeper opens a new session by itself after an expiry; this client
//     instead fails every later call with api.ErrSessionExpired.
//   - go-zookeeper checks paths before sending them (a little differently
//     from ZooKeeper's PathUtils); its refusals become api.ErrBadArguments.
//
// Contexts are checked before each call only: go-zookeeper's calls cannot be
// cancelled.
package gozk

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/api/apitest"
)

// Lacks is what go-zookeeper v1.0.4 cannot do, in the form apitest.Target
// wants.
var Lacks = map[apitest.Feature]string{
	apitest.FeatureAddWatch:             "go-zookeeper lacks addWatch",
	apitest.FeatureRemoveWatches:        "go-zookeeper lacks removeWatches and checkWatches",
	apitest.FeatureMultiRead:            "go-zookeeper lacks multiRead",
	apitest.FeatureGetEphemerals:        "go-zookeeper lacks getEphemerals",
	apitest.FeatureGetAllChildrenNumber: "go-zookeeper lacks getAllChildrenNumber",
	apitest.FeatureWhoAmI:               "go-zookeeper lacks whoAmI",
	apitest.FeatureMultiCreateStat:      "go-zookeeper sends creates inside a multi as plain create, whose result has no Stat",
	apitest.FeatureMultiCreateModes:     "go-zookeeper cannot send createContainer or createTTL inside a multi",
	apitest.FeatureEventZxid:            "go-zookeeper does not expose the zxid of a notification",
	apitest.FeatureEventBeforeReply:     "the adapter forwards go-zookeeper's watch channels through goroutines, so it cannot promise an event is in its channel before a later reply returns",
}

// Options configure Dial. The zero value asks for a 10s session.
type Options struct {
	// SessionTimeout is the session timeout asked of the server; 0 means
	// 10s.
	SessionTimeout time.Duration
	// ConnectTimeout bounds the wait for the session; 0 means 30s.
	ConnectTimeout time.Duration
	// Dialer, if set, opens the connections instead of net.DialTimeout
	// (for example a transport.PipeListener's Dialer: no port at all).
	Dialer zk.Dialer
}

// Client is an api.Client over a go-zookeeper connection.
type Client struct {
	conn    *zk.Conn
	servers []string
	creds   *credentials

	expired    atomic.Bool // the session expired; every call fails
	closed     atomic.Bool
	closeOnce  sync.Once
	forwarders sync.WaitGroup // one per watch channel
}

var _ api.Client = (*Client)(nil)

// nopLogger silences go-zookeeper.
type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}

// Dial connects to the servers of addr ("host:port,host:port") and returns
// once a session is established.
func Dial(ctx context.Context, addr string, opts Options) (*Client, error) {
	if opts.SessionTimeout <= 0 {
		opts.SessionTimeout = 10 * time.Second
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 30 * time.Second
	}
	c := &Client{servers: strings.Split(addr, ","), creds: &credentials{dialer: opts.Dialer}}
	connected := make(chan struct{})
	var once sync.Once
	cb := func(ev zk.Event) {
		if ev.Type != zk.EventSession {
			return
		}
		switch ev.State {
		case zk.StateHasSession:
			once.Do(func() { close(connected) })
		case zk.StateExpired:
			c.expired.Store(true)
		}
	}
	conn, _, err := zk.Connect(c.servers, opts.SessionTimeout,
		zk.WithLogger(nopLogger{}), zk.WithEventCallback(cb), zk.WithDialer(c.creds.dial))
	if err != nil {
		return nil, err
	}
	c.conn = conn
	timer := time.NewTimer(opts.ConnectTimeout)
	defer timer.Stop()
	select {
	case <-connected:
		return c, nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-timer.C:
		err = fmt.Errorf("gozk: no session with %s within %v", addr, opts.ConnectTimeout)
	}
	c.Close()
	return nil, err
}

// ---- errors ----

var codes = map[error]api.Code{
	zk.ErrNoNode:                  api.ErrNoNode,
	zk.ErrNoAuth:                  api.ErrNoAuth,
	zk.ErrBadVersion:              api.ErrBadVersion,
	zk.ErrNoChildrenForEphemerals: api.ErrNoChildrenForEphemerals,
	zk.ErrNodeExists:              api.ErrNodeExists,
	zk.ErrNotEmpty:                api.ErrNotEmpty,
	zk.ErrSessionExpired:          api.ErrSessionExpired,
	zk.ErrInvalidACL:              api.ErrInvalidACL,
	zk.ErrAuthFailed:              api.ErrAuthFailed,
	zk.ErrSessionMoved:            api.ErrSessionMoved,
	zk.ErrReconfigDisabled:        api.ErrReconfigDisabled,
	zk.ErrBadArguments:            api.ErrBadArguments,
	zk.ErrAPIError:                api.ErrAPIError,
	zk.ErrInvalidPath:             api.ErrBadArguments,
	zk.ErrInvalidFlags:            api.ErrBadArguments,
	zk.ErrConnectionClosed:        api.ErrConnectionLoss,
	zk.ErrClosing:                 api.ErrConnectionLoss,
	zk.ErrNoServer:                api.ErrConnectionLoss,
	zk.ErrUnknown:                 api.ErrSystemError,
}

// mapErr turns a go-zookeeper error into an api.Code (wrapped with the
// original text when the code alone would lose it).
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	for zerr, code := range codes {
		if errors.Is(err, zerr) {
			return code
		}
	}
	msg := err.Error()
	// Codes go-zookeeper does not name: "unknown error: -6".
	if n, ok := strings.CutPrefix(msg, "unknown error: "); ok {
		if v, perr := strconv.Atoi(n); perr == nil {
			return api.Code(v)
		}
	}
	if strings.HasPrefix(msg, "invalid flag value") {
		return fmt.Errorf("gozk: %v: %w", err, api.ErrBadArguments)
	}
	return fmt.Errorf("gozk: %v: %w", err, api.ErrSystemError)
}

// pre checks ctx and the session before a call.
func (c *Client) pre(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.expired.Load() {
		return api.ErrSessionExpired
	}
	if c.closed.Load() {
		return api.ErrConnectionLoss
	}
	return nil
}

// post maps err, and reports an expiry the call may have run into.
func (c *Client) post(err error) error {
	if err != nil && c.expired.Load() {
		return api.ErrSessionExpired
	}
	return mapErr(err)
}

// ---- conversions ----

func toStat(s *zk.Stat) *api.Stat {
	if s == nil {
		return nil
	}
	return &api.Stat{
		Czxid: api.Zxid(s.Czxid), Mzxid: api.Zxid(s.Mzxid), Ctime: s.Ctime, Mtime: s.Mtime,
		Version: s.Version, Cversion: s.Cversion, Aversion: s.Aversion,
		EphemeralOwner: api.SessionID(s.EphemeralOwner), DataLength: s.DataLength,
		NumChildren: s.NumChildren, Pzxid: api.Zxid(s.Pzxid),
	}
}

func toZkACL(acl []api.ACL) []zk.ACL {
	if acl == nil {
		return nil
	}
	out := make([]zk.ACL, len(acl))
	for i, a := range acl {
		out[i] = zk.ACL{Perms: int32(a.Perms), Scheme: a.Scheme, ID: a.ID}
	}
	return out
}

func toACL(acl []zk.ACL) []api.ACL {
	out := make([]api.ACL, len(acl))
	for i, a := range acl {
		out[i] = api.ACL{Perms: api.Perm(a.Perms), Scheme: a.Scheme, ID: a.ID}
	}
	return out
}

// forward converts a go-zookeeper watch channel (one event, then closed) to
// an api one.
func (c *Client) forward(src <-chan zk.Event) <-chan api.Event {
	out := make(chan api.Event, 1)
	c.forwarders.Add(1)
	go func() {
		defer c.forwarders.Done()
		defer close(out)
		ev, ok := <-src
		if !ok {
			return
		}
		out <- c.toEvent(ev)
	}()
	return out
}

func (c *Client) toEvent(ev zk.Event) api.Event {
	if ev.Type == zk.EventNotWatching {
		state := api.StateClosed
		switch {
		case errors.Is(ev.Err, zk.ErrSessionExpired) || c.expired.Load():
			state = api.StateExpired
		case errors.Is(ev.Err, zk.ErrAuthFailed):
			state = api.StateAuthFailed
		}
		return api.Event{Type: api.EventNone, State: state, Path: ev.Path, Zxid: -1}
	}
	return api.Event{Type: api.EventType(ev.Type), State: api.StateSyncConnected, Path: ev.Path, Zxid: -1}
}

// ---- api.Client ----

// Create implements api.Client.
func (c *Client) Create(ctx context.Context, path string, data []byte, acl []api.ACL, mode api.CreateMode) (string, error) {
	if err := c.pre(ctx); err != nil {
		return "", err
	}
	var name string
	var err error
	switch {
	case mode.IsContainer():
		name, err = c.conn.CreateContainer(path, data, int32(mode), toZkACL(acl))
	case mode.IsTTL():
		// A TTL mode without a TTL: the server refuses it
		// (EphemeralType.validateTTL).
		name, err = c.conn.CreateTTL(path, data, int32(mode), toZkACL(acl), 0)
	default:
		name, err = c.conn.Create(path, data, int32(mode), toZkACL(acl))
	}
	return name, c.post(err)
}

// Create2 implements api.Client as a create followed by exists: go-zookeeper
// has no create2.
func (c *Client) Create2(ctx context.Context, path string, data []byte, acl []api.ACL, mode api.CreateMode, ttl time.Duration) (string, *api.Stat, error) {
	if err := c.pre(ctx); err != nil {
		return "", nil, err
	}
	var name string
	var err error
	switch {
	case mode.IsTTL():
		name, err = c.conn.CreateTTL(path, data, int32(mode), toZkACL(acl), ttl)
	case ttl != 0:
		// ZooKeeper refuses a TTL with any other mode
		// (EphemeralType.validateTTL); go-zookeeper cannot send it.
		return "", nil, api.ErrBadArguments
	default:
		name, err = c.Create(ctx, path, data, acl, mode)
	}
	if err != nil {
		return "", nil, c.post(err)
	}
	ok, st, err := c.conn.Exists(name)
	if err != nil {
		return name, nil, c.post(err)
	}
	if !ok {
		return name, nil, fmt.Errorf("gozk: %s vanished right after its create: %w", name, api.ErrNoNode)
	}
	return name, toStat(st), nil
}

// Delete implements api.Client.
func (c *Client) Delete(ctx context.Context, path string, version int32) error {
	if err := c.pre(ctx); err != nil {
		return err
	}
	return c.post(c.conn.Delete(path, version))
}

// Exists implements api.Client.
func (c *Client) Exists(ctx context.Context, path string) (*api.Stat, error) {
	if err := c.pre(ctx); err != nil {
		return nil, err
	}
	ok, st, err := c.conn.Exists(path)
	if err != nil || !ok {
		return nil, c.post(err)
	}
	return toStat(st), nil
}

// ExistsW implements api.Client.
func (c *Client) ExistsW(ctx context.Context, path string) (*api.Stat, <-chan api.Event, error) {
	if err := c.pre(ctx); err != nil {
		return nil, nil, err
	}
	ok, st, ch, err := c.conn.ExistsW(path)
	if err != nil {
		return nil, nil, c.post(err)
	}
	out := c.forward(ch)
	if !ok {
		return nil, out, nil
	}
	return toStat(st), out, nil
}

// Get implements api.Client.
func (c *Client) Get(ctx context.Context, path string) ([]byte, *api.Stat, error) {
	if err := c.pre(ctx); err != nil {
		return nil, nil, err
	}
	b, st, err := c.conn.Get(path)
	if err != nil {
		return nil, nil, c.post(err)
	}
	return b, toStat(st), nil
}

// GetW implements api.Client.
func (c *Client) GetW(ctx context.Context, path string) ([]byte, *api.Stat, <-chan api.Event, error) {
	if err := c.pre(ctx); err != nil {
		return nil, nil, nil, err
	}
	b, st, ch, err := c.conn.GetW(path)
	if err != nil {
		return nil, nil, nil, c.post(err)
	}
	return b, toStat(st), c.forward(ch), nil
}

// Set implements api.Client.
func (c *Client) Set(ctx context.Context, path string, data []byte, version int32) (*api.Stat, error) {
	if err := c.pre(ctx); err != nil {
		return nil, err
	}
	st, err := c.conn.Set(path, data, version)
	if err != nil {
		return nil, c.post(err)
	}
	return toStat(st), nil
}

// Children implements api.Client.
func (c *Client) Children(ctx context.Context, path string) ([]string, *api.Stat, error) {
	if err := c.pre(ctx); err != nil {
		return nil, nil, err
	}
	kids, st, err := c.conn.Children(path)
	if err != nil {
		return nil, nil, c.post(err)
	}
	return kids, toStat(st), nil
}

// ChildrenW implements api.Client.
func (c *Client) ChildrenW(ctx context.Context, path string) ([]string, *api.Stat, <-chan api.Event, error) {
	if err := c.pre(ctx); err != nil {
		return nil, nil, nil, err
	}
	kids, st, ch, err := c.conn.ChildrenW(path)
	if err != nil {
		return nil, nil, nil, c.post(err)
	}
	return kids, toStat(st), c.forward(ch), nil
}

// GetAllChildrenNumber returns api.ErrUnimplemented: go-zookeeper lacks it.
func (c *Client) GetAllChildrenNumber(context.Context, string) (int32, error) {
	return 0, api.ErrUnimplemented
}

// GetEphemerals returns api.ErrUnimplemented: go-zookeeper lacks it.
func (c *Client) GetEphemerals(context.Context, string) ([]string, error) {
	return nil, api.ErrUnimplemented
}

// GetACL implements api.Client.
func (c *Client) GetACL(ctx context.Context, path string) ([]api.ACL, *api.Stat, error) {
	if err := c.pre(ctx); err != nil {
		return nil, nil, err
	}
	acl, st, err := c.conn.GetACL(path)
	if err != nil {
		return nil, nil, c.post(err)
	}
	return toACL(acl), toStat(st), nil
}

// SetACL implements api.Client.
func (c *Client) SetACL(ctx context.Context, path string, acl []api.ACL, version int32) (*api.Stat, error) {
	if err := c.pre(ctx); err != nil {
		return nil, err
	}
	st, err := c.conn.SetACL(path, toZkACL(acl), version)
	if err != nil {
		return nil, c.post(err)
	}
	return toStat(st), nil
}

// Sync implements api.Client.
func (c *Client) Sync(ctx context.Context, path string) (string, error) {
	if err := c.pre(ctx); err != nil {
		return "", err
	}
	p, err := c.conn.Sync(path)
	return p, c.post(err)
}

// Multi implements api.Client. Container and TTL creates inside a multi
// return api.ErrUnimplemented: go-zookeeper sends every create as a plain
// create.
func (c *Client) Multi(ctx context.Context, ops ...api.Op) ([]api.OpResult, error) {
	if err := c.pre(ctx); err != nil {
		return nil, err
	}
	zops := make([]any, len(ops))
	for i, op := range ops {
		switch o := op.(type) {
		case *api.CreateRequest:
			if o.Mode.IsContainer() || o.Mode.IsTTL() {
				return nil, api.ErrUnimplemented
			}
			zops[i] = &zk.CreateRequest{Path: o.Path, Data: o.Data, Acl: toZkACL(o.ACL), Flags: int32(o.Mode)}
		case *api.DeleteRequest:
			zops[i] = &zk.DeleteRequest{Path: o.Path, Version: o.Version}
		case *api.SetDataRequest:
			zops[i] = &zk.SetDataRequest{Path: o.Path, Data: o.Data, Version: o.Version}
		case *api.CheckRequest:
			zops[i] = &zk.CheckVersionRequest{Path: o.Path, Version: o.Version}
		default:
			return nil, fmt.Errorf("gozk: op %T in a multi: %w", op, api.ErrBadArguments)
		}
	}
	res, err := c.conn.Multi(zops...)
	err = c.post(err)
	out := make([]api.OpResult, len(res))
	for i, r := range res {
		out[i] = api.OpResult{Err: mapErr(r.Error), Path: r.String, Stat: toStat(r.Stat)}
		if err != nil && out[i].Err == nil {
			// A failed multi reports OK, as an error, for the ops
			// before the failing one (api.OpResult).
			out[i].Err = api.OK
		}
	}
	return out, err
}

// MultiRead returns api.ErrUnimplemented: go-zookeeper lacks it.
func (c *Client) MultiRead(context.Context, ...api.ReadOp) ([]api.OpResult, error) {
	return nil, api.ErrUnimplemented
}

// AddWatch returns api.ErrUnimplemented: go-zookeeper lacks it.
func (c *Client) AddWatch(context.Context, string, api.AddWatchMode) (<-chan api.Event, error) {
	return nil, api.ErrUnimplemented
}

// RemoveWatches returns api.ErrUnimplemented: go-zookeeper lacks it.
func (c *Client) RemoveWatches(context.Context, string, api.WatcherType) error {
	return api.ErrUnimplemented
}

// CheckWatches returns api.ErrUnimplemented: go-zookeeper lacks it.
func (c *Client) CheckWatches(context.Context, string, api.WatcherType) error {
	return api.ErrUnimplemented
}

// AddAuth implements api.Client.
func (c *Client) AddAuth(ctx context.Context, scheme string, auth []byte) error {
	if err := c.pre(ctx); err != nil {
		return err
	}
	return c.post(c.conn.AddAuth(scheme, auth))
}

// WhoAmI returns api.ErrUnimplemented: go-zookeeper lacks it.
func (c *Client) WhoAmI(context.Context) ([]api.ClientInfo, error) {
	return nil, api.ErrUnimplemented
}

// SessionID implements api.Client: the id of the session this client
// opened (go-zookeeper's own id changes if it opens a new one after an
// expiry).
func (c *Client) SessionID() api.SessionID {
	id, _ := c.creds.get()
	if id == 0 {
		return api.SessionID(c.conn.SessionID())
	}
	return id
}

// Close closes the session and waits for the watch forwarders. It is
// idempotent.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		c.conn.Close()
		c.forwarders.Wait()
	})
	return nil
}

// ---- session credentials and expiry ----

// credentials remembers the first session the server granted, read from the
// connect response as it passes through the dialer.
type credentials struct {
	dialer zk.Dialer // nil: net.DialTimeout
	mu     sync.Mutex
	id     api.SessionID
	passwd []byte
}

func (cr *credentials) get() (api.SessionID, []byte) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	return cr.id, cr.passwd
}

func (cr *credentials) dial(network, address string, timeout time.Duration) (net.Conn, error) {
	dial := cr.dialer
	if dial == nil {
		dial = net.DialTimeout
	}
	conn, err := dial(network, address, timeout)
	if err != nil {
		return nil, err
	}
	return &sniffConn{Conn: conn, creds: cr}, nil
}

// sniffConn reads the connect response (the first frame the server sends)
// as it goes by: protocolVersion int32, timeOut int32, sessionId int64,
// passwd buffer.
type sniffConn struct {
	net.Conn
	creds *credentials
	buf   []byte
	done  bool
}

func (s *sniffConn) Read(p []byte) (int, error) {
	n, err := s.Conn.Read(p)
	if !s.done && n > 0 {
		s.buf = append(s.buf, p[:n]...)
		if len(s.buf) >= 4 {
			size := int(be32(s.buf))
			if len(s.buf) >= 4+size {
				s.done = true
				s.parse(s.buf[4 : 4+size])
				s.buf = nil
			}
		}
	}
	return n, err
}

func (s *sniffConn) parse(f []byte) {
	if len(f) < 20 {
		return
	}
	id := api.SessionID(int64(be32(f[8:]))<<32 | int64(be32(f[12:])))
	plen := int(be32(f[16:]))
	if id == 0 || plen < 0 || len(f) < 20+plen {
		return
	}
	s.creds.mu.Lock()
	defer s.creds.mu.Unlock()
	if s.creds.id == 0 {
		s.creds.id = id
		s.creds.passwd = append([]byte(nil), f[20:20+plen]...)
	}
}

func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
