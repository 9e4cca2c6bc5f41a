package api

import "time"

// Request is one ZooKeeper operation, as a value. The direct engine session
// and the wire server both execute requests of these types; Op and ReadOp are
// the subsets allowed inside Multi and MultiRead.
type Request interface {
	isRequest()
}

// Op is an operation allowed in a Multi: *CreateRequest, *DeleteRequest,
// *SetDataRequest or *CheckRequest.
type Op interface {
	Request
	isOp()
}

// ReadOp is an operation allowed in a MultiRead: *GetDataRequest or
// *GetChildrenRequest.
type ReadOp interface {
	Request
	isReadOp()
}

// CreateRequest creates a znode. TTL applies to the TTL modes only.
type CreateRequest struct {
	Path string
	Data []byte
	ACL  []ACL
	Mode CreateMode
	TTL  time.Duration
}

// DeleteRequest deletes a znode; Version -1 matches any version.
type DeleteRequest struct {
	Path    string
	Version int32
}

// SetDataRequest replaces a znode's data; Version -1 matches any version.
type SetDataRequest struct {
	Path    string
	Data    []byte
	Version int32
}

// CheckRequest checks a znode's version inside a Multi; Version -1 checks
// only that the znode exists.
type CheckRequest struct {
	Path    string
	Version int32
}

// SetACLRequest replaces a znode's ACL; Version -1 matches any ACL version.
type SetACLRequest struct {
	Path    string
	ACL     []ACL
	Version int32
}

// MultiRequest applies Ops atomically: all or none.
type MultiRequest struct {
	Ops []Op
}

// SyncRequest waits until every write committed before it is visible to the
// session.
type SyncRequest struct {
	Path string
}

// CloseSessionRequest ends the session: its ephemerals are deleted and its
// watches removed.
type CloseSessionRequest struct{}

// GetDataRequest reads a znode's data and Stat; Watch leaves a data watch.
type GetDataRequest struct {
	Path  string
	Watch bool
}

// ExistsRequest reads a znode's Stat; Watch leaves a data watch on an
// existing znode or an exist watch on a missing one.
type ExistsRequest struct {
	Path  string
	Watch bool
}

// GetChildrenRequest lists a znode's children; Watch leaves a child watch.
type GetChildrenRequest struct {
	Path  string
	Watch bool
}

// GetACLRequest reads a znode's ACL and Stat.
type GetACLRequest struct {
	Path string
}

// GetAllChildrenNumberRequest counts every descendant of a znode.
type GetAllChildrenNumberRequest struct {
	Path string
}

// GetEphemeralsRequest lists the session's ephemerals whose paths start with
// Prefix ("/" for all).
type GetEphemeralsRequest struct {
	Prefix string
}

// MultiReadRequest runs read Ops against one consistent state; each op
// succeeds or fails on its own.
type MultiReadRequest struct {
	Ops []ReadOp
}

// AddWatchRequest adds a persistent or persistent-recursive watch.
type AddWatchRequest struct {
	Path string
	Mode AddWatchMode
}

// RemoveWatchesRequest removes the session's watches of Type on Path.
type RemoveWatchesRequest struct {
	Path string
	Type WatcherType
}

// CheckWatchesRequest checks that the session has a watch of Type on Path.
type CheckWatchesRequest struct {
	Path string
	Type WatcherType
}

// SetWatchesRequest re-registers watches after a reconnect. Any watch whose
// znode changed after RelativeZxid fires at once, as ZooKeeper's
// DataTree.setWatches does.
type SetWatchesRequest struct {
	RelativeZxid        Zxid
	Data                []string
	Exist               []string
	Child               []string
	Persistent          []string
	PersistentRecursive []string
}

// AddAuthRequest adds an identity to the session (addAuthInfo).
type AddAuthRequest struct {
	Scheme string
	Auth   []byte
}

// WhoAmIRequest lists the session's identities.
type WhoAmIRequest struct{}

func (*CreateRequest) isRequest()               {}
func (*DeleteRequest) isRequest()               {}
func (*SetDataRequest) isRequest()              {}
func (*CheckRequest) isRequest()                {}
func (*SetACLRequest) isRequest()               {}
func (*MultiRequest) isRequest()                {}
func (*SyncRequest) isRequest()                 {}
func (*CloseSessionRequest) isRequest()         {}
func (*GetDataRequest) isRequest()              {}
func (*ExistsRequest) isRequest()               {}
func (*GetChildrenRequest) isRequest()          {}
func (*GetACLRequest) isRequest()               {}
func (*GetAllChildrenNumberRequest) isRequest() {}
func (*GetEphemeralsRequest) isRequest()        {}
func (*MultiReadRequest) isRequest()            {}
func (*AddWatchRequest) isRequest()             {}
func (*RemoveWatchesRequest) isRequest()        {}
func (*CheckWatchesRequest) isRequest()         {}
func (*SetWatchesRequest) isRequest()           {}
func (*AddAuthRequest) isRequest()              {}
func (*WhoAmIRequest) isRequest()               {}

func (*CreateRequest) isOp()  {}
func (*DeleteRequest) isOp()  {}
func (*SetDataRequest) isOp() {}
func (*CheckRequest) isOp()   {}

func (*GetDataRequest) isReadOp()     {}
func (*GetChildrenRequest) isReadOp() {}

// IsWrite reports whether r changes state and so goes through the sequencer
// (and gets a zxid): create, delete, setData, setACL, check, multi, sync,
// closeSession.
func IsWrite(r Request) bool {
	switch r.(type) {
	case *CreateRequest, *DeleteRequest, *SetDataRequest, *SetACLRequest, *CheckRequest,
		*MultiRequest, *SyncRequest, *CloseSessionRequest:
		return true
	}
	return false
}

// Response is the outcome of a Request. Err is nil or a Code; which other
// fields are set depends on the request:
//
//	create           Path (the name created), Stat
//	delete, check    -
//	setData, setACL  Stat
//	exists           Stat (nil when the znode does not exist; Err is then ErrNoNode)
//	getData          Data, Stat
//	getChildren      Children, Stat
//	getACL           ACL, Stat
//	getAllChildrenNumber  Number
//	getEphemerals    Children (full paths)
//	multi, multiRead Results (one per op; Err is the first failure for multi)
//	sync             Path
//	whoAmI           Identities
//
// Zxid is the zxid of the change for a write, else the last committed zxid
// when the request was answered.
type Response struct {
	Err        error
	Zxid       Zxid
	Path       string
	Stat       *Stat
	Data       []byte
	Children   []string
	ACL        []ACL
	Number     int32
	Results    []OpResult
	Identities []ClientInfo
}

// OpResult is the outcome of one op of a Multi or MultiRead. Err is nil when
// the op succeeded. When a Multi fails, nothing is applied and, as ZooKeeper
// reports it (DataTree.processTxn), every result is an error: OK (the code 0,
// as an error) for the ops before the one that failed, that op's own code,
// and ErrRuntimeInconsistency for the ops after it. In a MultiRead each op
// succeeds or fails on its own.
type OpResult struct {
	Err      error
	Path     string   // create: the name created
	Stat     *Stat    // create, setData: the new Stat; getData: the znode's Stat (a multiRead getChildren has none)
	Data     []byte   // getData
	Children []string // getChildren
}
