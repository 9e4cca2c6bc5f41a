package jute

// MultiOp is one operation of a MultiRequest: its op code and its request
// record. Body must be the record the Type calls for:
//
//	OpCreate, OpCreate2, OpCreateContainer  *CreateRequest
//	OpCreateTTL                             *CreateTTLRequest
//	OpDelete                                *DeleteRequest
//	OpSetData                               *SetDataRequest
//	OpCheck                                 *CheckVersionRequest
//	OpGetChildren (multiRead only)          *GetChildrenRequest
//	OpGetData (multiRead only)              *GetDataRequest
//
// The Java client sends create2 and createContainer operations with a plain
// CreateRequest body, and createTTL with a CreateTTLRequest
// (MultiOperationRecord.java).
type MultiOp struct {
	Type OpCode
	Body Record
}

// MultiRequest is the body of a multi or multiRead request
// (org.apache.zookeeper.MultiOperationRecord): each operation as a
// MultiHeader{Type, false, -1} and its request record, then a closing
// MultiHeader{-1, true, -1}. Mixing read and write operations is not checked
// here; ZooKeeper refuses it when it processes the request.
type MultiRequest struct {
	Ops []MultiOp
}

// AppendTo appends the encoding of m to b.
func (m MultiRequest) AppendTo(b []byte) []byte {
	for _, op := range m.Ops {
		b = MultiHeader{Type: op.Type, Err: -1}.AppendTo(b)
		if op.Body != nil {
			b = op.Body.AppendTo(b)
		}
	}
	return MultiHeader{Type: -1, Done: true, Err: -1}.AppendTo(b)
}

// Decode reads m from r. An operation type that a multi cannot hold fails
// with ErrInvalidRecord, as ZooKeeper's "Invalid type of op".
func (m *MultiRequest) Decode(r *Reader) {
	m.Ops = nil
	var h MultiHeader
	for {
		h.Decode(r)
		if r.Err() != nil {
			m.Ops = nil
			return
		}
		if h.Done {
			return
		}
		var body Record
		switch h.Type {
		case OpCreate, OpCreate2, OpCreateContainer:
			body = new(CreateRequest)
		case OpCreateTTL:
			body = new(CreateTTLRequest)
		case OpDelete:
			body = new(DeleteRequest)
		case OpSetData:
			body = new(SetDataRequest)
		case OpCheck:
			body = new(CheckVersionRequest)
		case OpGetChildren:
			body = new(GetChildrenRequest)
		case OpGetData:
			body = new(GetDataRequest)
		default:
			r.fail(ErrInvalidRecord)
			m.Ops = nil
			return
		}
		body.Decode(r)
		m.Ops = grow(m.Ops)
		m.Ops = append(m.Ops, MultiOp{Type: h.Type, Body: body})
	}
}

// MultiResult is one result of a MultiResponse. Type and Body go together
// as follows:
//
//	OpCreate       *CreateResponse
//	OpCreate2      *Create2Response (also for createTTL and createContainer)
//	OpDelete       nil (also for deleteContainer)
//	OpCheck        nil
//	OpSetData      *SetDataResponse
//	OpGetChildren  *GetChildrenResponse (multiRead)
//	OpGetData      *GetDataResponse (multiRead)
//	OpError        nil; Err holds the error code
//
// Err is used only with OpError. In a failed multi, ZooKeeper reports the
// failing operation's code and RuntimeInconsistency (-2) for the others, or
// 0 for the operations before the failure.
type MultiResult struct {
	Type OpCode
	Err  int32
	Body Record
}

// MultiResponse is the body of a multi or multiRead reply
// (org.apache.zookeeper.MultiResponse): each result as a MultiHeader (with
// Err set only for OpError) and its response record, then a closing
// MultiHeader{-1, true, -1}.
type MultiResponse struct {
	Results []MultiResult
}

// AppendTo appends the encoding of m to b.
func (m MultiResponse) AppendTo(b []byte) []byte {
	for _, res := range m.Results {
		h := MultiHeader{Type: res.Type}
		if res.Type == OpError {
			h.Err = res.Err
		}
		b = h.AppendTo(b)
		switch {
		case res.Type == OpError:
			b = AppendInt(b, res.Err)
		case res.Body != nil:
			b = res.Body.AppendTo(b)
		}
	}
	return MultiHeader{Type: -1, Done: true, Err: -1}.AppendTo(b)
}

// Decode reads m from r. A result type that a multi cannot hold fails with
// ErrInvalidRecord. As in ZooKeeper's MultiResponse, the error code of an
// OpError result is taken from its ErrorResponse, not its header.
func (m *MultiResponse) Decode(r *Reader) {
	m.Results = nil
	var h MultiHeader
	for {
		h.Decode(r)
		if r.Err() != nil {
			m.Results = nil
			return
		}
		if h.Done {
			return
		}
		res := MultiResult{Type: h.Type}
		switch h.Type {
		case OpCreate:
			res.Body = new(CreateResponse)
		case OpCreate2:
			res.Body = new(Create2Response)
		case OpDelete, OpCheck:
		case OpSetData:
			res.Body = new(SetDataResponse)
		case OpGetChildren:
			res.Body = new(GetChildrenResponse)
		case OpGetData:
			res.Body = new(GetDataResponse)
		case OpError:
			res.Err = r.ReadInt()
		default:
			r.fail(ErrInvalidRecord)
			m.Results = nil
			return
		}
		if res.Body != nil {
			res.Body.Decode(r)
		}
		m.Results = grow(m.Results)
		m.Results = append(m.Results, res)
	}
}

// grow makes room for one more element by doubling, so decoding a multi of n
// operations allocates at most about twice the final slice; append's gentler
// growth for large slices would allocate about five times it in total.
func grow[T any](s []T) []T {
	if len(s) < cap(s) {
		return s
	}
	return append(make([]T, 0, max(4, 2*cap(s))), s...)
}
