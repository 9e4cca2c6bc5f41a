package transport

import (
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/jute"
)

// This file maps jute request records to api requests, and api responses
// to jute reply records, for the server.

// decodeRequest decodes the body of a request of type op from r. It returns
// the api request to execute and, for a multi, its op codes (which pick the
// result records of the reply). Otherwise it returns the code to answer
// with: ErrMarshallingError for a body that does not decode (as
// ZooKeeper's request processors answer an IOException while reading a
// request record), ErrBadArguments for a createTTL whose mode is not a TTL
// mode, ErrUnimplemented for an op code that Request.isValid refuses or that
// zkembed does not serve (check outside a multi, notification,
// createSession, deleteContainer, sasl, unknown codes).
func decodeRequest(op jute.OpCode, r *jute.Reader) (api.Request, []jute.OpCode, api.Code) {
	var req api.Request
	var multi []jute.OpCode
	switch op {
	case jute.OpCreate, jute.OpCreate2, jute.OpCreateContainer:
		var x jute.CreateRequest
		x.Decode(r)
		c := createFromJute(x.Path, x.Data, x.ACL, x.Flags, -1)
		// The op code, not the flags, decides what is made: ZooKeeper
		// applies a create or create2 as a CreateTxn (an ordinary
		// persistent znode, even with the container flag), and a
		// createContainer as a CreateContainerTxn (a container).
		switch {
		case op == jute.OpCreateContainer:
			c.Mode = api.ModeContainer
		case c.Mode == api.ModeContainer:
			c.Mode = api.ModePersistent
		}
		req = c
	case jute.OpCreateTTL:
		var x jute.CreateTTLRequest
		x.Decode(r)
		if r.Err() == nil && !api.CreateMode(x.Flags).IsTTL() && api.CreateMode(x.Flags).Valid() && x.TTL >= 0 {
			// EphemeralType.validateTTL: a TTL for a mode without one.
			return nil, nil, api.ErrBadArguments
		}
		req = createFromJute(x.Path, x.Data, x.ACL, x.Flags, x.TTL)
	case jute.OpDelete:
		var x jute.DeleteRequest
		x.Decode(r)
		req = &api.DeleteRequest{Path: x.Path, Version: x.Version}
	case jute.OpExists:
		var x jute.ExistsRequest
		x.Decode(r)
		req = &api.ExistsRequest{Path: x.Path, Watch: x.Watch}
	case jute.OpGetData:
		var x jute.GetDataRequest
		x.Decode(r)
		req = &api.GetDataRequest{Path: x.Path, Watch: x.Watch}
	case jute.OpSetData:
		var x jute.SetDataRequest
		x.Decode(r)
		req = &api.SetDataRequest{Path: x.Path, Data: x.Data, Version: x.Version}
	case jute.OpGetACL:
		var x jute.GetACLRequest
		x.Decode(r)
		req = &api.GetACLRequest{Path: x.Path}
	case jute.OpSetACL:
		var x jute.SetACLRequest
		x.Decode(r)
		req = &api.SetACLRequest{Path: x.Path, ACL: aclsFromJute(x.ACL), Version: x.Version}
	case jute.OpGetChildren:
		var x jute.GetChildrenRequest
		x.Decode(r)
		req = &api.GetChildrenRequest{Path: x.Path, Watch: x.Watch}
	case jute.OpGetChildren2:
		var x jute.GetChildren2Request
		x.Decode(r)
		req = &api.GetChildrenRequest{Path: x.Path, Watch: x.Watch}
	case jute.OpSync:
		var x jute.SyncRequest
		x.Decode(r)
		req = &api.SyncRequest{Path: x.Path}
	case jute.OpMulti:
		var x jute.MultiRequest
		x.Decode(r)
		if r.Err() != nil {
			break
		}
		m := &api.MultiRequest{Ops: make([]api.Op, 0, len(x.Ops))}
		multi = make([]jute.OpCode, 0, len(x.Ops))
		for _, o := range x.Ops {
			op, ok := multiOpFromJute(o)
			if !ok {
				// MultiResponse/FinalRequestProcessor: "Invalid type of op".
				return nil, nil, api.ErrMarshallingError
			}
			m.Ops = append(m.Ops, op)
			multi = append(multi, multiOpCode(o.Type, op))
		}
		req = m
	case jute.OpMultiRead:
		var x jute.MultiRequest
		x.Decode(r)
		if r.Err() != nil {
			break
		}
		m := &api.MultiReadRequest{Ops: make([]api.ReadOp, 0, len(x.Ops))}
		multi = make([]jute.OpCode, 0, len(x.Ops))
		for _, o := range x.Ops {
			var op api.ReadOp
			switch b := o.Body.(type) {
			case *jute.GetDataRequest:
				op = &api.GetDataRequest{Path: b.Path, Watch: b.Watch}
			case *jute.GetChildrenRequest:
				op = &api.GetChildrenRequest{Path: b.Path, Watch: b.Watch}
			default:
				// FinalRequestProcessor: "Invalid type of readOp".
				return nil, nil, api.ErrMarshallingError
			}
			m.Ops = append(m.Ops, op)
			multi = append(multi, o.Type)
		}
		req = m
	case jute.OpAuth:
		var x jute.AuthPacket
		x.Decode(r)
		req = &api.AddAuthRequest{Scheme: x.Scheme, Auth: x.Auth}
	case jute.OpSetWatches:
		var x jute.SetWatches
		x.Decode(r)
		req = &api.SetWatchesRequest{RelativeZxid: api.Zxid(x.RelativeZxid),
			Data: x.DataWatches, Exist: x.ExistWatches, Child: x.ChildWatches}
	case jute.OpSetWatches2:
		var x jute.SetWatches2
		x.Decode(r)
		req = &api.SetWatchesRequest{RelativeZxid: api.Zxid(x.RelativeZxid),
			Data: x.DataWatches, Exist: x.ExistWatches, Child: x.ChildWatches,
			Persistent: x.PersistentWatches, PersistentRecursive: x.PersistentRecursiveWatches}
	case jute.OpAddWatch:
		var x jute.AddWatchRequest
		x.Decode(r)
		req = &api.AddWatchRequest{Path: x.Path, Mode: api.AddWatchMode(x.Mode)}
	case jute.OpRemoveWatches:
		var x jute.RemoveWatchesRequest
		x.Decode(r)
		req = &api.RemoveWatchesRequest{Path: x.Path, Type: api.WatcherType(x.Type)}
	case jute.OpCheckWatches:
		var x jute.CheckWatchesRequest
		x.Decode(r)
		req = &api.CheckWatchesRequest{Path: x.Path, Type: api.WatcherType(x.Type)}
	case jute.OpGetEphemerals:
		var x jute.GetEphemeralsRequest
		x.Decode(r)
		req = &api.GetEphemeralsRequest{Prefix: x.PrefixPath}
	case jute.OpGetAllChildrenNumber:
		var x jute.GetAllChildrenNumberRequest
		x.Decode(r)
		req = &api.GetAllChildrenNumberRequest{Path: x.Path}
	case jute.OpWhoAmI:
		req = &api.WhoAmIRequest{}
	case jute.OpCloseSession:
		req = &api.CloseSessionRequest{}
	default:
		return nil, nil, api.ErrUnimplemented
	}
	if r.Err() != nil {
		return nil, nil, api.ErrMarshallingError
	}
	return req, multi, api.OK
}

