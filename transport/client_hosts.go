package transport

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zkembed/zkembed/api"
)

// DefaultPort is the client port a connect string's host gets when it names
// none (ConnectStringParser.DEFAULT_PORT).
const DefaultPort = 2181

// ConnectString is a parsed ZooKeeper connect string,
// "host1:2181,[::1]:2182,host3/chroot".
type ConnectString struct {
	// Hosts are the servers as "host:port" (IPv6 literals in brackets),
	// in the order given.
	Hosts []string
	// Chroot is the path every client path is relative to, or "" for none.
	Chroot string
}

// ParseConnectString parses a connect string as ZooKeeper's
// ConnectStringParser does: servers separated by commas, each "host",
// "host:port" or "[ipv6]:port" (the port defaults to DefaultPort; a host
// ending in ":" gets it too), then an optional chroot starting at the first
// "/". A chroot of "/" is no chroot; any other must be a valid path. Empty
// entries between commas are skipped; an empty host list is an error.
func ParseConnectString(s string) (ConnectString, error) {
	var cs ConnectString
	if strings.TrimSpace(s) == "" {
		return cs, errors.New("transport: empty connect string")
	}
	servers := s
	if i := strings.IndexByte(s, '/'); i >= 0 {
		servers = s[:i]
		if root := s[i:]; root != "/" {
			if err := api.ValidatePath(root); err != nil {
				return cs, fmt.Errorf("transport: invalid chroot %q in connect string: %w", root, err)
			}
			cs.Chroot = root
		}
	}
	for _, h := range strings.Split(servers, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		host, port, err := splitHostPort(h)
		if err != nil {
			return cs, fmt.Errorf("transport: connect string %q: %w", s, err)
		}
		cs.Hosts = append(cs.Hosts, net.JoinHostPort(host, strconv.Itoa(port)))
	}
	if len(cs.Hosts) == 0 {
		return cs, fmt.Errorf("transport: connect string %q names no server", s)
	}
	return cs, nil
}

// splitHostPort splits one server of a connect string.
func splitHostPort(h string) (string, int, error) {
	port := DefaultPort
	var portStr string
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return "", 0, fmt.Errorf("%q starts with '[' but has no matching ']'", h)
		}
		rest := h[end+1:]
		h = h[1:end]
		switch {
		case rest == "":
		case rest[0] == ':':
			portStr = rest[1:]
		default:
			return "", 0, fmt.Errorf("unexpected %q after ']'", rest)
		}
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 {
		portStr = h[i+1:]
		h = h[:i]
	}
	if portStr != "" {
		p, err := strconv.Atoi(portStr)
		if err != nil || p <= 0 || p > 65535 {
			return "", 0, fmt.Errorf("invalid port %q", portStr)
		}
		port = p
	}
	if h == "" {
		return "", 0, errors.New("empty host")
	}
	return h, port, nil
}

// hostProvider hands out the servers to try, as ZooKeeper's
// StaticHostProvider: the list is shuffled once, then walked as a ring.
// Once every server has been tried since the last successful connection,
// it asks the caller to back off before the next round (Java waits a fixed
// second; we start at minBackoff and double up to maxBackoff, with jitter).
type hostProvider struct {
	mu       sync.Mutex // guards everything below
	hosts    []string
	next     int           // index of the next host to hand out
	tried    int           // hosts tried since the last connection
	backoff  time.Duration // the next round's wait
	min, max time.Duration
}

func newHostProvider(hosts []string, minBackoff, maxBackoff time.Duration) *hostProvider {
	h := &hostProvider{hosts: append([]string(nil), hosts...), min: minBackoff, max: maxBackoff}
	rand.Shuffle(len(h.hosts), func(i, j int) { h.hosts[i], h.hosts[j] = h.hosts[j], h.hosts[i] })
	return h
}

// Next returns the next server to try and how long to wait before trying it
// (zero unless a whole round has failed).
func (h *hostProvider) Next() (string, time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var wait time.Duration
	if h.tried >= len(h.hosts) {
		h.tried = 0
		if h.backoff == 0 {
			h.backoff = h.min
		}
		// Up to a quarter of jitter, so clients that lost the same server
		// do not come back in step.
		wait = h.backoff + rand.N(h.backoff/4+1)
		h.backoff = min(2*h.backoff, h.max)
	}
	addr := h.hosts[h.next]
	h.next = (h.next + 1) % len(h.hosts)
	h.tried++
	return addr, wait
}

// Connected records a successful connection: the next failure starts a
// fresh round with no wait.
func (h *hostProvider) Connected() {
	h.mu.Lock()
	h.tried = 0
	h.backoff = 0
	h.mu.Unlock()
}

// Len returns the number of servers.
func (h *hostProvider) Len() int { return len(h.hosts) }

// chroot maps client paths to server paths and back.
type chroot string

// server returns the server path of a client path.
func (c chroot) server(p string) string {
	if c == "" {
		return p
	}
	if p == "/" {
		return string(c)
	}
	return string(c) + p
}

// client returns the client path of a server path. A path outside the
// chroot is returned unchanged (ZooKeeper's client logs and keeps it too).
func (c chroot) client(p string) string {
	if c == "" {
		return p
	}
	if p == string(c) {
		return "/"
	}
	if len(p) > len(c) && strings.HasPrefix(p, string(c)) && p[len(c)] == '/' {
		return p[len(c):]
	}
	return p
}

// contains reports whether a server path is at or below the chroot.
func (c chroot) contains(p string) bool {
	return c == "" || p == string(c) || (strings.HasPrefix(p, string(c)) && len(p) > len(c) && p[len(c)] == '/')
}
