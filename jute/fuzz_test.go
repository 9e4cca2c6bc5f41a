package jute

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

// checkFixedPoint re-encodes a successfully decoded record and requires that
// decoding that encoding consumes it exactly, gives an equal record, and
// encodes to the same bytes again.
func checkFixedPoint(t *testing.T, rec Record) {
	t.Helper()
	b1 := rec.AppendTo(nil)
	rec2 := reflect.New(reflect.TypeOf(rec).Elem()).Interface().(Record)
	r := NewReader(b1)
	rec2.Decode(r)
	if err := r.Err(); err != nil {
		t.Fatalf("re-decoding %T % x: %v", rec, b1, err)
	}
	if r.Len() != 0 {
		t.Fatalf("re-decoding %T left %d bytes", rec, r.Len())
	}
	if !reflect.DeepEqual(rec, rec2) {
		t.Fatalf("%T is not a fixed point:\nfirst  %+v\nsecond %+v", rec, rec, rec2)
	}
	if b2 := rec2.AppendTo(nil); !bytes.Equal(b1, b2) {
		t.Fatalf("%T re-encodes differently:\n% x\n% x", rec, b1, b2)
	}
}

// requestSeeds returns request frames (header and body) for every request
// record, the seeds of FuzzDecodeRequest.
func requestSeeds() [][]byte {
	var seeds [][]byte
	xid := int32(1)
	for _, c := range recordCases() {
		for op := OpCode(-20); op < 200; op++ {
			rec, _ := NewRequest(op)
			if rec == nil || reflect.TypeOf(rec) != reflect.TypeOf(c.rec) {
				continue
			}
			b := RequestHeader{Xid: xid, Type: op}.AppendTo(nil)
			seeds = append(seeds, c.rec.AppendTo(b))
			xid++
		}
	}
	for _, op := range []OpCode{OpPing, OpCloseSession, OpWhoAmI} {
		seeds = append(seeds, RequestHeader{Xid: xid, Type: op}.AppendTo(nil))
	}
	return seeds
}

// responseSeed is a reply frame with the op code of the request it answers.
type responseSeed struct {
	op    OpCode
	frame []byte
}

// responseSeeds returns reply frames for every response record, the seeds of
// FuzzDecodeResponse.
func responseSeeds() []responseSeed {
	var seeds []responseSeed
	for _, c := range recordCases() {
		for op := OpCode(-20); op < 200; op++ {
			rec, _ := NewResponse(op)
			if rec == nil || reflect.TypeOf(rec) != reflect.TypeOf(c.rec) {
				continue
			}
			b := ReplyHeader{Xid: 5, Zxid: 0x100000001}.AppendTo(nil)
			seeds = append(seeds, responseSeed{op, c.rec.AppendTo(b)})
		}
	}
	ev := ReplyHeader{Xid: XidNotification, Zxid: -1}.AppendTo(nil)
	seeds = append(seeds,
		responseSeed{OpNotification, WatcherEvent{Type: 1, State: 3, Path: "/a"}.AppendTo(ev)},
		responseSeed{OpGetData, ReplyHeader{Xid: 6, Zxid: 2, Err: -101}.AppendTo(nil)},
		responseSeed{OpPing, ReplyHeader{Xid: XidPing, Zxid: 2}.AppendTo(nil)},
	)
	return seeds
}

// connectSeeds returns ConnectRequest and ConnectResponse encodings.
func connectSeeds() [][]byte {
	var seeds [][]byte
	for _, c := range recordCases() {
		switch c.rec.(type) {
		case *ConnectRequest, *ConnectResponse:
			seeds = append(seeds, c.rec.AppendTo(nil))
		}
	}
	return seeds
}

// FuzzDecodeRequest decodes a request frame as the server does: a
// RequestHeader, then the body its op code calls for. Decoding must never
// panic, and a decoded body must be a fixed point of encode and decode.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range requestSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		r := NewReader(frame)
		var h RequestHeader
		h.Decode(r)
		if r.Err() != nil {
			return
		}
		checkFixedPoint(t, &h)
		rec, ok := NewRequest(h.Type)
		if !ok || rec == nil {
			return
		}
		rec.Decode(r)
		if r.Err() != nil {
			return
		}
		checkFixedPoint(t, rec)
	})
}

// FuzzDecodeResponse decodes a reply frame as a client does, knowing the op
// code of the request it answers: a ReplyHeader, then a WatcherEvent for a
// notification or, when Err is 0, the op's response body.
func FuzzDecodeResponse(f *testing.F) {
	for _, s := range responseSeeds() {
		f.Add(int32(s.op), s.frame)
	}
	f.Fuzz(func(t *testing.T, op int32, frame []byte) {
		r := NewReader(frame)
		var h ReplyHeader
		h.Decode(r)
		if r.Err() != nil {
			return
		}
		checkFixedPoint(t, &h)
		var rec Record
		if h.Xid == XidNotification {
			rec = new(WatcherEvent)
		} else if h.Err == 0 {
			rec, _ = NewResponse(OpCode(op))
		}
		if rec == nil {
			return
		}
		rec.Decode(r)
		if r.Err() != nil {
			return
		}
		checkFixedPoint(t, rec)
	})
}

// FuzzDecodeConnect decodes a frame as a ConnectRequest and as a
// ConnectResponse, the two records with an optional trailing field.
func FuzzDecodeConnect(f *testing.F) {
	for _, s := range connectSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		for _, rec := range []Record{new(ConnectRequest), new(ConnectResponse)} {
			r := NewReader(frame)
			rec.Decode(r)
			if r.Err() == nil {
				checkFixedPoint(t, rec)
			}
		}
	})
}

// TestWriteSeedCorpus regenerates testdata/fuzz from the record table when
// JUTE_WRITE_CORPUS=1; otherwise it checks the committed corpus is present.
func TestWriteSeedCorpus(t *testing.T) {
	type entry struct {
		target string
		args   []string
	}
	var entries []entry
	for _, s := range requestSeeds() {
		entries = append(entries, entry{"FuzzDecodeRequest", []string{"[]byte(" + strconv.Quote(string(s)) + ")"}})
	}
	for _, s := range responseSeeds() {
		entries = append(entries, entry{"FuzzDecodeResponse", []string{
			"int32(" + strconv.Itoa(int(s.op)) + ")", "[]byte(" + strconv.Quote(string(s.frame)) + ")"}})
	}
	for _, s := range connectSeeds() {
		entries = append(entries, entry{"FuzzDecodeConnect", []string{"[]byte(" + strconv.Quote(string(s)) + ")"}})
	}
	write := os.Getenv("JUTE_WRITE_CORPUS") == "1"
	counts := map[string]int{}
	for _, e := range entries {
		counts[e.target]++
		name := filepath.Join("testdata", "fuzz", e.target, "seed-"+strconv.Itoa(counts[e.target]))
		content := "go test fuzz v1\n"
		for _, a := range e.args {
			content += a + "\n"
		}
		if write {
			if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(name)
		if err != nil || string(got) != content {
			t.Errorf("seed corpus file %s is missing or stale; run JUTE_WRITE_CORPUS=1 go test -run TestWriteSeedCorpus ./jute", name)
		}
	}
}
