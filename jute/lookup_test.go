package jute

import (
	"reflect"
	"testing"
)

func TestNewRequestAndResponse(t *testing.T) {
	tests := []struct {
		op       OpCode
		req, rsp Record
	}{
		{OpCreate, &CreateRequest{}, &CreateResponse{}},
		{OpCreate2, &CreateRequest{}, &Create2Response{}},
		{OpCreateContainer, &CreateRequest{}, &Create2Response{}},
		{OpCreateTTL, &CreateTTLRequest{}, &Create2Response{}},
		{OpDelete, &DeleteRequest{}, nil},
		{OpDeleteContainer, &DeleteContainerRequest{}, nil},
		{OpExists, &ExistsRequest{}, &ExistsResponse{}},
		{OpGetData, &GetDataRequest{}, &GetDataResponse{}},
		{OpSetData, &SetDataRequest{}, &SetDataResponse{}},
		{OpGetACL, &GetACLRequest{}, &GetACLResponse{}},
		{OpSetACL, &SetACLRequest{}, &SetACLResponse{}},
		{OpGetChildren, &GetChildrenRequest{}, &GetChildrenResponse{}},
		{OpGetChildren2, &GetChildren2Request{}, &GetChildren2Response{}},
		{OpCheck, &CheckVersionRequest{}, nil},
		{OpSync, &SyncRequest{}, &SyncResponse{}},
		{OpMulti, &MultiRequest{}, &MultiResponse{}},
		{OpMultiRead, &MultiRequest{}, &MultiResponse{}},
		{OpReconfig, &ReconfigRequest{}, &GetDataResponse{}},
		{OpCheckWatches, &CheckWatchesRequest{}, nil},
		{OpRemoveWatches, &RemoveWatchesRequest{}, nil},
		{OpAuth, &AuthPacket{}, nil},
		{OpSetWatches, &SetWatches{}, nil},
		{OpSetWatches2, &SetWatches2{}, nil},
		{OpSASL, &GetSASLRequest{}, &SetSASLResponse{}},
		{OpGetEphemerals, &GetEphemeralsRequest{}, &GetEphemeralsResponse{}},
		{OpGetAllChildrenNumber, &GetAllChildrenNumberRequest{}, &GetAllChildrenNumberResponse{}},
		{OpAddWatch, &AddWatchRequest{}, &ErrorResponse{}},
		{OpWhoAmI, nil, &WhoAmIResponse{}},
		{OpPing, nil, nil},
		{OpCloseSession, nil, nil},
		{OpCreateSession, nil, nil},
	}
	for _, tt := range tests {
		req, ok := NewRequest(tt.op)
		if !ok || !reflect.DeepEqual(req, tt.req) {
			t.Errorf("NewRequest(%v) = %T, %v; want %T", tt.op, req, ok, tt.req)
		}
		rsp, ok := NewResponse(tt.op)
		if !ok || !reflect.DeepEqual(rsp, tt.rsp) {
			t.Errorf("NewResponse(%v) = %T, %v; want %T", tt.op, rsp, ok, tt.rsp)
		}
	}
	for _, op := range []OpCode{OpNotification, OpError, 10, 23, 99, 108, -12} {
		if rec, ok := NewRequest(op); ok || rec != nil {
			t.Errorf("NewRequest(%v) = %T, %v; want nil, false", op, rec, ok)
		}
		if rec, ok := NewResponse(op); ok || rec != nil {
			t.Errorf("NewResponse(%v) = %T, %v; want nil, false", op, rec, ok)
		}
	}
}

// TestEveryRecordHasACase makes sure the round-trip table covers every
// record type reachable by op code.
func TestEveryRecordHasACase(t *testing.T) {
	covered := map[reflect.Type]bool{}
	for _, c := range recordCases() {
		covered[reflect.TypeOf(c.rec)] = true
	}
	for op := OpCode(-20); op < 200; op++ {
		for _, f := range []func(OpCode) (Record, bool){NewRequest, NewResponse} {
			if rec, _ := f(op); rec != nil && !covered[reflect.TypeOf(rec)] {
				t.Errorf("%T (for %v) has no round-trip case", rec, op)
			}
		}
	}
}
