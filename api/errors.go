package api

import (
	"errors"
	"io/fs"
	"strconv"
)

// Code is a ZooKeeper error code (KeeperException.Code). A non-zero Code is
// itself an error; it maps to the generic errors of the standard library with
// errors.Is (ErrNoNode is fs.ErrNotExist, ErrNodeExists is fs.ErrExist, ErrNoAuth
// is fs.ErrPermission, ErrUnimplemented is errors.ErrUnsupported). A code
// received from the wire that this package does not name stays a Code.
type Code int32

// The ZooKeeper error codes, with the values of KeeperException.Code, grouped
// by when they happen: system errors first, then API errors (those of a
// request against the current state). Codes that only a ZooKeeper ensemble
// (reconfiguration, quorum, read-only mode, local sessions, quotas,
// throttling) or a client library (callbacks, timeouts of its own) produces
// are named so that a code from the wire keeps its name.
const (
	// OK is the code of a successful operation; it is not an error, and
	// Code.Err returns nil for it.
	OK Code = 0

	// ErrSystemError is returned when the server fails for a reason of its
	// own rather than the request's: in zkembed, when storage refused a write
	// (a failed sync; the engine refuses writes until it is reopened). CodeOf
	// gives it for any error that carries no code.
	ErrSystemError Code = -1
	// ErrRuntimeInconsistency is returned for the operations of a multi that
	// come after the one that failed: none of them was applied.
	ErrRuntimeInconsistency Code = -2
	// ErrDataInconsistency is returned by ZooKeeper when it finds its data
	// inconsistent; zkembed never returns it.
	ErrDataInconsistency Code = -3
	// ErrConnectionLoss is returned when the connection to the server was lost
	// or the session's client was closed before the reply came: the request
	// may or may not have been applied.
	ErrConnectionLoss Code = -4
	// ErrMarshallingError is returned when a request or reply cannot be
	// decoded: a malformed frame, or a length beyond what is left or allowed.
	ErrMarshallingError Code = -5
	// ErrUnimplemented is returned when the server does not implement the
	// operation (an unknown opcode; in zkembed reconfig and the removal of
	// watches of a kind it does not know).
	ErrUnimplemented Code = -6
	// ErrOperationTimeout is returned by a client when an operation did not
	// complete in time; the server never sends it.
	ErrOperationTimeout Code = -7
	// ErrBadArguments is returned when a request's arguments are invalid: an
	// invalid path, an unknown create mode or watcher type, a TTL out of
	// range or without extended types, a sequential name that overflows.
	ErrBadArguments Code = -8
	// ErrUnknownSession is returned by ZooKeeper when a session id is not
	// known to the leader; zkembed answers an unknown session at connect with
	// an expired one instead, as a single ZooKeeper server does.
	ErrUnknownSession Code = -12
	// ErrNewConfigNoQuorum is returned by ZooKeeper when a reconfiguration
	// has no quorum in the new configuration; zkembed never returns it.
	ErrNewConfigNoQuorum Code = -13
	// ErrReconfigInProgress is returned by ZooKeeper when another
	// reconfiguration is running; zkembed never returns it.
	ErrReconfigInProgress Code = -14

	// ErrAPIError is the boundary below which codes are API errors: those
	// caused by the request against the current state. It is never returned
	// by the server.
	ErrAPIError Code = -100
	// ErrNoNode is returned when the znode named does not exist (or, for a
	// create, its parent does not). It matches fs.ErrNotExist.
	ErrNoNode Code = -101
	// ErrNoAuth is returned when the session's identities are not granted the
	// permission the operation needs by the znode's ACL. It matches
	// fs.ErrPermission.
	ErrNoAuth Code = -102
	// ErrBadVersion is returned when a conditional operation's expected
	// version (set, delete, setACL, check) is not the znode's.
	ErrBadVersion Code = -103
	// ErrNoChildrenForEphemerals is returned when a create names an ephemeral
	// znode as the parent: ephemerals cannot have children.
	ErrNoChildrenForEphemerals Code = -108
	// ErrNodeExists is returned when a create names a znode that already
	// exists. It matches fs.ErrExist.
	ErrNodeExists Code = -110
	// ErrNotEmpty is returned when a delete names a znode that has children.
	ErrNotEmpty Code = -111
	// ErrSessionExpired is returned when the session has expired or was
	// closed: by the server after its timeout passed without a heartbeat, by
	// a connect that resumes a session the server no longer knows, or by any
	// call on a closed session. A session never comes back from it.
	ErrSessionExpired Code = -112
	// ErrInvalidCallback is returned by ZooKeeper's C client for a callback it
	// cannot call; the server never sends it.
	ErrInvalidCallback Code = -113
	// ErrInvalidACL is returned when an ACL is empty, names an unknown scheme
	// or a malformed id, or names the auth scheme while the session has no
	// identity to put in it.
	ErrInvalidACL Code = -114
	// ErrAuthFailed is returned when an addAuth's credentials are rejected by
	// the scheme (an unknown scheme, a malformed digest); the connection is
	// closed, as ZooKeeper closes it, and the client reports StateAuthFailed.
	ErrAuthFailed Code = -115
	// ErrSessionMoved is returned when a request arrives on a connection that
	// no longer holds its session: another connection has resumed it.
	ErrSessionMoved Code = -118
	// ErrNotReadOnly is returned by a read-only ZooKeeper server to a write;
	// zkembed has no read-only mode and never returns it.
	ErrNotReadOnly Code = -119
	// ErrEphemeralOnLocalSession is returned by ZooKeeper when a local session
	// creates an ephemeral; zkembed has no local sessions and never returns
	// it.
	ErrEphemeralOnLocalSession Code = -120
	// ErrNoWatcher is returned when removeWatches or checkWatches names a
	// path and kind on which the session has no watch.
	ErrNoWatcher Code = -121
	// ErrRequestTimeout is returned by ZooKeeper when a request waited too
	// long for a quorum; zkembed never returns it.
	ErrRequestTimeout Code = -122
	// ErrReconfigDisabled is returned for a reconfig request: dynamic
	// reconfiguration is disabled, as in ZooKeeper by default.
	ErrReconfigDisabled Code = -123
	// ErrSessionClosedRequireSASLAuth is returned when the server requires
	// SASL authentication and the session did not authenticate.
	ErrSessionClosedRequireSASLAuth Code = -124
	// ErrQuotaExceeded is returned by ZooKeeper when a hard quota would be
	// exceeded; zkembed has no quotas and never returns it.
	ErrQuotaExceeded Code = -125
	// ErrThrottled is returned by ZooKeeper when it sheds load; zkembed never
	// returns it.
	ErrThrottled Code = -127
)