// createFromJute builds a create request. ttl is the createTTL field in
// milliseconds, or -1 when the op code carries none; the result's TTL is
// non-zero exactly when ZooKeeper would accept or check one, so the backend
// answers BadArguments where EphemeralType.validateTTL does.
func createFromJute(path string, data []byte, acl []jute.ACL, flags int32, ttl int64) *api.CreateRequest {
	mode := api.CreateMode(flags)
	c := &api.CreateRequest{Path: path, Data: data, ACL: aclsFromJute(acl), Mode: mode}
	switch {
	case mode.IsTTL() && ttl > 0:
		c.TTL = time.Duration(ttl) * time.Millisecond
	case mode.IsTTL(), ttl >= 0:
		c.TTL = -time.Millisecond // invalid for this mode: BadArguments
	}
	return c
}

// multiOpCode is the op code ZooKeeper gives a multi's op, which decides its
// result record: Op.create derives it from the mode (a container or TTL mode
// is a createContainer or createTTL whatever the wire said), so those
// results carry a Stat like create2's.
func multiOpCode(wire jute.OpCode, op api.Op) jute.OpCode {
	if c, ok := op.(*api.CreateRequest); ok {
		switch {
		case c.Mode.IsContainer():
			return jute.OpCreateContainer
		case c.Mode.IsTTL():
			return jute.OpCreateTTL
		}
	}
	return wire
}

