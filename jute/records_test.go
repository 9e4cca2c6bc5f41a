package jute

import (
	"errors"
	"testing"
)

var sampleStat = Stat{
	Czxid: 0x100000002, Mzxid: 0x100000003, Ctime: 1700000000000, Mtime: 1700000000500,
	Version: 1, Cversion: 2, Aversion: 3, EphemeralOwner: 0x18c0000abcd0000,
	DataLength: 5, NumChildren: 2, Pzxid: 0x100000004,
}

var sampleACL = []ACL{
	{Perms: 31, ID: Id{Scheme: "world", ID: "anyone"}},
	{Perms: 1, ID: Id{Scheme: "digest", ID: "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY="}},
}

// recordCases returns one or more values of every record, covering nil and
// empty slices, the optional read-only flag and every field.
func recordCases() []recordCase {
	return []recordCase{
		{name: "Id", rec: &Id{Scheme: "ip", ID: "10.0.0.0/8"}, new: func() Record { return new(Id) }},
		{name: "ACL", rec: &ACL{Perms: 5, ID: Id{"auth", ""}}, new: func() Record { return new(ACL) }},
		{name: "Stat", rec: &sampleStat, new: func() Record { return new(Stat) }},
		{name: "ClientInfo", rec: &ClientInfo{AuthScheme: "ip", User: "127.0.0.1"}, new: func() Record { return new(ClientInfo) }},
		{name: "ConnectRequest/go-zookeeper", rec: &ConnectRequest{Timeout: 10000, Passwd: make([]byte, 16)},
			new: func() Record { return new(ConnectRequest) }},
		{name: "ConnectRequest/java", rec: &ConnectRequest{LastZxidSeen: 5, Timeout: 30000, SessionID: 77,
			Passwd: []byte("0123456789abcdef"), HasReadOnly: true}, new: func() Record { return new(ConnectRequest) }, optionalTail: 1},
		{name: "ConnectRequest/readonly", rec: &ConnectRequest{Timeout: 4000, Passwd: []byte{}, ReadOnly: true, HasReadOnly: true},
			new: func() Record { return new(ConnectRequest) }, optionalTail: 1},
		{name: "ConnectRequest/null passwd", rec: &ConnectRequest{Timeout: 1},
			new: func() Record { return new(ConnectRequest) }},
		{name: "ConnectResponse", rec: &ConnectResponse{Timeout: 30000, SessionID: 0x1000000a2b3c0000, Passwd: []byte("0123456789abcdef")},
			new: func() Record { return new(ConnectResponse) }},
		{name: "ConnectResponse/readonly", rec: &ConnectResponse{Timeout: 30000, SessionID: 1, Passwd: make([]byte, 16), HasReadOnly: true},
			new: func() Record { return new(ConnectResponse) }, optionalTail: 1},
		{name: "RequestHeader", rec: &RequestHeader{Xid: 42, Type: OpCreate2}, new: func() Record { return new(RequestHeader) }},
		{name: "ReplyHeader", rec: &ReplyHeader{Xid: -1, Zxid: -1, Err: -101}, new: func() Record { return new(ReplyHeader) }},
		{name: "WatcherEvent", rec: &WatcherEvent{Type: 4, State: 3, Path: "/a/b"}, new: func() Record { return new(WatcherEvent) }},
		{name: "MultiHeader", rec: &MultiHeader{Type: OpCheck, Done: false, Err: -1}, new: func() Record { return new(MultiHeader) }},
		{name: "ErrorResponse", rec: &ErrorResponse{Err: -103}, new: func() Record { return new(ErrorResponse) }},

		// Requests.
		{name: "CreateRequest", rec: &CreateRequest{Path: "/app/lock-", Data: []byte("x"), ACL: sampleACL, Flags: 3},
			new: func() Record { return new(CreateRequest) }},
		{name: "CreateRequest/null data and acl", rec: &CreateRequest{Path: "/n"},
			new: func() Record { return new(CreateRequest) }},
		{name: "CreateRequest/empty data and acl", rec: &CreateRequest{Path: "/e", Data: []byte{}, ACL: []ACL{}, Flags: 4},
			new: func() Record { return new(CreateRequest) }},
		{name: "CreateTTLRequest", rec: &CreateTTLRequest{Path: "/ttl", Data: []byte("v"), ACL: sampleACL[:1], Flags: 5, TTL: 60000},
			new: func() Record { return new(CreateTTLRequest) }},
		{name: "DeleteRequest", rec: &DeleteRequest{Path: "/a", Version: -1}, new: func() Record { return new(DeleteRequest) }},
		{name: "DeleteContainerRequest", rec: &DeleteContainerRequest{Path: "/c"}, new: func() Record { return new(DeleteContainerRequest) }},
		{name: "ExistsRequest", rec: &ExistsRequest{Path: "/a", Watch: true}, new: func() Record { return new(ExistsRequest) }},
		{name: "GetDataRequest", rec: &GetDataRequest{Path: "/a/b", Watch: true}, new: func() Record { return new(GetDataRequest) }},
		{name: "SetDataRequest", rec: &SetDataRequest{Path: "/a", Data: []byte("hello"), Version: 7},
			new: func() Record { return new(SetDataRequest) }},
		{name: "GetACLRequest", rec: &GetACLRequest{Path: "/a"}, new: func() Record { return new(GetACLRequest) }},
		{name: "SetACLRequest", rec: &SetACLRequest{Path: "/a", ACL: sampleACL, Version: 2}, new: func() Record { return new(SetACLRequest) }},
		{name: "GetChildrenRequest", rec: &GetChildrenRequest{Path: "/", Watch: false}, new: func() Record { return new(GetChildrenRequest) }},
		{name: "GetChildren2Request", rec: &GetChildren2Request{Path: "/x", Watch: true}, new: func() Record { return new(GetChildren2Request) }},
		{name: "CheckVersionRequest", rec: &CheckVersionRequest{Path: "/a", Version: 3}, new: func() Record { return new(CheckVersionRequest) }},
		{name: "SyncRequest", rec: &SyncRequest{Path: "/a"}, new: func() Record { return new(SyncRequest) }},
		{name: "AuthPacket", rec: &AuthPacket{Scheme: "digest", Auth: []byte("user:pass")}, new: func() Record { return new(AuthPacket) }},
		{name: "SetWatches", rec: &SetWatches{RelativeZxid: 0x300000001, DataWatches: []string{"/d1", "/d2"},
			ExistWatches: []string{}, ChildWatches: []string{"/c"}}, new: func() Record { return new(SetWatches) }},
		{name: "SetWatches2", rec: &SetWatches2{RelativeZxid: 9, DataWatches: []string{"/d"}, ExistWatches: []string{"/e"},
			ChildWatches: []string{}, PersistentWatches: []string{"/p"}, PersistentRecursiveWatches: []string{"/r", "/r2"}},
			new: func() Record { return new(SetWatches2) }},
		{name: "AddWatchRequest", rec: &AddWatchRequest{Path: "/w", Mode: AddWatchModePersistentRecursive},
			new: func() Record { return new(AddWatchRequest) }},
		{name: "RemoveWatchesRequest", rec: &RemoveWatchesRequest{Path: "/w", Type: WatcherTypeAny},
			new: func() Record { return new(RemoveWatchesRequest) }},
		{name: "CheckWatchesRequest", rec: &CheckWatchesRequest{Path: "/w", Type: WatcherTypeData},
			new: func() Record { return new(CheckWatchesRequest) }},
		{name: "GetEphemeralsRequest", rec: &GetEphemeralsRequest{PrefixPath: "/app"}, new: func() Record { return new(GetEphemeralsRequest) }},
		{name: "GetAllChildrenNumberRequest", rec: &GetAllChildrenNumberRequest{Path: "/"},
			new: func() Record { return new(GetAllChildrenNumberRequest) }},
		{name: "ReconfigRequest", rec: &ReconfigRequest{JoiningServers: "server.4=h:2888:3888;2181", LeavingServers: "3",
			NewMembers: "", CurConfigID: -1}, new: func() Record { return new(ReconfigRequest) }},
		{name: "GetSASLRequest", rec: &GetSASLRequest{Token: []byte{1, 2, 3}}, new: func() Record { return new(GetSASLRequest) }},
		{name: "SetSASLRequest", rec: &SetSASLRequest{Token: []byte{}}, new: func() Record { return new(SetSASLRequest) }},

		// Responses.
		{name: "CreateResponse", rec: &CreateResponse{Path: "/app/lock-0000000001"}, new: func() Record { return new(CreateResponse) }},
		{name: "Create2Response", rec: &Create2Response{Path: "/a", Stat: sampleStat}, new: func() Record { return new(Create2Response) }},
		{name: "ExistsResponse", rec: &ExistsResponse{Stat: sampleStat}, new: func() Record { return new(ExistsResponse) }},
		{name: "GetDataResponse", rec: &GetDataResponse{Data: []byte("payload"), Stat: sampleStat}, new: func() Record { return new(GetDataResponse) }},
		{name: "GetDataResponse/null data", rec: &GetDataResponse{Stat: sampleStat}, new: func() Record { return new(GetDataResponse) }},
		{name: "SetDataResponse", rec: &SetDataResponse{Stat: sampleStat}, new: func() Record { return new(SetDataResponse) }},
		{name: "GetACLResponse", rec: &GetACLResponse{ACL: sampleACL, Stat: sampleStat}, new: func() Record { return new(GetACLResponse) }},
		{name: "SetACLResponse", rec: &SetACLResponse{Stat: sampleStat}, new: func() Record { return new(SetACLResponse) }},
		{name: "GetChildrenResponse", rec: &GetChildrenResponse{Children: []string{"a", "b", "zookeeper"}},
			new: func() Record { return new(GetChildrenResponse) }},
		{name: "GetChildrenResponse/empty", rec: &GetChildrenResponse{Children: []string{}}, new: func() Record { return new(GetChildrenResponse) }},
		{name: "GetChildren2Response", rec: &GetChildren2Response{Children: []string{"x"}, Stat: sampleStat},
			new: func() Record { return new(GetChildren2Response) }},
		{name: "SyncResponse", rec: &SyncResponse{Path: "/a"}, new: func() Record { return new(SyncResponse) }},
		{name: "GetEphemeralsResponse", rec: &GetEphemeralsResponse{Ephemerals: []string{"/app/e1", "/e2"}},
			new: func() Record { return new(GetEphemeralsResponse) }},
		{name: "GetAllChildrenNumberResponse", rec: &GetAllChildrenNumberResponse{TotalNumber: 12345},
			new: func() Record { return new(GetAllChildrenNumberResponse) }},
		{name: "WhoAmIResponse", rec: &WhoAmIResponse{ClientInfo: []ClientInfo{{"ip", "127.0.0.1"}, {"digest", "bob"}}},
			new: func() Record { return new(WhoAmIResponse) }},
		{name: "SetSASLResponse", rec: &SetSASLResponse{Token: []byte("tok")}, new: func() Record { return new(SetSASLResponse) }},

		// Multi.
		{name: "MultiRequest", rec: &sampleMulti, new: func() Record { return new(MultiRequest) }},
		{name: "MultiRequest/empty", rec: &MultiRequest{}, new: func() Record { return new(MultiRequest) }},
		{name: "MultiRequest/read", rec: &sampleMultiRead, new: func() Record { return new(MultiRequest) }},
		{name: "MultiResponse", rec: &sampleMultiResponse, new: func() Record { return new(MultiResponse) }},
		{name: "MultiResponse/failed", rec: &sampleMultiFailed, new: func() Record { return new(MultiResponse) }},
		{name: "MultiResponse/read", rec: &sampleMultiReadResponse, new: func() Record { return new(MultiResponse) }},
		{name: "MultiResponse/empty", rec: &MultiResponse{}, new: func() Record { return new(MultiResponse) }},
	}
}

