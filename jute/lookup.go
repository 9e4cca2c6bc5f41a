package jute

// NewRequest returns a new, empty record for the body of a request with op
// code op, as ZooKeeper's server reads it. Requests with no body (ping,
// closeSession, whoAmI, createSession) give nil and true; an op code that is
// not a client request gives nil and false.
func NewRequest(op OpCode) (rec Record, ok bool) {
	switch op {
	case OpCreate, OpCreate2, OpCreateContainer:
		return new(CreateRequest), true
	case OpCreateTTL:
		return new(CreateTTLRequest), true
	case OpDelete:
		return new(DeleteRequest), true
	case OpDeleteContainer:
		return new(DeleteContainerRequest), true
	case OpExists:
		return new(ExistsRequest), true
	case OpGetData:
		return new(GetDataRequest), true
	case OpSetData:
		return new(SetDataRequest), true
	case OpGetACL:
		return new(GetACLRequest), true
	case OpSetACL:
		return new(SetACLRequest), true
	case OpGetChildren:
		return new(GetChildrenRequest), true
	case OpGetChildren2:
		return new(GetChildren2Request), true
	case OpCheck:
		return new(CheckVersionRequest), true
	case OpSync:
		return new(SyncRequest), true
	case OpMulti, OpMultiRead:
		return new(MultiRequest), true
	case OpReconfig:
		return new(ReconfigRequest), true
	case OpCheckWatches:
		return new(CheckWatchesRequest), true
	case OpRemoveWatches:
		return new(RemoveWatchesRequest), true
	case OpAuth:
		return new(AuthPacket), true
	case OpSetWatches:
		return new(SetWatches), true
	case OpSetWatches2:
		return new(SetWatches2), true
	case OpSASL:
		return new(GetSASLRequest), true
	case OpGetEphemerals:
		return new(GetEphemeralsRequest), true
	case OpGetAllChildrenNumber:
		return new(GetAllChildrenNumberRequest), true
	case OpAddWatch:
		return new(AddWatchRequest), true
	case OpPing, OpCloseSession, OpWhoAmI, OpCreateSession:
		return nil, true
	}
	return nil, false
}

// NewResponse returns a new, empty record for the body of a successful reply
// to a request with op code op (a reply whose ReplyHeader.Err is not 0 has no
// body). Replies with no body (delete, check, setWatches, ping, auth, ...)
// give nil and true; an op code that is not a client request gives nil and
// false.
//
// Two replies copy quirks of ZooKeeper's FinalRequestProcessor that clients
// depend on: an addWatch reply carries an ErrorResponse with Err 0 (the Java
// client reads one), and a reconfig reply carries the new configuration as a
// GetDataResponse. A check outside a multi is given no body here; 3.9's
// FinalRequestProcessor builds a SetDataResponse for it, but no client sends
// a lone check or reads that body.
func NewResponse(op OpCode) (rec Record, ok bool) {
	switch op {
	case OpCreate:
		return new(CreateResponse), true
	case OpCreate2, OpCreateTTL, OpCreateContainer:
		return new(Create2Response), true
	case OpExists:
		return new(ExistsResponse), true
	case OpGetData, OpReconfig:
		return new(GetDataResponse), true
	case OpSetData:
		return new(SetDataResponse), true
	case OpGetACL:
		return new(GetACLResponse), true
	case OpSetACL:
		return new(SetACLResponse), true
	case OpGetChildren:
		return new(GetChildrenResponse), true
	case OpGetChildren2:
		return new(GetChildren2Response), true
	case OpSync:
		return new(SyncResponse), true
	case OpMulti, OpMultiRead:
		return new(MultiResponse), true
	case OpSASL:
		return new(SetSASLResponse), true
	case OpGetEphemerals:
		return new(GetEphemeralsResponse), true
	case OpGetAllChildrenNumber:
		return new(GetAllChildrenNumberResponse), true
	case OpWhoAmI:
		return new(WhoAmIResponse), true
	case OpAddWatch:
		return new(ErrorResponse), true
	case OpDelete, OpDeleteContainer, OpCheck, OpPing, OpCloseSession, OpAuth,
		OpSetWatches, OpSetWatches2, OpCheckWatches, OpRemoveWatches,
		OpCreateSession:
		return nil, true
	}
	return nil, false
}