// multiOpFromJute converts one operation of a multi.
func multiOpFromJute(o jute.MultiOp) (api.Op, bool) {
	switch b := o.Body.(type) {
	case *jute.CreateRequest:
		return createFromJute(b.Path, b.Data, b.ACL, b.Flags, -1), true
	case *jute.CreateTTLRequest:
		return createFromJute(b.Path, b.Data, b.ACL, b.Flags, b.TTL), true
	case *jute.DeleteRequest:
		return &api.DeleteRequest{Path: b.Path, Version: b.Version}, true
	case *jute.SetDataRequest:
		return &api.SetDataRequest{Path: b.Path, Data: b.Data, Version: b.Version}, true
	case *jute.CheckVersionRequest:
		return &api.CheckRequest{Path: b.Path, Version: b.Version}, true
	}
	return nil, false
}

func aclsFromJute(in []jute.ACL) []api.ACL {
	if in == nil {
		return nil
	}
	out := make([]api.ACL, len(in))
	for i, a := range in {
		out[i] = api.ACL{Perms: api.Perm(a.Perms), Scheme: a.ID.Scheme, ID: a.ID.ID}
	}
	return out
}

func aclsToJute(in []api.ACL) []jute.ACL {
	out := make([]jute.ACL, len(in))
	for i, a := range in {
		out[i] = jute.ACL{Perms: int32(a.Perms), ID: jute.Id{Scheme: a.Scheme, ID: a.ID}}
	}
	return out
}

func statToJute(s *api.Stat) jute.Stat {
	if s == nil {
		return jute.Stat{}
	}
	return jute.Stat{
		Czxid: int64(s.Czxid), Mzxid: int64(s.Mzxid), Ctime: s.Ctime, Mtime: s.Mtime,
		Version: s.Version, Cversion: s.Cversion, Aversion: s.Aversion,
		EphemeralOwner: int64(s.EphemeralOwner), DataLength: s.DataLength,
		NumChildren: s.NumChildren, Pzxid: int64(s.Pzxid),
	}
}