var sampleMulti = MultiRequest{Ops: []MultiOp{
	{Type: OpCreate, Body: &CreateRequest{Path: "/m/a", Data: []byte("1"), ACL: sampleACL[:1], Flags: 0}},
	{Type: OpCreate2, Body: &CreateRequest{Path: "/m/b", Data: []byte{}, ACL: sampleACL[:1], Flags: 2}},
	{Type: OpCreateContainer, Body: &CreateRequest{Path: "/m/c", ACL: sampleACL[:1], Flags: 4}},
	{Type: OpCreateTTL, Body: &CreateTTLRequest{Path: "/m/t", ACL: sampleACL[:1], Flags: 5, TTL: 1000}},
	{Type: OpSetData, Body: &SetDataRequest{Path: "/m", Data: []byte("d"), Version: -1}},
	{Type: OpCheck, Body: &CheckVersionRequest{Path: "/m", Version: 1}},
	{Type: OpDelete, Body: &DeleteRequest{Path: "/m/a", Version: 0}},
}}

var sampleMultiRead = MultiRequest{Ops: []MultiOp{
	{Type: OpGetData, Body: &GetDataRequest{Path: "/m"}},
	{Type: OpGetChildren, Body: &GetChildrenRequest{Path: "/m"}},
}}

var sampleMultiResponse = MultiResponse{Results: []MultiResult{
	{Type: OpCreate, Body: &CreateResponse{Path: "/m/a"}},
	{Type: OpCreate2, Body: &Create2Response{Path: "/m/b0000000001", Stat: sampleStat}},
	{Type: OpSetData, Body: &SetDataResponse{Stat: sampleStat}},
	{Type: OpCheck},
	{Type: OpDelete},
}}

