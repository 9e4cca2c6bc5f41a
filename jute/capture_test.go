package jute

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// splitFrames cuts a captured stream into frame bodies.
func splitFrames(t *testing.T, stream []byte) [][]byte {
	t.Helper()
	var frames [][]byte
	rd := bytes.NewReader(stream)
	for rd.Len() > 0 {
		f, err := ReadFrame(rd, nil, DefaultMaxBuffer)
		if err != nil {
			t.Fatalf("frame %d: %v", len(frames), err)
		}
		frames = append(frames, f)
	}
	return frames
}

// decodeExact decodes recs in order from frame, requires every byte to be
// consumed and the re-encoding to be byte-identical, and returns a short
// description.
func decodeExact(t *testing.T, where string, frame []byte, recs ...Record) string {
	t.Helper()
	r := NewReader(frame)
	var out []byte
	desc := ""
	for _, rec := range recs {
		rec.Decode(r)
		out = rec.AppendTo(out)
		desc += fmt.Sprintf(" %T%+v", rec, rec)
	}
	if err := r.Err(); err != nil {
		t.Fatalf("%s: decoding % x: %v", where, frame, err)
	}
	if r.Len() != 0 {
		t.Fatalf("%s: %d bytes left after%s", where, r.Len(), desc)
	}
	if !bytes.Equal(out, frame) {
		t.Fatalf("%s: re-encoding differs:\n got % x\nwant % x", where, out, frame)
	}
	return desc
}

// TestCapturedTraffic decodes traffic recorded between real clients (Java,
// kazoo, C) and a real ZooKeeper 3.8 (see testdata/capture/README.md).
func TestCapturedTraffic(t *testing.T) {
	for _, name := range []string{"java-zkcli-3.8", "kazoo-2.8", "cli_mt-3.8"} {
		t.Run(name, func(t *testing.T) {
			c2s, err := os.ReadFile(filepath.Join("testdata", "capture", name+".c2s"))
			if err != nil {
				t.Fatal(err)
			}
			s2c, err := os.ReadFile(filepath.Join("testdata", "capture", name+".s2c"))
			if err != nil {
				t.Fatal(err)
			}
			seen := map[OpCode]int{}

			reqs := splitFrames(t, c2s)
			var creq ConnectRequest
			decodeExact(t, "connect request", reqs[0], &creq)
			ops := map[int32]OpCode{}
			for i, f := range reqs[1:] {
				var h RequestHeader
				h.Decode(NewReader(f))
				body, ok := NewRequest(h.Type)
				if !ok {
					t.Fatalf("request %d: unknown op %v", i, h.Type)
				}
				recs := []Record{&h}
				if body != nil {
					recs = append(recs, body)
				}
				t.Logf("request:%s", decodeExact(t, fmt.Sprintf("request %d (%v)", i, h.Type), f, recs...))
				ops[h.Xid] = h.Type
				seen[h.Type]++
			}

			replies := splitFrames(t, s2c)
			var cresp ConnectResponse
			decodeExact(t, "connect response", replies[0], &cresp)
			if cresp.HasReadOnly != creq.HasReadOnly {
				t.Errorf("server's read-only flag presence %v differs from the client's %v", cresp.HasReadOnly, creq.HasReadOnly)
			}
			events := 0
			for i, f := range replies[1:] {
				var h ReplyHeader
				r := NewReader(f)
				h.Decode(r)
				recs := []Record{&h}
				switch {
				case h.Xid == XidNotification:
					recs = append(recs, new(WatcherEvent))
					events++
				case r.Len() > 0:
					op, ok := ops[h.Xid]
					if !ok {
						t.Fatalf("reply %d: xid %d matches no request", i, h.Xid)
					}
					body, _ := NewResponse(op)
					if body == nil {
						t.Fatalf("reply %d to %v has %d body bytes, want none", i, op, r.Len())
					}
					recs = append(recs, body)
				}
				t.Logf("reply:%s", decodeExact(t, fmt.Sprintf("reply %d", i), f, recs...))
			}
			t.Logf("%d requests, %d replies, %d notifications; ops %v", len(reqs)-1, len(replies)-1, events, seen)
		})
	}
}