var codeNames = map[Code]string{
	OK:                              "OK",
	ErrSystemError:                  "SystemError",
	ErrRuntimeInconsistency:         "RuntimeInconsistency",
	ErrDataInconsistency:            "DataInconsistency",
	ErrConnectionLoss:               "ConnectionLoss",
	ErrMarshallingError:             "MarshallingError",
	ErrUnimplemented:                "Unimplemented",
	ErrOperationTimeout:             "OperationTimeout",
	ErrBadArguments:                 "BadArguments",
	ErrUnknownSession:               "UnknownSession",
	ErrNewConfigNoQuorum:            "NewConfigNoQuorum",
	ErrReconfigInProgress:           "ReconfigInProgress",
	ErrAPIError:                     "APIError",
	ErrNoNode:                       "NoNode",
	ErrNoAuth:                       "NoAuth",
	ErrBadVersion:                   "BadVersion",
	ErrNoChildrenForEphemerals:      "NoChildrenForEphemerals",
	ErrNodeExists:                   "NodeExists",
	ErrNotEmpty:                     "NotEmpty",
	ErrSessionExpired:               "SessionExpired",
	ErrInvalidCallback:              "InvalidCallback",
	ErrInvalidACL:                   "InvalidACL",
	ErrAuthFailed:                   "AuthFailed",
	ErrSessionMoved:                 "SessionMoved",
	ErrNotReadOnly:                  "NotReadOnly",
	ErrEphemeralOnLocalSession:      "EphemeralOnLocalSession",
	ErrNoWatcher:                    "NoWatcher",
	ErrRequestTimeout:               "RequestTimeout",
	ErrReconfigDisabled:             "ReconfigDisabled",
	ErrSessionClosedRequireSASLAuth: "SessionClosedRequireSaslAuth",
	ErrQuotaExceeded:                "QuotaExceeded",
	ErrThrottled:                    "Throttled",
}

// Name returns ZooKeeper's name for the code ("NoNode"), or "Code(-999)" for a
// code this package does not know.
func (c Code) Name() string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	return "Code(" + strconv.Itoa(int(c)) + ")"
}

// Error returns "zk: " followed by the code's name.
func (c Code) Error() string { return "zk: " + c.Name() }

// Is reports whether c matches target: the same code, or the standard
// library error it stands for.
func (c Code) Is(target error) bool {
	switch target {
	case fs.ErrNotExist:
		return c == ErrNoNode
	case fs.ErrExist:
		return c == ErrNodeExists
	case fs.ErrPermission:
		return c == ErrNoAuth
	case errors.ErrUnsupported:
		return c == ErrUnimplemented
	}
	return false
}

// CodeOf returns the ZooKeeper code carried by err: OK for nil, the code of a
// Code anywhere in err's chain, and ErrSystemError for any other error.
func CodeOf(err error) Code {
	if err == nil {
		return OK
	}
	var c Code
	if errors.As(err, &c) {
		return c
	}
	return ErrSystemError
}

// Err returns c as an error: nil for OK.
func (c Code) Err() error {
	if c == OK {
		return nil
	}
	return c
}
