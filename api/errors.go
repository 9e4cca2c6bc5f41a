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

// The ZooKeeper error codes, with the values of KeeperException.Code.
const (
	OK                              Code = 0
	ErrSystemError                  Code = -1
	ErrRuntimeInconsistency         Code = -2
	ErrDataInconsistency            Code = -3
	ErrConnectionLoss               Code = -4
	ErrMarshallingError             Code = -5
	ErrUnimplemented                Code = -6
	ErrOperationTimeout             Code = -7
	ErrBadArguments                 Code = -8
	ErrUnknownSession               Code = -12
	ErrNewConfigNoQuorum            Code = -13
	ErrReconfigInProgress           Code = -14
	ErrAPIError                     Code = -100
	ErrNoNode                       Code = -101
	ErrNoAuth                       Code = -102
	ErrBadVersion                   Code = -103
	ErrNoChildrenForEphemerals      Code = -108
	ErrNodeExists                   Code = -110
	ErrNotEmpty                     Code = -111
	ErrSessionExpired               Code = -112
	ErrInvalidCallback              Code = -113
	ErrInvalidACL                   Code = -114
	ErrAuthFailed                   Code = -115
	ErrSessionMoved                 Code = -118
	ErrNotReadOnly                  Code = -119
	ErrEphemeralOnLocalSession      Code = -120
	ErrNoWatcher                    Code = -121
	ErrRequestTimeout               Code = -122
	ErrReconfigDisabled             Code = -123
	ErrSessionClosedRequireSASLAuth Code = -124
	ErrQuotaExceeded                Code = -125
	ErrThrottled                    Code = -127
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
