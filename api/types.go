package api

import "strconv"

// Zxid is a ZooKeeper transaction id: every change to the tree gets the next
// one.
type Zxid int64

// SessionID identifies a client session.
type SessionID int64

// String formats the id in hexadecimal, as ZooKeeper's logs do.
func (id SessionID) String() string { return "0x" + strconv.FormatInt(int64(id), 16) }

// Stat is the metadata of a znode, with the fields and meaning of ZooKeeper's
// Stat record.
type Stat struct {
	Czxid          Zxid      // zxid of the change that created the znode
	Mzxid          Zxid      // zxid of the change that last modified its data
	Ctime          int64     // creation time, milliseconds since the epoch
	Mtime          int64     // time of the last data change, milliseconds since the epoch
	Version        int32     // number of changes to the data
	Cversion       int32     // number of changes to the children: creates plus deletes (sequence suffixes count creates only)
	Aversion       int32     // number of changes to the ACL
	EphemeralOwner SessionID // owning session of an ephemeral znode, else 0 (also 0 for containers and TTL nodes)
	DataLength     int32     // length of the data
	NumChildren    int32     // number of children
	Pzxid          Zxid      // zxid of the last change to the children
}

// Perm is a set of ZooKeeper permission bits (ZooDefs.Perms).
type Perm int32

// The permission bits.
const (
	PermRead   Perm = 1 << 0
	PermWrite  Perm = 1 << 1
	PermCreate Perm = 1 << 2
	PermDelete Perm = 1 << 3
	PermAdmin  Perm = 1 << 4
	PermAll    Perm = PermRead | PermWrite | PermCreate | PermDelete | PermAdmin
)

// String formats p as ZooKeeper's CLI does: a letter per bit, in the order
// "cdrwa".
func (p Perm) String() string {
	var b []byte
	for _, x := range []struct {
		bit Perm
		c   byte
	}{{PermCreate, 'c'}, {PermDelete, 'd'}, {PermRead, 'r'}, {PermWrite, 'w'}, {PermAdmin, 'a'}} {
		if p&x.bit != 0 {
			b = append(b, x.c)
		}
	}
	return string(b)
}

// Id is an identity in an ACL scheme: ("world", "anyone"), ("digest",
// "user:hash"), ("ip", "10.0.0.0/8"), ("auth", ""), ("super", "").
type Id struct {
	Scheme string
	ID     string
}

// ACL grants Perms to the identity Scheme:ID.
type ACL struct {
	Perms  Perm
	Scheme string
	ID     string
}

// CreateMode is how a znode is created, with ZooKeeper's CreateMode values.
type CreateMode int32

// The create modes.
const (
	ModePersistent                  CreateMode = 0
	ModeEphemeral                   CreateMode = 1
	ModePersistentSequential        CreateMode = 2
	ModeEphemeralSequential         CreateMode = 3
	ModeContainer                   CreateMode = 4
	ModePersistentWithTTL           CreateMode = 5
	ModePersistentSequentialWithTTL CreateMode = 6
)

// Valid reports whether m is one of the create modes.
func (m CreateMode) Valid() bool { return m >= ModePersistent && m <= ModePersistentSequentialWithTTL }

// IsEphemeral reports whether znodes of this mode die with their session.
func (m CreateMode) IsEphemeral() bool { return m == ModeEphemeral || m == ModeEphemeralSequential }

// IsSequential reports whether the name gets a 10-digit sequence suffix.
func (m CreateMode) IsSequential() bool {
	return m == ModePersistentSequential || m == ModeEphemeralSequential || m == ModePersistentSequentialWithTTL
}

// IsContainer reports whether m is the container mode.
func (m CreateMode) IsContainer() bool { return m == ModeContainer }

// IsTTL reports whether m is one of the TTL modes.
func (m CreateMode) IsTTL() bool {
	return m == ModePersistentWithTTL || m == ModePersistentSequentialWithTTL
}