var sampleMultiFailed = MultiResponse{Results: []MultiResult{
	{Type: OpError, Err: 0},
	{Type: OpError, Err: -101},
	{Type: OpError, Err: -2},
}}

var sampleMultiReadResponse = MultiResponse{Results: []MultiResult{
	{Type: OpGetData, Body: &GetDataResponse{Data: []byte("d"), Stat: sampleStat}},
	{Type: OpGetChildren, Body: &GetChildrenResponse{Children: []string{"a"}}},
	{Type: OpError, Err: -101},
}}

func TestRecordRoundTrip(t *testing.T) {
	for _, c := range recordCases() {
		t.Run(c.name, func(t *testing.T) {
			b := checkRoundTrip(t, c)
			checkTruncations(t, c, b)
		})
	}
}

// TestGoldenBytes pins the exact encoding of records, written by hand from
// zookeeper.jute and BinaryOutputArchive (big-endian ints and longs, one byte
// per boolean, an int length before each buffer, string and vector).
func TestGoldenBytes(t *testing.T) {
	tests := []struct {
		name string
		rec  Record
		new  func() Record
		hex  string
	}{
		{
			// go-zookeeper/zk's first connect: protocol 0, lastZxid 0,
			// timeout 10000, session 0, a 16-byte zero password, and no
			// read-only byte. Frame length 44.
			name: "go-zookeeper connect request",
			rec:  &ConnectRequest{Timeout: 10000, Passwd: make([]byte, 16)},
			new:  func() Record { return new(ConnectRequest) },
			hex: `0000002c
				00000000 0000000000000000 00002710 0000000000000000
				00000010 00000000000000000000000000000000`,
		},
		{
			// The Java client (ClientCnxn.primeConnection) reconnecting
			// session 0x100ab4c0000 with lastZxid 0x15, timeout 30000 and
			// the read-only byte (false). Frame length 45.
			name: "java connect request",
			rec: &ConnectRequest{LastZxidSeen: 0x15, Timeout: 30000, SessionID: 0x100ab4c0000,
				Passwd: []byte("ABCDEFGHIJKLMNOP"), HasReadOnly: true},
			new: func() Record { return new(ConnectRequest) },
			hex: `0000002d
				00000000 0000000000000015 00007530 00000100ab4c0000
				00000010 4142434445464748494a4b4c4d4e4f50 00`,
		},
		{
			// The server's answer to that Java client, mirroring the byte.
			name: "connect response with read-only byte",
			rec: &ConnectResponse{Timeout: 30000, SessionID: 0x100ab4c0000,
				Passwd: []byte("ABCDEFGHIJKLMNOP"), HasReadOnly: true},
			new: func() Record { return new(ConnectResponse) },
			hex: `00000025
				00000000 00007530 00000100ab4c0000
				00000010 4142434445464748494a4b4c4d4e4f50 00`,
		},
		{
			// An expired session: timeout 0, id 0, zeroed password, no
			// read-only byte for a go-zookeeper client.
			name: "expired connect response",
			rec:  &ConnectResponse{Passwd: make([]byte, 16)},
			new:  func() Record { return new(ConnectResponse) },
			hex: `00000024
				00000000 00000000 0000000000000000
				00000010 00000000000000000000000000000000`,
		},
		{
			name: "ping reply",
			rec:  &ReplyHeader{Xid: XidPing, Zxid: 0x200000005, Err: 0},
			new:  func() Record { return new(ReplyHeader) },
			hex:  `00000010 fffffffe 0000000200000005 00000000`,
		},
		{
			// A NodeDataChanged (3) notification in state SyncConnected (3)
			// for /foo, without its ReplyHeader.
			name: "watcher event",
			rec:  &WatcherEvent{Type: 3, State: 3, Path: "/foo"},
			new:  func() Record { return new(WatcherEvent) },
			hex:  `00000010 00000003 00000003 00000004 2f666f6f`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := mustHex(t, tt.hex)
			got := AppendFrame(nil, tt.rec)
			if string(got) != string(want) {
				t.Fatalf("encoding:\n got % x\nwant % x", got, want)
			}
			n, err := FrameLength(want, DefaultMaxBuffer)
			if err != nil || n != len(want)-4 {
				t.Fatalf("frame length %d, %v", n, err)
			}
			rec := tt.new()
			decodeAll(t, want[4:], rec)
			if string(rec.AppendTo(nil)) != string(want[4:]) {
				t.Fatalf("decoded %+v re-encodes differently", rec)
			}
		})
	}
}

