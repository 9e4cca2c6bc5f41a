package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/transport"
)

//go:embed assets
var assets embed.FS

// Defaults of Options.
const (
	DefaultSessionTimeout = 30 * time.Second
	DefaultIdleTimeout    = time.Hour
	DefaultMaxSessions    = 64
)

// Options configure a Console. Connect or Dial must be set.
type Options struct {
	// Connect is the connect string, "host:port[,host:port...][/chroot]".
	Connect string
	// Dial, if set, opens a ZooKeeper session instead of transport.Dial on
	// Connect; auth are the browser session's digest credentials
	// ("user:password"), to add before the session is used.
	Dial func(ctx context.Context, auth []string) (api.Client, error)
	// ReadOnly refuses every change to the tree.
	ReadOnly bool
	// Inspector, if set, gives the zkembed-only panels (sessions, metrics).
	Inspector Inspector
	// Hosts are host names, besides IP addresses and localhost, that the
	// Host header may name (for a console reached by name).
	Hosts []string
	// SessionTimeout is the ZooKeeper session timeout of each browser
	// session; 0 means DefaultSessionTimeout.
	SessionTimeout time.Duration
	// IdleTimeout closes a browser session unused for that long; 0 means
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
	// MaxSessions bounds the browser sessions; the least recently used one
	// without an open event stream is closed to make room. 0 means
	// DefaultMaxSessions.
	MaxSessions int
	// Logger receives the console's log lines (never a credential); nil
	// means slog.Default().
	Logger *slog.Logger
	// SampleInterval is how often the Inspector's metrics are sampled for
	// the charts; 0 means 2s.
	SampleInterval time.Duration
}

// Console is the web console: an http.Handler. Close it to release its
// ZooKeeper sessions.
type Console struct {
	opts    Options
	log     *slog.Logger
	mux     *http.ServeMux
	cop     *http.CrossOriginProtection
	done    chan struct{} // closed by Close
	wg      sync.WaitGroup
	metrics *sampler // nil without an Inspector

	mu       sync.Mutex // guards sessions and closed
	sessions map[string]*browser
	closed   bool
}

// New returns a console for opts.
func New(opts Options) (*Console, error) {
	if opts.Connect == "" && opts.Dial == nil {
		return nil, errors.New("console: no connect string")
	}
	if opts.SessionTimeout <= 0 {
		opts.SessionTimeout = DefaultSessionTimeout
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = DefaultMaxSessions
	}
	if opts.SampleInterval <= 0 {
		opts.SampleInterval = 2 * time.Second
	}
	c := &Console{
		opts:     opts,
		log:      opts.Logger,
		done:     make(chan struct{}),
		sessions: map[string]*browser{},
		cop:      http.NewCrossOriginProtection(),
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if opts.Dial == nil {
		c.opts.Dial = c.dialTransport
	}
	static, err := fs.Sub(assets, "assets")
	if err != nil {
		return nil, err
	}
	m := http.NewServeMux()
	files := http.FileServerFS(static)
	m.Handle("GET /", files)
	c.routes(m)
	c.mux = m
	if opts.Inspector != nil {
		c.metrics = newSampler(opts.Inspector, opts.SampleInterval, 150)
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.metrics.run(c.done)
		}()
	}
	return c, nil
}

// dialTransport opens a session with zkembed's wire client.
func (c *Console) dialTransport(ctx context.Context, auth []string) (api.Client, error) {
	o := []transport.ClientOption{
		transport.WithSessionTimeout(c.opts.SessionTimeout),
		transport.WithConnectTimeout(10 * time.Second),
		transport.WithLogger(c.log),
	}
	for _, a := range auth {
		o = append(o, transport.WithAuth("digest", []byte(a)))
	}
	return transport.Dial(ctx, c.opts.Connect, o...)
}

// Close closes every browser session, ends the event streams and waits for
// the console's goroutines. It is idempotent.
func (c *Console) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		c.wg.Wait()
		return nil
	}
	c.closed = true
	close(c.done)
	bs := make([]*browser, 0, len(c.sessions))
	for _, b := range c.sessions {
		bs = append(bs, b)
	}
	c.sessions = map[string]*browser{}
	c.mu.Unlock()
	for _, b := range bs {
		b.close()
	}
	c.wg.Wait()
	return nil
}

// securityHeaders are sent with every response.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
	"X-Content-Type-Options": "nosniff",
	"Referrer-Policy":        "no-referrer",
	"X-Frame-Options":        "DENY",
	"Cache-Control":          "no-store",
}

// ServeHTTP serves the page and the API.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for k, v := range securityHeaders {
		w.Header().Set(k, v)
	}
	if !c.hostAllowed(r.Host) {
		http.Error(w, "console: host "+r.Host+" not allowed (start it with --ui-host)", http.StatusForbidden)
		return
	}
	if err := c.cop.Check(r); err != nil {
		writeErr(w, http.StatusForbidden, "CrossOrigin", "cross-origin request refused")
		return
	}
	c.mux.ServeHTTP(w, r)
}

