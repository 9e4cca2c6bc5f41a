package transport

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/internal/clientwatch"
	"github.com/zkembed/zkembed/jute"
)

// Client is a ZooKeeper session over the wire, to zkembed or to any Apache
// ZooKeeper ensemble: an api.Client. Dial opens one.
//
// The session outlives its connections: when a connection is lost, the
// requests in flight fail with api.ErrConnectionLoss (they may or may not
// have been applied) and the client reconnects to the next server of the
// connect string with the session id, password and the last zxid it saw,
// then sends its credentials and re-registers its watches (setWatches), so
// a watch whose znode changed meanwhile fires at once. When the server says
// the session expired, or refuses a credential, the session is over: every
// watch hears StateExpired (or StateAuthFailed) and every later call fails
// with api.ErrSessionExpired (api.ErrAuthFailed). After Close, calls fail
// with api.ErrSessionExpired, as with ZooKeeper's Java client.
//
// A Client is safe for concurrent use; requests from several goroutines are
// pipelined on the connection, and each caller's requests complete in the
// order sent.
type Client struct {
	opts    clientOptions
	log     *slog.Logger
	hosts   *hostProvider
	root    chroot
	watches *clientwatch.Manager
	events  *eventLoop

	sessionID atomic.Int64
	lastZxid  atomic.Int64 // the newest zxid seen in a reply
	roServer  atomic.Bool

	mu         sync.Mutex // guards everything below, and clientConn.pending/authq
	state      api.State
	ended      api.Code // non-zero once the session is over: what calls fail with
	closing    bool     // Close was called or closeSession answered: do not reconnect
	passwd     []byte
	negotiated time.Duration
	seenRW     bool       // a read-write server has accepted the session
	auth       []authInfo // credentials replayed on every connection
	outgoing   []*call    // queued, not yet sent
	cur        *clientConn
	xid        int32
	lastErr    error // the last connection failure, for Dial's error

	wbuf      []byte             // the write buffer; owned by the run goroutine
	wake      chan struct{}      // outgoing has calls
	cancelRun context.CancelFunc // stops the run goroutine's dials and waits
	runDone   chan struct{}
	closeOnce sync.Once
}

var _ api.Client = (*Client)(nil)

// Dial parses connectString ("host1:2181,host2:2181/chroot"; see
// ParseConnectString), connects to one of its servers, and returns once a
// session is open, or fails when ctx ends or the connect timeout passes.
// The servers are tried in a random order, then in turn; after a round in
// which all failed the client backs off before the next.
func Dial(ctx context.Context, connectString string, opts ...ClientOption) (*Client, error) {
	cs, err := ParseConnectString(connectString)
	if err != nil {
		return nil, err
	}
	o := defaultClientOptions()
	for _, opt := range opts {
		opt(&o)
	}
	c := &Client{
		opts:    o,
		log:     o.log(),
		hosts:   newHostProvider(cs.Hosts, o.minBackoff, o.maxBackoff),
		root:    chroot(cs.Chroot),
		watches: clientwatch.New(),
		events:  newEventLoop(o.onEvent),
		state:   api.StateDisconnected,
		auth:    o.auth,
		wake:    make(chan struct{}, 1),
		runDone: make(chan struct{}),
	}
	runCtx, cancel := context.WithCancel(context.Background())
	c.cancelRun = cancel
	first := make(chan struct{}, 1)
	go c.run(runCtx, first)

	ctx, stop := context.WithTimeout(ctx, o.connectTimeout)
	defer stop()
	select {
	case <-first:
	case <-c.runDone:
	case <-ctx.Done():
	}
	if err := c.openErr(ctx); err != nil {
		c.Close()
		return nil, err
	}
	if len(o.auth) > 0 {
		// The credentials went out first on the connection; a round trip
		// behind them tells whether the server accepted them.
		if _, err := c.Exists(ctx, "/"); err != nil {
			c.Close()
			return nil, fmt.Errorf("transport: dial %s: %w", connectString, err)
		}
	}
	return c, nil
}

// openErr returns why Dial has no session yet, or nil if it has one.
func (c *Client) openErr(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.ended != 0:
		return c.ended
	case c.state == api.StateSyncConnected || c.state == api.StateConnectedReadOnly:
		return nil
	case c.lastErr != nil:
		return fmt.Errorf("transport: no session: %w (last attempt: %v)", ctx.Err(), c.lastErr)
	}
	return fmt.Errorf("transport: no session: %w", ctx.Err())
}

