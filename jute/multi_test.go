package jute

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// TestMultiGolden pins the framing of MultiOperationRecord and MultiResponse.
func TestMultiGolden(t *testing.T) {
	world := []ACL{{Perms: 31, ID: Id{"world", "anyone"}}}
	req := MultiRequest{Ops: []MultiOp{
		{Type: OpCreate, Body: &CreateRequest{Path: "/a", Data: []byte("x"), ACL: world}},
		{Type: OpDelete, Body: &DeleteRequest{Path: "/a", Version: -1}},
	}}
	wantReq := mustHex(t, `
		00000001 00 ffffffff
		00000002 2f61 00000001 78
		00000001 0000001f 00000005 776f726c64 00000006 616e796f6e65 00000000
		00000002 00 ffffffff
		00000002 2f61 ffffffff
		ffffffff 01 ffffffff`)
	if got := req.AppendTo(nil); !bytes.Equal(got, wantReq) {
		t.Fatalf("multi request:\n got % x\nwant % x", got, wantReq)
	}

	// A failed multi: the op before the failure reports 0, the failing op
	// NoNode (-101); each as an error header carrying the code and an
	// ErrorResponse.
	resp := MultiResponse{Results: []MultiResult{{Type: OpError, Err: 0}, {Type: OpError, Err: -101}}}
	wantResp := mustHex(t, `
		ffffffff 00 00000000 00000000
		ffffffff 00 ffffff9b ffffff9b
		ffffffff 01 ffffffff`)
	if got := resp.AppendTo(nil); !bytes.Equal(got, wantResp) {
		t.Fatalf("multi response:\n got % x\nwant % x", got, wantResp)
	}

	// A successful create and delete: the header's err is 0, the delete has
	// no body.
	ok := MultiResponse{Results: []MultiResult{{Type: OpCreate, Body: &CreateResponse{Path: "/a"}}, {Type: OpDelete}}}
	wantOK := mustHex(t, `
		00000001 00 00000000 00000002 2f61
		00000002 00 00000000
		ffffffff 01 ffffffff`)
	if got := ok.AppendTo(nil); !bytes.Equal(got, wantOK) {
		t.Fatalf("multi ok response:\n got % x\nwant % x", got, wantOK)
	}
}

func TestMultiResponseErrorFromBody(t *testing.T) {
	// Header err -1, ErrorResponse -110: ZooKeeper's MultiResponse keeps the
	// body's code.
	in := mustHex(t, "ffffffff 00 ffffffff ffffff92 ffffffff 01 ffffffff")
	var m MultiResponse
	decodeAll(t, in, &m)
	if len(m.Results) != 1 || m.Results[0].Type != OpError || m.Results[0].Err != -110 {
		t.Fatalf("decoded %+v", m.Results)
	}
}

func TestMultiDoneEndsRegardlessOfType(t *testing.T) {
	// Java stops at the first header with done set, whatever its type.
	in := mustHex(t, "00000001 01 00000000")
	var m MultiRequest
	decodeAll(t, in, &m)
	if m.Ops != nil {
		t.Fatalf("ops %+v", m.Ops)
	}
}

func TestMultiInvalidOps(t *testing.T) {
	tests := []struct {
		name string
		in   string
		rec  Record
	}{
		{"request unknown op", "00000063 00 ffffffff", new(MultiRequest)},
		{"request nested multi", "0000000e 00 ffffffff", new(MultiRequest)},
		{"request deleteContainer", "00000014 00 ffffffff 00000002 2f61", new(MultiRequest)},
		{"request exists", "00000003 00 ffffffff 00000002 2f61 00", new(MultiRequest)},
		{"response unknown op", "00000063 00 00000000", new(MultiResponse)},
		{"response createTTL", "00000015 00 00000000", new(MultiResponse)},
		{"missing end", "00000002 00 ffffffff 00000002 2f61 ffffffff", new(MultiRequest)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(mustHex(t, tt.in))
			tt.rec.Decode(r)
			if r.Err() == nil {
				t.Fatalf("decoded %+v without error", tt.rec)
			}
			if tt.name != "missing end" && !errors.Is(r.Err(), ErrInvalidRecord) {
				t.Fatalf("err %v, want ErrInvalidRecord", r.Err())
			}
			if v := reflect.ValueOf(tt.rec).Elem().Field(0); !v.IsNil() {
				t.Fatalf("a failed decode left %v", v)
			}
		})
	}
}

// TestMultiManyOpsBounded checks that a multi of many tiny ops allocates in
// proportion to its input, and that a truncated one fails.
func TestMultiManyOpsBounded(t *testing.T) {
	var in []byte
	const n = 10000
	for range n {
		in = MultiHeader{Type: OpCheck, Err: -1}.AppendTo(in)
		in = CheckVersionRequest{Path: "", Version: 1}.AppendTo(in)
	}
	in = MultiHeader{Type: -1, Done: true, Err: -1}.AppendTo(in)
	var m MultiRequest
	decodeAll(t, in, &m)
	if len(m.Ops) != n {
		t.Fatalf("%d ops", len(m.Ops))
	}
	r := NewReader(in[:len(in)-1])
	m.Decode(r)
	if !errors.Is(r.Err(), ErrTruncated) || m.Ops != nil {
		t.Fatalf("truncated multi: err %v, %d ops", r.Err(), len(m.Ops))
	}
}
