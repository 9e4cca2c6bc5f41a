package jute

import "strconv"

// OpCode is the type of a request, with the values of ZooKeeper's
// ZooDefs.OpCode. It is the Type of a RequestHeader and of a MultiHeader.
type OpCode int32

// The operation codes (ZooDefs.OpCode).
const (
	OpNotification         OpCode = 0
	OpCreate               OpCode = 1
	OpDelete               OpCode = 2
	OpExists               OpCode = 3
	OpGetData              OpCode = 4
	OpSetData              OpCode = 5
	OpGetACL               OpCode = 6
	OpSetACL               OpCode = 7
	OpGetChildren          OpCode = 8
	OpSync                 OpCode = 9
	OpPing                 OpCode = 11
	OpGetChildren2         OpCode = 12
	OpCheck                OpCode = 13
	OpMulti                OpCode = 14
	OpCreate2              OpCode = 15
	OpReconfig             OpCode = 16
	OpCheckWatches         OpCode = 17
	OpRemoveWatches        OpCode = 18
	OpCreateContainer      OpCode = 19
	OpDeleteContainer      OpCode = 20
	OpCreateTTL            OpCode = 21
	OpMultiRead            OpCode = 22
	OpAuth                 OpCode = 100
	OpSetWatches           OpCode = 101
	OpSASL                 OpCode = 102
	OpGetEphemerals        OpCode = 103
	OpGetAllChildrenNumber OpCode = 104
	OpSetWatches2          OpCode = 105
	OpAddWatch             OpCode = 106
	OpWhoAmI               OpCode = 107
	OpCreateSession        OpCode = -10
	OpCloseSession         OpCode = -11
	OpError                OpCode = -1
)

// String returns the name ZooKeeper's Request.op2String gives op, or
// "OpCode(n)" for a code it does not know.
func (op OpCode) String() string {
	if s := OpName(op); s != "" {
		return s
	}
	return "OpCode(" + strconv.Itoa(int(op)) + ")"
}

// OpName returns the name of op as ZooKeeper's Request.op2String spells it
// ("create", "getData", "createSession", ...), or "" if op is not a known
// operation code.
func OpName(op OpCode) string {
	switch op {
	case OpNotification:
		return "notification"
	case OpCreate:
		return "create"
	case OpDelete:
		return "delete"
	case OpExists:
		return "exists"
	case OpGetData:
		return "getData"
	case OpSetData:
		return "setData"
	case OpGetACL:
		return "getACL"
	case OpSetACL:
		return "setACL"
	case OpGetChildren:
		return "getChildren"
	case OpSync:
		return "sync"
	case OpPing:
		return "ping"
	case OpGetChildren2:
		return "getChildren2"
	case OpCheck:
		return "check"
	case OpMulti:
		return "multi"
	case OpCreate2:
		return "create2"
	case OpReconfig:
		return "reconfig"
	case OpCheckWatches:
		return "checkWatches"
	case OpRemoveWatches:
		return "removeWatches"
	case OpCreateContainer:
		return "createContainer"
	case OpDeleteContainer:
		return "deleteContainer"
	case OpCreateTTL:
		return "createTTL"
	case OpMultiRead:
		return "multiRead"
	case OpAuth:
		return "auth"
	case OpSetWatches:
		return "setWatches"
	case OpSASL:
		return "sasl"
	case OpGetEphemerals:
		return "getEphemerals"
	case OpGetAllChildrenNumber:
		return "getAllChildrenNumber"
	case OpSetWatches2:
		return "setWatches2"
	case OpAddWatch:
		return "addWatch"
	case OpWhoAmI:
		return "whoAmI"
	case OpCreateSession:
		return "createSession"
	case OpCloseSession:
		return "closeSession"
	case OpError:
		return "error"
	}
	return ""
}

// Special xids (ClientCnxn). A reply with one of these xids is not the answer
// to a numbered request.
const (
	// XidNotification is the xid of a watch event sent by the server.
	XidNotification int32 = -1
	// XidPing is the xid of a ping and of its reply.
	XidPing int32 = -2
	// XidAuth is the xid of an AuthPacket and of its reply.
	XidAuth int32 = -4
	// XidSetWatches is the xid of a SetWatches or SetWatches2 request sent
	// after a reconnect, and of its reply.
	XidSetWatches int32 = -8
)

// ProtocolVersion is the protocol version of every ZooKeeper client and
// server to date, sent in ConnectRequest and ConnectResponse.
const ProtocolVersion int32 = 0

// DefaultMaxBuffer is ZooKeeper's default jute.maxbuffer: the largest frame,
// and so the largest znode data, a server accepts (0xfffff bytes, one byte
// under 1 MiB).
const DefaultMaxBuffer = 0xfffff

// Watch modes of an AddWatchRequest (ZooDefs.AddWatchModes).
const (
	AddWatchModePersistent          int32 = 0
	AddWatchModePersistentRecursive int32 = 1
)

// Watcher types of CheckWatchesRequest and RemoveWatchesRequest
// (Watcher.WatcherType).
const (
	WatcherTypeChildren            int32 = 1
	WatcherTypeData                int32 = 2
	WatcherTypeAny                 int32 = 3
	WatcherTypePersistent          int32 = 4
	WatcherTypePersistentRecursive int32 = 5
)