// hostAllowed reports whether the Host header names an IP address,
// localhost or one of Options.Hosts: a defence against DNS rebinding.
func (c *Console) hostAllowed(host string) bool {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if net.ParseIP(h) != nil || strings.EqualFold(h, "localhost") {
		return true
	}
	for _, a := range c.opts.Hosts {
		if strings.EqualFold(a, h) {
			return true
		}
	}
	return false
}

// A browser is one browser session: its ZooKeeper session, credentials,
// token and event subscribers.
type browser struct {
	c     *Console
	id    string
	token string

	mu       sync.Mutex // guards the fields below
	client   api.Client // nil until first used, or after expiry
	gen      int        // incremented with each client
	auth     []string   // digest credentials user:password, never logged
	users    []string
	lastUsed time.Time
	subs     map[chan liveEvent]struct{}
	closed   bool
}

// cookieName is the session cookie's name for a request: it includes the
// port, since browsers share cookies between ports of one host.
func cookieName(r *http.Request) string {
	_, port, _ := net.SplitHostPort(r.Host)
	return "zkconsole" + strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, port)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// session returns the request's browser session; create makes a new one
// (and sets the cookie) when there is none.
func (c *Console) session(w http.ResponseWriter, r *http.Request, create bool) (*browser, error) {
	name := cookieName(r)
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errClosed
	}
	if ck, err := r.Cookie(name); err == nil {
		if b := c.sessions[ck.Value]; b != nil {
			b.mu.Lock()
			b.lastUsed = now
			b.mu.Unlock()
			return b, nil
		}
	}
	if !create {
		return nil, errNoSession
	}
	c.evictLocked(now)
	b := &browser{c: c, id: randomHex(32), token: randomHex(32), lastUsed: now, subs: map[chan liveEvent]struct{}{}}
	c.sessions[b.id] = b
	http.SetCookie(w, &http.Cookie{Name: name, Value: b.id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return b, nil
}

var (
	errClosed    = errors.New("console closed")
	errNoSession = errors.New("no console session: reload the page")
)

// evictLocked closes idle sessions, and the least recently used one
// without subscribers if the table is full. c.mu is held.
func (c *Console) evictLocked(now time.Time) {
	var lru *browser
	var lruAt time.Time
	for id, b := range c.sessions {
		b.mu.Lock()
		idle, at, subs := now.Sub(b.lastUsed) > c.opts.IdleTimeout, b.lastUsed, len(b.subs)
		b.mu.Unlock()
		if idle && subs == 0 {
			delete(c.sessions, id)
			go b.close()
			continue
		}
		if subs == 0 && (lru == nil || at.Before(lruAt)) {
			lru, lruAt = b, at
		}
	}
	if len(c.sessions) >= c.opts.MaxSessions && lru != nil {
		delete(c.sessions, lru.id)
		go lru.close()
	}
}

// checkToken reports whether r carries b's token.
func (b *browser) checkToken(r *http.Request) bool {
	t := r.Header.Get("X-Console-Token")
	return t != "" && subtle.ConstantTimeCompare([]byte(t), []byte(b.token)) == 1
}

// zk returns the browser session's ZooKeeper client, opening one (with the
// session's credentials) if needed, and starting its watch.
func (b *browser) zk(ctx context.Context) (api.Client, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, errClosed
	}
	if b.client != nil {
		return b.client, nil
	}
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	cl, err := b.c.opts.Dial(dctx, b.auth)
	if err != nil {
		return nil, err
	}
	ch, err := cl.AddWatch(dctx, "/", api.AddWatchPersistentRecursive)
	if err != nil {
		cl.Close()
		return nil, err
	}
	b.client = cl
	b.gen++
	b.c.wg.Add(1)
	go b.watch(cl, ch)
	return cl, nil
}

// drop forgets cl (after its session expired) so the next call opens a
// new one.
func (b *browser) drop(cl api.Client) {
	b.mu.Lock()
	if b.client != cl {
		b.mu.Unlock()
		return
	}
	b.client = nil
	b.mu.Unlock()
	cl.Close()
}

// reset closes the ZooKeeper session and sets the credentials for the next.
func (b *browser) reset(auth, users []string) {
	b.mu.Lock()
	cl := b.client
	b.client = nil
	b.auth, b.users = auth, users
	b.mu.Unlock()
	if cl != nil {
		cl.Close()
	}
	b.publish(liveEvent{Type: "Session", State: "Reset"})
}

func (b *browser) close() {
	b.mu.Lock()
	b.closed = true
	cl := b.client
	b.client = nil
	b.auth = nil
	b.mu.Unlock()
	if cl != nil {
		cl.Close()
	}
}
