package jute

import (
	"bytes"
	"reflect"
	"testing"
)

// recordCase is one record value to round-trip, with a constructor for an
// empty record of the same type.
type recordCase struct {
	name string
	rec  Record
	new  func() Record
	// optionalTail is the number of trailing bytes whose absence still leaves
	// a valid record (the read-only flag of ConnectRequest/ConnectResponse).
	optionalTail int
}

// decodeAll decodes b into rec and fails the test unless it decodes without
// error and consumes every byte.
func decodeAll(t *testing.T, b []byte, rec Record) {
	t.Helper()
	r := NewReader(b)
	rec.Decode(r)
	if err := r.Err(); err != nil {
		t.Fatalf("decode %T from % x: %v", rec, b, err)
	}
	if r.Len() != 0 {
		t.Fatalf("decode %T left %d of %d bytes", rec, r.Len(), len(b))
	}
}

// checkRoundTrip encodes c.rec, decodes it into a fresh record, and checks the
// result equals the original and re-encodes to the same bytes.
func checkRoundTrip(t *testing.T, c recordCase) []byte {
	t.Helper()
	b := c.rec.AppendTo(nil)
	got := c.new()
	decodeAll(t, b, got)
	if !reflect.DeepEqual(got, c.rec) {
		t.Fatalf("round trip of %T:\n got %+v\nwant %+v", c.rec, got, c.rec)
	}
	if b2 := got.AppendTo(nil); !bytes.Equal(b, b2) {
		t.Fatalf("re-encoding %T:\n got % x\nwant % x", c.rec, b2, b)
	}
	// Appending to a non-empty slice keeps the prefix.
	pre := []byte{0xde, 0xad}
	if b3 := c.rec.AppendTo(pre); !bytes.Equal(b3[:2], pre) || !bytes.Equal(b3[2:], b) {
		t.Fatalf("AppendTo onto a prefix of %T changed the prefix or the encoding", c.rec)
	}
	return b
}

// checkTruncations decodes every proper prefix of b and requires an error,
// except for prefixes that drop only the case's optional tail.
func checkTruncations(t *testing.T, c recordCase, b []byte) {
	t.Helper()
	for n := 0; n < len(b); n++ {
		r := NewReader(b[:n])
		rec := c.new()
		rec.Decode(r)
		if r.Err() == nil && n < len(b)-c.optionalTail {
			t.Fatalf("%T truncated to %d of %d bytes decoded without error: %+v", c.rec, n, len(b), rec)
		}
	}
}

// mustHex parses a hex string with optional spaces, failing the test on a typo.
func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	var out []byte
	var hi int = -1
	for _, ch := range s {
		var v int
		switch {
		case ch == ' ' || ch == '\n' || ch == '\t':
			continue
		case ch >= '0' && ch <= '9':
			v = int(ch - '0')
		case ch >= 'a' && ch <= 'f':
			v = int(ch-'a') + 10
		default:
			t.Fatalf("bad hex digit %q", ch)
		}
		if hi < 0 {
			hi = v
		} else {
			out = append(out, byte(hi<<4|v))
			hi = -1
		}
	}
	if hi >= 0 {
		t.Fatalf("odd number of hex digits in %q", s)
	}
	return out
}
