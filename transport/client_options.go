package transport

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/zkembed/zkembed/api"
)

// DialFunc opens a connection to a server of the connect string (address is
// "host:port" as the connect string gave it). net.Dialer's DialContext fits;
// PipeListener.DialContext connects in memory.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// ClientOption configures Dial.
type ClientOption func(*clientOptions)

type clientOptions struct {
	sessionTimeout time.Duration
	connectTimeout time.Duration
	dial           DialFunc
	logger         *slog.Logger
	readOnly       bool
	auth           []authInfo
	onEvent        func(api.Event)
	maxBuffer      int
	minBackoff     time.Duration
	maxBackoff     time.Duration
	sec            *clientSecurity // TLS and SASL; nil for neither
}

// authInfo is one credential given to AddAuth or WithAuth, replayed on
// every connection.
type authInfo struct {
	scheme string
	auth   []byte
}

// DefaultSessionTimeout is the session timeout Dial asks for unless
// WithSessionTimeout says otherwise. The server bounds it (by default
// between 2 and 20 ticks).
const DefaultSessionTimeout = 10 * time.Second

// DefaultConnectTimeout bounds Dial's wait for the first session unless
// WithConnectTimeout says otherwise.
const DefaultConnectTimeout = 30 * time.Second

func defaultClientOptions() clientOptions {
	var d net.Dialer
	return clientOptions{
		sessionTimeout: DefaultSessionTimeout,
		connectTimeout: DefaultConnectTimeout,
		dial:           d.DialContext,
		maxBuffer:      4 << 20,
		minBackoff:     50 * time.Millisecond,
		maxBackoff:     time.Second,
	}
}

// WithSessionTimeout sets the session timeout asked of the server
// (DefaultSessionTimeout if not given). The client pings after a third of
// the negotiated timeout without sending, and declares the connection lost
// after two thirds of it without hearing from the server, as ZooKeeper's
// ClientCnxn.
func WithSessionTimeout(d time.Duration) ClientOption {
	return func(o *clientOptions) {
		if d > 0 {
			o.sessionTimeout = d
		}
	}
}

// WithConnectTimeout bounds how long Dial waits for the first session
// (DefaultConnectTimeout if not given; Dial's ctx bounds it too). Each
// connection attempt is also bounded by the session timeout divided by the
// number of servers, as in ClientCnxn.
func WithConnectTimeout(d time.Duration) ClientOption {
	return func(o *clientOptions) {
		if d > 0 {
			o.connectTimeout = d
		}
	}
}

// WithDialer replaces net.Dialer for opening connections; for example
// PipeListener.DialContext, to reach an in-process server with no port.
func WithDialer(dial DialFunc) ClientOption {
	return func(o *clientOptions) {
		if dial != nil {
			o.dial = dial
		}
	}
}

// WithLogger sets where the client logs connection changes (nil: nothing
// is logged).
func WithLogger(l *slog.Logger) ClientOption {
	return func(o *clientOptions) { o.logger = l }
}

// WithReadOnly lets the client connect to a server in read-only mode
// (ZooKeeper's canBeReadOnly): writes then fail with ErrNotReadOnly, and
// Client.ServerReadOnly reports it.
func WithReadOnly() ClientOption {
	return func(o *clientOptions) { o.readOnly = true }
}

// WithAuth adds a credential ("digest", []byte("user:password")) sent on
// every connection before any request, as if AddAuth had been called at
// once. A credential the server refuses ends the session with
// StateAuthFailed, and Dial fails with ErrAuthFailed.
func WithAuth(scheme string, auth []byte) ClientOption {
	return func(o *clientOptions) {
		o.auth = append(o.auth, authInfo{scheme: scheme, auth: bytes.Clone(auth)}) // keeps empty apart from nil
	}
}

// WithEventCallback sets a function that hears every change of the session's
// state (events of type EventNone: SyncConnected or ConnectedReadOnly on each
// connection, Disconnected when it is lost, then one of Expired, AuthFailed
// or Closed when the session ends), in order, on a goroutine of its own: a
// slow callback delays only later calls of itself, never the connection.
// The callback must not call Close, which waits for it.
func WithEventCallback(fn func(api.Event)) ClientOption {
	return func(o *clientOptions) { o.onEvent = fn }
}

// WithMaxBuffer sets the largest reply frame accepted from a server, in
// bytes (4 MiB if not given); a longer one drops the connection.
func WithMaxBuffer(n int) ClientOption {
	return func(o *clientOptions) {
		if n > 0 {
			o.maxBuffer = n
		}
	}
}

// WithReconnectBackoff sets the wait after a round in which every server
// failed: it starts at min and doubles up to max (50ms and 1s if not given).
func WithReconnectBackoff(min, max time.Duration) ClientOption {
	return func(o *clientOptions) {
		if min > 0 {
			o.minBackoff = min
		}
		if max >= o.minBackoff {
			o.maxBackoff = max
		}
	}
}

func (o *clientOptions) log() *slog.Logger {
	if o.logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.logger
}

// ClientDialer returns a DialFunc that connects to l in memory whatever the
// address, for WithDialer: Dial(ctx, "pipe", WithDialer(l.ClientDialer())).
func (l *PipeListener) ClientDialer() DialFunc {
	return func(ctx context.Context, _, _ string) (net.Conn, error) { return l.DialContext(ctx) }
}
