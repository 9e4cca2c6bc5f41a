package zkserver

import (
	"io"
	"net"
	"strings"
	"time"
)

// FourLetter sends a four-letter word ("ruok", "srvr", "mntr", ...) to the
// server at addr and returns its whole answer. timeout bounds the exchange.
func FourLetter(addr, word string, timeout time.Duration) (string, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return "", err
	}
	if _, err := io.WriteString(c, word); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	if err != nil {
		return string(b), err
	}
	return string(b), nil
}

// Mode returns the "Mode:" line of the server's srvr answer ("standalone",
// "leader", "follower"), or an error if the server is not serving.
func Mode(addr string, timeout time.Duration) (string, error) {
	out, err := FourLetter(addr, "srvr", timeout)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(out, "\n") {
		if m, ok := strings.CutPrefix(line, "Mode: "); ok {
			return strings.TrimSpace(m), nil
		}
	}
	return "", &notServingError{strings.TrimSpace(out)}
}

type notServingError struct{ answer string }

func (e *notServingError) Error() string { return "not serving: " + e.answer }
