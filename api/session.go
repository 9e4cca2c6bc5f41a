package api

import "time"

// SessionParams are what a client presents to open or resume a session: the
// fields of ZooKeeper's ConnectRequest, plus where it comes from.
type SessionParams struct {
	// ID and Password resume an existing session; ID 0 opens a new one.
	ID       SessionID
	Password []byte
	// Timeout is the session timeout the client asks for; the server
	// bounds it.
	Timeout time.Duration
	// LastZxidSeen is the newest zxid the client has seen; a server that
	// is behind it refuses the client.
	LastZxidSeen Zxid
	// ReadOnly asks for a read-only session.
	ReadOnly bool
	// RemoteAddr is the client's address (host:port) for ip ACLs; empty
	// for an in-process session.
	RemoteAddr string
	// Identities are what the connection proved before the handshake (a
	// TLS client certificate: x509, and super for the certificate super
	// user). The session holds them, after its ip identity, until its next
	// connection.
	Identities []Id
}

// IdentityAdder is implemented by a ServerSession to which a server can
// add an identity it established itself on the connection (SASL, as
// ZooKeeperServer.processSasl adds "sasl" ids). The identity lasts until
// the session's next connection, as other authenticated identities.
type IdentityAdder interface {
	AddIdentity(id Id)
}

// EventSink receives a session's watch events and state changes. The engine
// calls it in zxid order, possibly from its sequencer, so it must not block
// or call back into the engine.
type EventSink func(Event)

// ServerSession is one session as a server sees it: the engine's side of a
// client. The transport server holds one per connection; the direct client
// wraps one.
type ServerSession interface {
	// ID returns the session id.
	ID() SessionID
	// Password returns the session's 16-byte password.
	Password() []byte
	// Timeout returns the negotiated session timeout.
	Timeout() time.Duration
	// ReadOnly reports whether the session is read-only.
	ReadOnly() bool
	// Do executes req and calls done with its response. Requests of one
	// session complete (done is called) in the order Do was called; done
	// may run before Do returns, or later on another goroutine, and must
	// not block. Watch events a request's reply reflects reach the sink
	// before done is called.
	Do(req Request, done func(Response))
	// LastZxid returns the last committed zxid.
	LastZxid() Zxid
	// Touch tells the engine the client is alive (any packet counts),
	// pushing back expiry.
	Touch()
	// Detach tells the engine the client's connection is gone. The session
	// lives on until it expires or is resumed; its watches are dropped
	// (the client re-registers them with SetWatchesRequest) and its sink
	// is no longer called.
	Detach()
}

// SessionOpener opens and resumes sessions: what a server serves. The
// engine implements it.
type SessionOpener interface {
	// OpenSession opens a new session (p.ID == 0) or resumes one. It fails
	// with ErrSessionExpired for an unknown or expired session or a wrong
	// password, and with an error for a client that has seen a newer zxid
	// than the server's. sink receives the session's events from now on.
	OpenSession(p SessionParams, sink EventSink) (ServerSession, error)
}
