package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"sort"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/transport"
)

// Client is the seam between the workloads and a ZooKeeper client library:
// the few operations the benchmark drives, on one session. Each Driver
// adapts one library to it; every target is driven through the same Driver
// in one run, so the comparison is between servers, not clients.
//
// A Client is used by one goroutine at a time, except that the channel a
// GetW returns may be read from another.
type Client interface {
	// Create creates a persistent (or, with ephemeral, an ephemeral) znode
	// with the open ACL and returns the path created.
	Create(ctx context.Context, path string, data []byte, ephemeral bool) (string, error)
	// Set replaces a znode's data (any version) and returns its new version.
	Set(ctx context.Context, path string, data []byte) (int32, error)
	// Get returns a znode's data and version.
	Get(ctx context.Context, path string) ([]byte, int32, error)
	// GetW is Get that leaves a data watch; the channel is closed when the
	// watch fires (or the session ends).
	GetW(ctx context.Context, path string) ([]byte, <-chan struct{}, error)
	// Exists returns whether the znode exists, its version and data length.
	Exists(ctx context.Context, path string) (ok bool, version, dataLength int32, err error)
	// Children returns the names of a znode's children.
	Children(ctx context.Context, path string) ([]string, error)
	// NumChildren returns a znode's child count from its Stat.
	NumChildren(ctx context.Context, path string) (int32, error)
	// Delete deletes a znode (any version).
	Delete(ctx context.Context, path string) error
	// Close closes the session and waits for the server to confirm it.
	Close() error
}

// Driver opens sessions with one client library.
type Driver interface {
	// Name names the client library in the table.
	Name() string
	// Dial opens a session with the server at addr (host:port) and returns
	// once the session is established.
	Dial(ctx context.Context, addr string) (Client, error)
}

// drivers lists the client libraries by the --client flag's names: go-zookeeper
// and our own wire client (transport.Dial, an api.Client, through the
// adapter in apiclient.go).
var drivers = map[string]Driver{
	"go-zookeeper": goZKDriver{},
	"zkembed": APIDriver{Label: "zkembed client", DialFunc: func(ctx context.Context, addr string) (api.Client, error) {
		return transport.Dial(ctx, addr, transport.WithSessionTimeout(sessionTimeout), transport.WithConnectTimeout(dialTimeout))
	}},
}

// driverNames returns the names --client accepts.
func driverNames() string {
	var names []string
	for n := range drivers {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// sessionTimeout is the session timeout every benchmark session asks for.
const sessionTimeout = 10 * time.Second

// goZKDriver drives github.com/go-zookeeper/zk.
type goZKDriver struct{}

func (goZKDriver) Name() string { return "go-zookeeper/zk" }

var quietLogger = log.New(io.Discard, "", 0)

// dialTimeout bounds every session establishment.
const dialTimeout = 30 * time.Second

func (goZKDriver) Dial(ctx context.Context, addr string) (Client, error) {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	conn, events, err := zk.Connect([]string{addr}, sessionTimeout,
		zk.WithLogger(quietLogger), zk.WithLogInfo(false))
	if err != nil {
		return nil, err
	}
	// go-zookeeper's Connect returns at once; the session exists when
	// StateHasSession arrives. The event channel must be drained for the
	// life of the connection or the client blocks.
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				conn.Close()
				return nil, errors.New("go-zookeeper: connection closed before a session was established")
			}
			if ev.State == zk.StateHasSession {
				go func() {
					for range events {
					}
				}()
				return &goZKClient{conn: conn}, nil
			}
			if ev.State == zk.StateAuthFailed || ev.State == zk.StateExpired {
				conn.Close()
				return nil, fmt.Errorf("go-zookeeper: session not established: %v", ev.State)
			}
		case <-ctx.Done():
			conn.Close()
			return nil, fmt.Errorf("go-zookeeper: connecting to %s: %w", addr, ctx.Err())
		}
	}
}

// goZKClient adapts a *zk.Conn to Client. go-zookeeper takes no contexts,
// so ctx is ignored once the session exists.
type goZKClient struct{ conn *zk.Conn }

func (c *goZKClient) Create(_ context.Context, path string, data []byte, ephemeral bool) (string, error) {
	var flags int32
	if ephemeral {
		flags = zk.FlagEphemeral
	}
	return c.conn.Create(path, data, flags, zk.WorldACL(zk.PermAll))
}

func (c *goZKClient) Set(_ context.Context, path string, data []byte) (int32, error) {
	st, err := c.conn.Set(path, data, -1)
	if err != nil {
		return 0, err
	}
	return st.Version, nil
}

func (c *goZKClient) Get(_ context.Context, path string) ([]byte, int32, error) {
	data, st, err := c.conn.Get(path)
	if err != nil {
		return nil, 0, err
	}
	return data, st.Version, nil
}

func (c *goZKClient) GetW(_ context.Context, path string) ([]byte, <-chan struct{}, error) {
	data, _, ch, err := c.conn.GetW(path)
	if err != nil {
		return nil, nil, err
	}
	fired := make(chan struct{})
	go func() {
		<-ch
		close(fired)
	}()
	return data, fired, nil
}

func (c *goZKClient) Exists(_ context.Context, path string) (bool, int32, int32, error) {
	ok, st, err := c.conn.Exists(path)
	if err != nil || !ok {
		return ok, 0, 0, err
	}
	return true, st.Version, st.DataLength, nil
}

func (c *goZKClient) Children(_ context.Context, path string) ([]string, error) {
	names, _, err := c.conn.Children(path)
	return names, err
}

func (c *goZKClient) NumChildren(_ context.Context, path string) (int32, error) {
	ok, st, err := c.conn.Exists(path)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, fmt.Errorf("%s does not exist", path)
	}
	return st.NumChildren, nil
}

func (c *goZKClient) Delete(_ context.Context, path string) error {
	return c.conn.Delete(path, -1)
}

func (c *goZKClient) Close() error {
	c.conn.Close()
	return nil
}