func TestConnectRequestReadOnlyFlag(t *testing.T) {
	base := ConnectRequest{Timeout: 10000, Passwd: make([]byte, 16)}
	b := base.AppendTo(nil)

	var c ConnectRequest
	decodeAll(t, b, &c)
	if c.HasReadOnly || c.ReadOnly {
		t.Fatalf("no flag on the wire, decoded HasReadOnly=%v ReadOnly=%v", c.HasReadOnly, c.ReadOnly)
	}
	decodeAll(t, append(b[:len(b):len(b)], 1), &c)
	if !c.HasReadOnly || !c.ReadOnly {
		t.Fatalf("flag 1 on the wire, decoded HasReadOnly=%v ReadOnly=%v", c.HasReadOnly, c.ReadOnly)
	}
	decodeAll(t, append(b[:len(b):len(b)], 0), &c)
	if !c.HasReadOnly || c.ReadOnly {
		t.Fatalf("flag 0 on the wire, decoded HasReadOnly=%v ReadOnly=%v", c.HasReadOnly, c.ReadOnly)
	}
	// Setting ReadOnly alone still puts it on the wire.
	if got := (ConnectRequest{ReadOnly: true}).AppendTo(nil); got[len(got)-1] != 1 || len(got) != len(base.AppendTo(nil))-16+1 {
		t.Fatalf("ReadOnly without HasReadOnly encoded as % x", got)
	}
	// A truncated password is an error, not a missing flag.
	r := NewReader(b[:len(b)-1])
	c.Decode(r)
	if !errors.Is(r.Err(), ErrInvalidLength) || c.HasReadOnly {
		t.Fatalf("truncated passwd: err %v, HasReadOnly %v", r.Err(), c.HasReadOnly)
	}
}