func (c *Client) setLastErr(err error) {
	c.mu.Lock()
	c.lastErr = err
	c.mu.Unlock()
}

// emit hands a state change to the event loop.
func (c *Client) emit(s api.State) {
	c.events.push(api.Event{Type: api.EventNone, State: s, Zxid: -1})
}

// SessionID returns the session's id (0 before the first connection).
func (c *Client) SessionID() api.SessionID { return api.SessionID(c.sessionID.Load()) }

// State returns the session's state: StateSyncConnected or
// StateConnectedReadOnly while connected, StateDisconnected while
// reconnecting, or StateExpired, StateAuthFailed or StateClosed once the
// session is over.
func (c *Client) State() api.State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// ServerReadOnly reports whether the server of the current (or last)
// connection is in read-only mode; only a client dialled WithReadOnly
// connects to one.
func (c *Client) ServerReadOnly() bool { return c.roServer.Load() }

// SessionTimeout returns the negotiated session timeout (0 before the first
// connection).
func (c *Client) SessionTimeout() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.negotiated
}

// LastZxid returns the newest zxid the client has seen in a reply; it is
// sent on reconnection, and a server that is behind it refuses the client.
func (c *Client) LastZxid() api.Zxid { return api.Zxid(c.lastZxid.Load()) }

// Close closes the session: it sends closeSession (waiting at most the
// session timeout for the answer; the server then deletes the session's
// ephemerals), closes the connection, ends every watch with StateClosed and
// waits for every goroutine the client started. It is idempotent and
// returns nil; a session that could not be closed on the server expires
// there after its timeout.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		alive := c.ended == 0 && !c.closing && c.sessionID.Load() != 0
		timeout := c.negotiated
		c.mu.Unlock()
		if alive {
			ctx, cancel := context.WithTimeout(context.Background(), max(timeout, time.Second))
			if err := c.do(ctx, jute.OpCloseSession, nil, nil, nil); err != nil {
				c.log.Info("closeSession failed; the session will expire on the server",
					"session", c.SessionID().String(), "err", err)
			}
			cancel()
		}
		c.mu.Lock()
		c.closing = true
		c.mu.Unlock()
		c.end(api.StateClosed, api.ErrSessionExpired)
		c.cancelRun()
		c.mu.Lock()
		if cur := c.cur; cur != nil {
			c.mu.Unlock()
			cur.kill(api.ErrConnectionLoss)
		} else {
			c.mu.Unlock()
		}
		<-c.runDone
		if c.State() == api.StateClosed {
			c.emit(api.StateClosed)
		}
		c.watches.Close()
		c.events.close()
	})
	return nil
}

// check validates a path before sending, as the Java client does.
func check(path string) error { return api.ValidatePath(path) }

func statFromJute(s *jute.Stat) *api.Stat {
	return &api.Stat{
		Czxid: api.Zxid(s.Czxid), Mzxid: api.Zxid(s.Mzxid), Ctime: s.Ctime, Mtime: s.Mtime,
		Version: s.Version, Cversion: s.Cversion, Aversion: s.Aversion,
		EphemeralOwner: api.SessionID(s.EphemeralOwner), DataLength: s.DataLength,
		NumChildren: s.NumChildren, Pzxid: api.Zxid(s.Pzxid),
	}
}

// maxTTL is the largest TTL ZooKeeper accepts (EphemeralType.TTL's
// maximum, 0xFFFFFFFFFF milliseconds).
const maxTTL = time.Duration(0xFFFFFFFFFF) * time.Millisecond

