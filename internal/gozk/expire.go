package gozk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/zkembed/zkembed/api"
)

// CloseSessionRemotely ends c's session from another connection: it connects
// to addr with c's session id and password and sends closeSession, as a
// second client of the same session may. The server deletes the session's
// ephemerals before it answers; c finds its session expired when it next
// talks to the server. Tests use it to expire a session on demand.
func CloseSessionRemotely(addr string, c *Client, timeout time.Duration) error {
	id, passwd := c.creds.get()
	if id == 0 {
		return errors.New("gozk: the client's session credentials are unknown")
	}
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	// ConnectRequest: protocolVersion, lastZxidSeen, timeOut, sessionId,
	// passwd, readOnly.
	req := binary.BigEndian.AppendUint32(nil, 0)
	req = binary.BigEndian.AppendUint64(req, 0)
	req = binary.BigEndian.AppendUint32(req, 30000)
	req = binary.BigEndian.AppendUint64(req, uint64(id))
	req = binary.BigEndian.AppendUint32(req, uint32(len(passwd)))
	req = append(req, passwd...)
	req = append(req, 0)
	if err := writeFrame(conn, req); err != nil {
		return err
	}
	resp, err := readFrame(conn)
	if err != nil {
		return fmt.Errorf("gozk: connect response: %w", err)
	}
	if len(resp) < 16 || binary.BigEndian.Uint64(resp[8:]) != uint64(id) {
		return fmt.Errorf("gozk: the server did not resume session %v (already gone?): %w", id, api.ErrSessionExpired)
	}
	// RequestHeader{xid 1, type closeSession (-11)}.
	closeReq := binary.BigEndian.AppendUint32(nil, 1)
	closeReq = binary.BigEndian.AppendUint32(closeReq, uint32(0xfffffff5))
	if err := writeFrame(conn, closeReq); err != nil {
		return err
	}
	reply, err := readFrame(conn)
	if err != nil {
		return fmt.Errorf("gozk: closeSession reply: %w", err)
	}
	if len(reply) < 16 {
		return errors.New("gozk: short closeSession reply")
	}
	if code := api.Code(int32(binary.BigEndian.Uint32(reply[12:]))); code != api.OK {
		return fmt.Errorf("gozk: closeSession: %w", code)
	}
	return nil
}

func writeFrame(w io.Writer, body []byte) error {
	_, err := w.Write(append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...))
	return err
}

func readFrame(r io.Reader) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > 1<<20 {
		return nil, fmt.Errorf("frame of %d bytes", size)
	}
	b := make([]byte, size)
	_, err := io.ReadFull(r, b)
	return b, err
}