// appendResponse appends the reply header and body of a completed request.
// A failed request gets a header only, except a multi or multiRead with
// per-op results, which ZooKeeper answers with error 0 and the results.
func appendResponse(b []byte, it *item) []byte {
	resp := &it.resp
	h := jute.ReplyHeader{Xid: it.xid, Zxid: int64(resp.Zxid), Err: int32(api.CodeOf(resp.Err))}
	if it.op == jute.OpAuth {
		h.Zxid = 0 // ZooKeeperServer.processPacket answers auth with zxid 0
	}
	if it.op == jute.OpSASL {
		// processSasl: zxid 0, and the token record even with an error.
		h.Zxid = 0
		return jute.SetSASLResponse{Token: resp.Data}.AppendTo(h.AppendTo(b))
	}
	isMulti := it.op == jute.OpMulti || it.op == jute.OpMultiRead
	if isMulti && len(resp.Results) > 0 {
		h.Err = 0
	}
	b = h.AppendTo(b)
	if h.Err != 0 {
		return b
	}
	switch it.op {
	case jute.OpCreate:
		b = jute.AppendString(b, resp.Path)
	case jute.OpCreate2, jute.OpCreateTTL, jute.OpCreateContainer:
		b = jute.AppendString(b, resp.Path)
		b = statToJute(resp.Stat).AppendTo(b)
	case jute.OpExists, jute.OpSetData, jute.OpSetACL:
		b = statToJute(resp.Stat).AppendTo(b)
	case jute.OpGetData:
		b = jute.AppendBuffer(b, resp.Data)
		b = statToJute(resp.Stat).AppendTo(b)
	case jute.OpGetACL:
		b = jute.AppendACLVector(b, aclsToJute(resp.ACL))
		b = statToJute(resp.Stat).AppendTo(b)
	case jute.OpGetChildren:
		b = jute.AppendStringVector(b, resp.Children)
	case jute.OpGetChildren2:
		b = jute.AppendStringVector(b, resp.Children)
		b = statToJute(resp.Stat).AppendTo(b)
	case jute.OpSync:
		b = jute.AppendString(b, resp.Path)
	case jute.OpGetEphemerals:
		b = jute.AppendStringVector(b, resp.Children)
	case jute.OpGetAllChildrenNumber:
		b = jute.AppendInt(b, resp.Number)
	case jute.OpAddWatch:
		b = jute.AppendInt(b, 0) // FinalRequestProcessor: new ErrorResponse(0)
	case jute.OpWhoAmI:
		infos := make([]jute.ClientInfo, len(resp.Identities))
		for i, id := range resp.Identities {
			infos[i] = jute.ClientInfo{AuthScheme: id.AuthScheme, User: id.User}
		}
		b = jute.AppendClientInfoVector(b, infos)
	case jute.OpMulti, jute.OpMultiRead:
		b = appendMultiResults(b, it.multi, resp.Results)
	}
	return b
}

// appendMultiResults appends a MultiResponse: each result under a
// MultiHeader whose type says which record follows (create for create,
// create2 for create2, createTTL and createContainer, as
// FinalRequestProcessor builds them), an ErrorResult for every op that
// carries an error (OK included, in a failed multi), then the closing
// header.
func appendMultiResults(b []byte, ops []jute.OpCode, results []api.OpResult) []byte {
	for i, res := range results {
		op := jute.OpError
		if i < len(ops) {
			op = ops[i]
		}
		if res.Err != nil {
			code := int32(api.CodeOf(res.Err))
			b = jute.MultiHeader{Type: jute.OpError, Err: code}.AppendTo(b)
			b = jute.AppendInt(b, code)
			continue
		}
		switch op {
		case jute.OpCreate:
			b = jute.MultiHeader{Type: jute.OpCreate}.AppendTo(b)
			b = jute.AppendString(b, res.Path)
		case jute.OpCreate2, jute.OpCreateTTL, jute.OpCreateContainer:
			b = jute.MultiHeader{Type: jute.OpCreate2}.AppendTo(b)
			b = jute.AppendString(b, res.Path)
			b = statToJute(res.Stat).AppendTo(b)
		case jute.OpDelete, jute.OpCheck:
			b = jute.MultiHeader{Type: op}.AppendTo(b)
		case jute.OpSetData:
			b = jute.MultiHeader{Type: jute.OpSetData}.AppendTo(b)
			b = statToJute(res.Stat).AppendTo(b)
		case jute.OpGetData:
			b = jute.MultiHeader{Type: jute.OpGetData}.AppendTo(b)
			b = jute.AppendBuffer(b, res.Data)
			b = statToJute(res.Stat).AppendTo(b)
		case jute.OpGetChildren:
			b = jute.MultiHeader{Type: jute.OpGetChildren}.AppendTo(b)
			b = jute.AppendStringVector(b, res.Children)
		default:
			code := int32(api.ErrRuntimeInconsistency)
			b = jute.MultiHeader{Type: jute.OpError, Err: code}.AppendTo(b)
			b = jute.AppendInt(b, code)
		}
	}
	return jute.MultiHeader{Type: -1, Done: true, Err: -1}.AppendTo(b)
}