// createOp returns the op code and body of a create, after the checks the
// Java client makes before sending (ZooKeeper.create: path, ACL, and
// EphemeralType.validateTTL).
func (c *Client) createOp(path string, data []byte, acl []api.ACL, mode api.CreateMode, ttl time.Duration, inMulti bool) (jute.OpCode, jute.Record, error) {
	if !mode.Valid() {
		return 0, nil, api.ErrBadArguments
	}
	if err := api.ValidateCreatePath(path, mode.IsSequential()); err != nil {
		return 0, nil, err
	}
	if mode.IsTTL() {
		if ttl < time.Millisecond || ttl > maxTTL {
			return 0, nil, api.ErrBadArguments
		}
	} else if ttl != 0 {
		return 0, nil, api.ErrBadArguments
	}
	if !inMulti && len(acl) == 0 {
		return 0, nil, api.ErrInvalidACL
	}
	if data == nil {
		data = []byte{} // Go's nil is not Java's null: store empty data
	}
	sp := c.root.server(path)
	jacl := aclsToJute(acl)
	switch {
	case mode.IsTTL():
		return jute.OpCreateTTL, &jute.CreateTTLRequest{Path: sp, Data: data, ACL: jacl, Flags: int32(mode), TTL: ttl.Milliseconds()}, nil
	case mode.IsContainer():
		return jute.OpCreateContainer, &jute.CreateRequest{Path: sp, Data: data, ACL: jacl, Flags: int32(mode)}, nil
	}
	return jute.OpCreate2, &jute.CreateRequest{Path: sp, Data: data, ACL: jacl, Flags: int32(mode)}, nil
}

// Create creates a znode and returns its name, relative to the chroot.
func (c *Client) Create(ctx context.Context, path string, data []byte, acl []api.ACL, mode api.CreateMode) (string, error) {
	op, req, err := c.createOp(path, data, acl, mode, 0, false)
	if err != nil {
		return "", err
	}
	if op == jute.OpCreate2 {
		op = jute.OpCreate // a plain create's reply has no Stat to decode
		var resp jute.CreateResponse
		if err := c.do(ctx, op, req, &resp, nil); err != nil {
			return "", err
		}
		return c.root.client(resp.Path), nil
	}
	var resp jute.Create2Response
	if err := c.do(ctx, op, req, &resp, nil); err != nil {
		return "", err
	}
	return c.root.client(resp.Path), nil
}

// Create2 creates a znode and returns its name, relative to the chroot, and
// its Stat. ttl is the time to live of the TTL modes (whole milliseconds,
// up to 0xFFFFFFFFFF) and must be zero for the others.
func (c *Client) Create2(ctx context.Context, path string, data []byte, acl []api.ACL, mode api.CreateMode, ttl time.Duration) (string, *api.Stat, error) {
	op, req, err := c.createOp(path, data, acl, mode, ttl, false)
	if err != nil {
		return "", nil, err
	}
	var resp jute.Create2Response
	if err := c.do(ctx, op, req, &resp, nil); err != nil {
		return "", nil, err
	}
	return c.root.client(resp.Path), statFromJute(&resp.Stat), nil
}

// Delete deletes a znode that has no children; version -1 matches any.
func (c *Client) Delete(ctx context.Context, path string, version int32) error {
	if err := check(path); err != nil {
		return err
	}
	return c.do(ctx, jute.OpDelete, &jute.DeleteRequest{Path: c.root.server(path), Version: version}, nil, nil)
}