// String returns ZooKeeper's name of the mode.
func (m CreateMode) String() string {
	switch m {
	case ModePersistent:
		return "PERSISTENT"
	case ModeEphemeral:
		return "EPHEMERAL"
	case ModePersistentSequential:
		return "PERSISTENT_SEQUENTIAL"
	case ModeEphemeralSequential:
		return "EPHEMERAL_SEQUENTIAL"
	case ModeContainer:
		return "CONTAINER"
	case ModePersistentWithTTL:
		return "PERSISTENT_WITH_TTL"
	case ModePersistentSequentialWithTTL:
		return "PERSISTENT_SEQUENTIAL_WITH_TTL"
	}
	return "CreateMode(" + strconv.Itoa(int(m)) + ")"
}

// EventType is the kind of a watch event (Watcher.Event.EventType).
type EventType int32

// The event types.
const (
	EventNone                   EventType = -1
	EventNodeCreated            EventType = 1
	EventNodeDeleted            EventType = 2
	EventNodeDataChanged        EventType = 3
	EventNodeChildrenChanged    EventType = 4
	EventDataWatchRemoved       EventType = 5
	EventChildWatchRemoved      EventType = 6
	EventPersistentWatchRemoved EventType = 7
)

var eventNames = map[EventType]string{
	EventNone: "None", EventNodeCreated: "NodeCreated", EventNodeDeleted: "NodeDeleted",
	EventNodeDataChanged: "NodeDataChanged", EventNodeChildrenChanged: "NodeChildrenChanged",
	EventDataWatchRemoved: "DataWatchRemoved", EventChildWatchRemoved: "ChildWatchRemoved",
	EventPersistentWatchRemoved: "PersistentWatchRemoved",
}

// String returns ZooKeeper's name of the event type.
func (t EventType) String() string {
	if n, ok := eventNames[t]; ok {
		return n
	}
	return "EventType(" + strconv.Itoa(int(t)) + ")"
}

// State is a session state (Watcher.Event.KeeperState).
type State int32

// The session states.
const (
	StateUnknown           State = -1
	StateDisconnected      State = 0
	StateNoSyncConnected   State = 1
	StateSyncConnected     State = 3
	StateAuthFailed        State = 4
	StateConnectedReadOnly State = 5
	StateSaslAuthenticated State = 6
	StateExpired           State = -112
	StateClosed            State = 7
)

var stateNames = map[State]string{
	StateUnknown: "Unknown", StateDisconnected: "Disconnected", StateNoSyncConnected: "NoSyncConnected",
	StateSyncConnected: "SyncConnected", StateAuthFailed: "AuthFailed", StateConnectedReadOnly: "ConnectedReadOnly",
	StateSaslAuthenticated: "SaslAuthenticated", StateExpired: "Expired", StateClosed: "Closed",
}

// String returns ZooKeeper's name of the state.
func (s State) String() string {
	if n, ok := stateNames[s]; ok {
		return n
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Event is a watch notification or a session state change. Path is relative
// to the client's chroot. Zxid is the zxid of the change that fired the watch
// (ZooKeeper 3.9), or -1 where none applies (state changes, removed watches).
type Event struct {
	Type  EventType
	State State
	Path  string
	Zxid  Zxid
}

// AddWatchMode is the kind of a watch added with AddWatch (AddWatchMode).
type AddWatchMode int32

// The AddWatch modes.
const (
	AddWatchPersistent          AddWatchMode = 0
	AddWatchPersistentRecursive AddWatchMode = 1
)

// WatcherType selects watches to remove or check (Watcher.WatcherType).
type WatcherType int32

// The watcher types.
const (
	WatcherChildren            WatcherType = 1
	WatcherData                WatcherType = 2
	WatcherAny                 WatcherType = 3
	WatcherPersistent          WatcherType = 4
	WatcherPersistentRecursive WatcherType = 5
)

// ClientInfo is one identity of a session, as WhoAmI reports it.
type ClientInfo struct {
	AuthScheme string
	User       string
}
