package jute

import (
	"encoding/binary"
	"errors"
	"io"
)

// ErrFrameSize is returned for a frame whose length prefix is negative or
// larger than the maximum allowed. ZooKeeper closes the connection in that
// case ("Len error").
var ErrFrameSize = errors.New("jute: frame length out of range")

// FrameHeaderSize is the size of the length prefix in front of every packet
// on a ZooKeeper connection.
const FrameHeaderSize = 4

// BeginFrame appends a placeholder for a length prefix to b and returns the
// extended slice and the offset of the placeholder, to pass to EndFrame once
// the frame's records are appended. Building a reply this way into a reused
// buffer costs no allocation:
//
//	b, start := jute.BeginFrame(buf[:0])
//	b = hdr.AppendTo(b)
//	b = resp.AppendTo(b)
//	b = jute.EndFrame(b, start)
func BeginFrame(b []byte) ([]byte, int) {
	start := len(b)
	return append(b, 0, 0, 0, 0), start
}

// EndFrame writes into the placeholder at start (returned by BeginFrame) the
// number of bytes appended after it, and returns b.
func EndFrame(b []byte, start int) []byte {
	binary.BigEndian.PutUint32(b[start:start+FrameHeaderSize], uint32(len(b)-start-FrameHeaderSize))
	return b
}

// AppendFrame appends rec to b as one frame: its length, then its encoding.
func AppendFrame(b []byte, rec Record) []byte {
	b, start := BeginFrame(b)
	b = rec.AppendTo(b)
	return EndFrame(b, start)
}

// FrameLength decodes the length prefix at the start of hdr (which must hold
// at least FrameHeaderSize bytes) and checks it is between 0 and max.
func FrameLength(hdr []byte, max int) (int, error) {
	if len(hdr) < FrameHeaderSize {
		return 0, ErrTruncated
	}
	n := int(int32(binary.BigEndian.Uint32(hdr)))
	if n < 0 || n > max {
		return 0, ErrFrameSize
	}
	return n, nil
}

// ReadFrame reads one length-prefixed frame from rd and returns its body,
// reusing buf when it is large enough. A length outside 0..max gives
// ErrFrameSize before anything is allocated. A stream that ends before the
// first byte gives io.EOF; one that ends inside the frame gives
// io.ErrUnexpectedEOF.
func ReadFrame(rd io.Reader, buf []byte, max int) ([]byte, error) {
	if cap(buf) < FrameHeaderSize {
		buf = make([]byte, FrameHeaderSize, 512)
	}
	hdr := buf[:FrameHeaderSize]
	if _, err := io.ReadFull(rd, hdr); err != nil {
		return buf[:0], err
	}
	n, err := FrameLength(hdr, max)
	if err != nil {
		return buf[:0], err
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(rd, buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return buf[:0], err
	}
	return buf, nil
}