// Exists returns the znode's Stat, or nil and no error if it does not
// exist.
func (c *Client) Exists(ctx context.Context, path string) (*api.Stat, error) {
	if err := check(path); err != nil {
		return nil, err
	}
	var resp jute.ExistsResponse
	err := c.do(ctx, jute.OpExists, &jute.ExistsRequest{Path: c.root.server(path)}, &resp, nil)
	if api.CodeOf(err) == api.ErrNoNode {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return statFromJute(&resp.Stat), nil
}

// ExistsW is Exists that also leaves a watch: a data watch if the znode
// exists, else an exist watch that fires when it is created.
func (c *Client) ExistsW(ctx context.Context, path string) (*api.Stat, <-chan api.Event, error) {
	if err := check(path); err != nil {
		return nil, nil, err
	}
	var resp jute.ExistsResponse
	var ch <-chan api.Event
	err := c.do(ctx, jute.OpExists, &jute.ExistsRequest{Path: c.root.server(path), Watch: true}, &resp, func(code api.Code) {
		switch code {
		case api.OK:
			ch = c.watches.Register(clientwatch.Data, path)
		case api.ErrNoNode:
			ch = c.watches.Register(clientwatch.Exist, path)
		}
	})
	switch api.CodeOf(err) {
	case api.ErrNoNode:
		return nil, ch, nil
	case api.OK:
		return statFromJute(&resp.Stat), ch, nil
	}
	return nil, nil, err
}

// Get returns a znode's data and Stat.
func (c *Client) Get(ctx context.Context, path string) ([]byte, *api.Stat, error) {
	if err := check(path); err != nil {
		return nil, nil, err
	}
	var resp jute.GetDataResponse
	if err := c.do(ctx, jute.OpGetData, &jute.GetDataRequest{Path: c.root.server(path)}, &resp, nil); err != nil {
		return nil, nil, err
	}
	return resp.Data, statFromJute(&resp.Stat), nil
}

// GetW is Get that also leaves a data watch.
func (c *Client) GetW(ctx context.Context, path string) ([]byte, *api.Stat, <-chan api.Event, error) {
	if err := check(path); err != nil {
		return nil, nil, nil, err
	}
	var resp jute.GetDataResponse
	var ch <-chan api.Event
	err := c.do(ctx, jute.OpGetData, &jute.GetDataRequest{Path: c.root.server(path), Watch: true}, &resp, func(code api.Code) {
		if code == api.OK {
			ch = c.watches.Register(clientwatch.Data, path)
		}
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return resp.Data, statFromJute(&resp.Stat), ch, nil
}

// Set replaces a znode's data if its version matches (-1 matches any) and
// returns the new Stat.
func (c *Client) Set(ctx context.Context, path string, data []byte, version int32) (*api.Stat, error) {
	if err := check(path); err != nil {
		return nil, err
	}
	if data == nil {
		data = []byte{}
	}
	var resp jute.SetDataResponse
	if err := c.do(ctx, jute.OpSetData, &jute.SetDataRequest{Path: c.root.server(path), Data: data, Version: version}, &resp, nil); err != nil {
		return nil, err
	}
	return statFromJute(&resp.Stat), nil
}

// Children returns the names of a znode's children and its Stat
// (getChildren2).
func (c *Client) Children(ctx context.Context, path string) ([]string, *api.Stat, error) {
	if err := check(path); err != nil {
		return nil, nil, err
	}
	var resp jute.GetChildren2Response
	if err := c.do(ctx, jute.OpGetChildren2, &jute.GetChildren2Request{Path: c.root.server(path)}, &resp, nil); err != nil {
		return nil, nil, err
	}
	return nonNil(resp.Children), statFromJute(&resp.Stat), nil
}

// ChildrenW is Children that also leaves a child watch.
func (c *Client) ChildrenW(ctx context.Context, path string) ([]string, *api.Stat, <-chan api.Event, error) {
	if err := check(path); err != nil {
		return nil, nil, nil, err
	}
	var resp jute.GetChildren2Response
	var ch <-chan api.Event
	err := c.do(ctx, jute.OpGetChildren2, &jute.GetChildren2Request{Path: c.root.server(path), Watch: true}, &resp, func(code api.Code) {
		if code == api.OK {
			ch = c.watches.Register(clientwatch.Child, path)
		}
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return nonNil(resp.Children), statFromJute(&resp.Stat), ch, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// GetAllChildrenNumber returns the number of descendants of a znode.
func (c *Client) GetAllChildrenNumber(ctx context.Context, path string) (int32, error) {
	if err := check(path); err != nil {
		return 0, err
	}
	var resp jute.GetAllChildrenNumberResponse
	if err := c.do(ctx, jute.OpGetAllChildrenNumber, &jute.GetAllChildrenNumberRequest{Path: c.root.server(path)}, &resp, nil); err != nil {
		return 0, err
	}
	return resp.TotalNumber, nil
}

// GetEphemerals returns the paths of the session's ephemerals under prefix
// ("/" for all), relative to the chroot. Unlike the Java client, which sends
// the prefix as given, the prefix is taken within the chroot and only
// ephemerals inside it are returned.
func (c *Client) GetEphemerals(ctx context.Context, prefix string) ([]string, error) {
	if prefix == "" {
		prefix = "/"
	}
	var resp jute.GetEphemeralsResponse
	if err := c.do(ctx, jute.OpGetEphemerals, &jute.GetEphemeralsRequest{PrefixPath: c.root.server(prefix)}, &resp, nil); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(resp.Ephemerals))
	for _, p := range resp.Ephemerals {
		if c.root.contains(p) {
			out = append(out, c.root.client(p))
		}
	}
	return out, nil
}

// GetACL returns a znode's ACL and Stat.
func (c *Client) GetACL(ctx context.Context, path string) ([]api.ACL, *api.Stat, error) {
	if err := check(path); err != nil {
		return nil, nil, err
	}
	var resp jute.GetACLResponse
	if err := c.do(ctx, jute.OpGetACL, &jute.GetACLRequest{Path: c.root.server(path)}, &resp, nil); err != nil {
		return nil, nil, err
	}
	return aclsFromJute(resp.ACL), statFromJute(&resp.Stat), nil
}

// SetACL replaces a znode's ACL if its ACL version matches (-1 matches any)
// and returns the new Stat.
func (c *Client) SetACL(ctx context.Context, path string, acl []api.ACL, version int32) (*api.Stat, error) {
	if err := check(path); err != nil {
		return nil, err
	}
	if len(acl) == 0 {
		return nil, api.ErrInvalidACL // ZooKeeper.validateACL
	}
	var resp jute.SetACLResponse
	if err := c.do(ctx, jute.OpSetACL, &jute.SetACLRequest{Path: c.root.server(path), ACL: aclsToJute(acl), Version: version}, &resp, nil); err != nil {
		return nil, err
	}
	return statFromJute(&resp.Stat), nil
}

// Sync returns once every write committed before it is visible to this
// session's server, with the path it was given.
func (c *Client) Sync(ctx context.Context, path string) (string, error) {
	if err := check(path); err != nil {
		return "", err
	}
	var resp jute.SyncResponse
	if err := c.do(ctx, jute.OpSync, &jute.SyncRequest{Path: c.root.server(path)}, &resp, nil); err != nil {
		return "", err
	}
	return c.root.client(resp.Path), nil
}

// Multi applies ops atomically. Creates are sent as create2 (container and
// TTL modes as createContainer and createTTL), so their results carry the
// Stat. On failure nothing is applied, the error is the first failing op's,
// and the results hold api.OK for the ops before it, its code, and
// api.ErrRuntimeInconsistency for the ops after it, as ZooKeeper answers.
func (c *Client) Multi(ctx context.Context, ops ...api.Op) ([]api.OpResult, error) {
	if err := api.ValidateOps(ops); err != nil {
		return nil, err
	}
	req := &jute.MultiRequest{Ops: make([]jute.MultiOp, len(ops))}
	for i, op := range ops {
		switch o := op.(type) {
		case *api.CreateRequest:
			code, body, err := c.createOp(o.Path, o.Data, o.ACL, o.Mode, o.TTL, true)
			if err != nil {
				return nil, err
			}
			req.Ops[i] = jute.MultiOp{Type: code, Body: body}
		case *api.DeleteRequest:
			req.Ops[i] = jute.MultiOp{Type: jute.OpDelete, Body: &jute.DeleteRequest{Path: c.root.server(o.Path), Version: o.Version}}
		case *api.SetDataRequest:
			data := o.Data
			if data == nil {
				data = []byte{}
			}
			req.Ops[i] = jute.MultiOp{Type: jute.OpSetData, Body: &jute.SetDataRequest{Path: c.root.server(o.Path), Data: data, Version: o.Version}}
		case *api.CheckRequest:
			req.Ops[i] = jute.MultiOp{Type: jute.OpCheck, Body: &jute.CheckVersionRequest{Path: c.root.server(o.Path), Version: o.Version}}
		default:
			return nil, api.ErrBadArguments
		}
	}
	var resp jute.MultiResponse
	if err := c.do(ctx, jute.OpMulti, req, &resp, nil); err != nil {
		return nil, err
	}
	out := c.multiResults(resp.Results)
	for _, r := range out {
		if code := api.CodeOf(r.Err); code != api.OK {
			return out, code
		}
	}
	return out, nil
}

// multiResults converts the results of a multi or multiRead.
func (c *Client) multiResults(in []jute.MultiResult) []api.OpResult {
	out := make([]api.OpResult, len(in))
	for i, r := range in {
		switch b := r.Body.(type) {
		case *jute.CreateResponse:
			out[i].Path = c.root.client(b.Path)
		case *jute.Create2Response:
			out[i].Path = c.root.client(b.Path)
			out[i].Stat = statFromJute(&b.Stat)
		case *jute.SetDataResponse:
			out[i].Stat = statFromJute(&b.Stat)
		case *jute.GetDataResponse:
			out[i].Data = b.Data
			out[i].Stat = statFromJute(&b.Stat)
		case *jute.GetChildrenResponse:
			out[i].Children = nonNil(b.Children)
		}
		if r.Type == jute.OpError {
			out[i].Err = api.Code(r.Err) // api.OK too: the ops before a failure
		}
	}
	return out
}

// MultiRead runs read ops against one state; each result stands alone.
// The ops' Watch fields are ignored: a multiRead leaves no watches.
func (c *Client) MultiRead(ctx context.Context, ops ...api.ReadOp) ([]api.OpResult, error) {
	req := &jute.MultiRequest{Ops: make([]jute.MultiOp, len(ops))}
	for i, op := range ops {
		if err := check(api.OpPath(op)); err != nil {
			return nil, err
		}
		switch o := op.(type) {
		case *api.GetDataRequest:
			req.Ops[i] = jute.MultiOp{Type: jute.OpGetData, Body: &jute.GetDataRequest{Path: c.root.server(o.Path)}}
		case *api.GetChildrenRequest:
			req.Ops[i] = jute.MultiOp{Type: jute.OpGetChildren, Body: &jute.GetChildrenRequest{Path: c.root.server(o.Path)}}
		default:
			return nil, api.ErrBadArguments
		}
	}
	var resp jute.MultiResponse
	if err := c.do(ctx, jute.OpMultiRead, req, &resp, nil); err != nil {
		return nil, err
	}
	return c.multiResults(resp.Results), nil
}

// AddWatch adds a persistent or persistent-recursive watch on path (which
// need not exist). Its channel receives every matching event until the
// watch is removed or the session ends; it is re-registered on reconnect
// (setWatches2).
func (c *Client) AddWatch(ctx context.Context, path string, mode api.AddWatchMode) (<-chan api.Event, error) {
	if err := check(path); err != nil {
		return nil, err
	}
	k := clientwatch.Persistent
	switch mode {
	case api.AddWatchPersistent:
	case api.AddWatchPersistentRecursive:
		k = clientwatch.Recursive
	default:
		return nil, api.ErrBadArguments
	}
	var ch <-chan api.Event
	// The reply's body is an ErrorResponse{0} (FinalRequestProcessor); it
	// carries nothing, so it is not decoded.
	err := c.do(ctx, jute.OpAddWatch, &jute.AddWatchRequest{Path: c.root.server(path), Mode: int32(mode)}, nil, func(code api.Code) {
		if code == api.OK {
			ch = c.watches.Register(k, path)
		}
	})
	if err != nil {
		return nil, err
	}
	return ch, nil
}

// RemoveWatches removes this session's watches of type wt on path; each
// removed watch's channel gets its removal event and closes. ErrNoWatcher if
// there is none.
func (c *Client) RemoveWatches(ctx context.Context, path string, wt api.WatcherType) error {
	if err := check(path); err != nil {
		return err
	}
	return c.do(ctx, jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: c.root.server(path), Type: int32(wt)}, nil, func(code api.Code) {
		if code == api.OK {
			c.watches.Remove(path, wt)
		}
	})
}

// CheckWatches returns ErrNoWatcher unless this session has a watch of type
// wt on path.
func (c *Client) CheckWatches(ctx context.Context, path string, wt api.WatcherType) error {
	if err := check(path); err != nil {
		return err
	}
	return c.do(ctx, jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: c.root.server(path), Type: int32(wt)}, nil, nil)
}

// AddAuth adds an identity to the session ("digest", "user:password") and
// waits for the server's answer. The credential is kept and sent again on
// every new connection. A credential the server refuses ends the session:
// AddAuth returns ErrAuthFailed, every watch hears StateAuthFailed and
// later calls fail with ErrAuthFailed, as with ZooKeeper's Java client.
func (c *Client) AddAuth(ctx context.Context, scheme string, auth []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	a := authInfo{scheme: scheme, auth: bytes.Clone(auth)} // keeps empty apart from nil
	c.mu.Lock()
	c.auth = append(c.auth, a)
	c.mu.Unlock()
	return c.do(ctx, jute.OpAuth, &jute.AuthPacket{Scheme: a.scheme, Auth: a.auth}, nil, nil)
}

// WhoAmI returns the session's identities (ZooKeeper 3.9).
func (c *Client) WhoAmI(ctx context.Context) ([]api.ClientInfo, error) {
	var resp jute.WhoAmIResponse
	if err := c.do(ctx, jute.OpWhoAmI, nil, &resp, nil); err != nil {
		return nil, err
	}
	out := make([]api.ClientInfo, len(resp.ClientInfo))
	for i, ci := range resp.ClientInfo {
		out[i] = api.ClientInfo{AuthScheme: ci.AuthScheme, User: ci.User}
	}
	return out, nil
}
