package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Inspector gives what only zkembed reports: its sessions and metrics.
type Inspector interface {
	// Sessions returns every live session.
	Sessions(ctx context.Context) ([]SessionInfo, error)
	// Metrics returns the server's numeric metrics by mntr name (without
	// the zk_ prefix).
	Metrics(ctx context.Context) (map[string]float64, error)
}

// SessionInfo is one session as the sessions panel shows it.
type SessionInfo struct {
	ID            string   `json:"id"`                 // hex, 0x...
	TimeoutMs     int64    `json:"timeoutMs"`          // negotiated timeout
	RemoteAddr    string   `json:"remoteAddr"`         // empty when not connected
	LastSeen      int64    `json:"lastSeen,omitempty"` // ms since the epoch of the last reply, 0 if unknown
	Established   int64    `json:"established,omitempty"`
	LastOperation string   `json:"lastOperation,omitempty"`
	Expires       int64    `json:"expires,omitempty"` // ms since the epoch, 0 if it does not expire
	Ephemerals    []string `json:"ephemerals"`
	Watches       []string `json:"watches"`
}

// AdminInspector reads sessions and metrics from zkembed's admin endpoint:
// the cons, dump, wchc and mntr commands.
type AdminInspector struct {
	get func(ctx context.Context, name string) ([]byte, error)
}

// NewAdminHandler returns an AdminInspector that calls h, the admin
// endpoint's handler, in process; commandURL is its command prefix
// ("/commands").
func NewAdminHandler(h http.Handler, commandURL string) *AdminInspector {
	prefix := "/" + strings.Trim(commandURL, "/") + "/"
	return &AdminInspector{get: func(ctx context.Context, name string) ([]byte, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, prefix+name, nil)
		if err != nil {
			return nil, err
		}
		rec := &recorder{h: http.Header{}, code: http.StatusOK}
		h.ServeHTTP(rec, r)
		if rec.code != http.StatusOK {
			return nil, fmt.Errorf("admin %s: status %d", name, rec.code)
		}
		return rec.b.Bytes(), nil
	}}
}

// NewAdminURL returns an AdminInspector that fetches the commands over
// HTTP from base, the endpoint's command URL
// ("http://127.0.0.1:8080/commands").
func NewAdminURL(base string) *AdminInspector {
	base = strings.TrimSuffix(base, "/") + "/"
	hc := &http.Client{Timeout: 5 * time.Second}
	return &AdminInspector{get: func(ctx context.Context, name string) ([]byte, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, base+name, nil)
		if err != nil {
			return nil, err
		}
		resp, err := hc.Do(r)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("admin %s: %s", name, resp.Status)
		}
		return b, err
	}}
}

// recorder is the ResponseWriter of an in-process admin call.
type recorder struct {
	h    http.Header
	b    bytes.Buffer
	code int
}

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) Write(p []byte) (int, error) { return r.b.Write(p) }
func (r *recorder) WriteHeader(code int)        { r.code = code }

func (a *AdminInspector) command(ctx context.Context, name string, v any) error {
	b, err := a.get(ctx, name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("admin %s: %w", name, err)
	}
	return nil
}

// Metrics returns mntr's numeric values.
func (a *AdminInspector) Metrics(ctx context.Context) (map[string]float64, error) {
	var m map[string]any
	if err := a.command(ctx, "mntr", &m); err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(m))
	for k, v := range m {
		if f, ok := v.(float64); ok {
			out[k] = f
		}
	}
	return out, nil
}

func sid(id int64) string { return fmt.Sprintf("0x%x", id) }

// Sessions joins cons (connections), dump (expiry and ephemerals) and wchc
// (watches) by session id.
func (a *AdminInspector) Sessions(ctx context.Context) ([]SessionInfo, error) {
	var cons struct {
		Connections []struct {
			Remote       string `json:"remote_socket_address"`
			SessionID    int64  `json:"session_id"`
			LastOp       string `json:"last_operation"`
			Established  int64  `json:"established"`
			Timeout      int64  `json:"session_timeout"`
			LastResponse int64  `json:"last_response_time"`
		} `json:"connections"`
	}
	var dump struct {
		Expiry     map[string][]int64  `json:"expiry_time_to_session_ids"`
		Ephemerals map[string][]string `json:"session_id_to_ephemeral_paths"`
		Watches    map[string][]string `json:"session_id_to_watched_paths"`
	}
	var mntr struct {
		Uptime int64 `json:"uptime"`
	}
	if err := a.command(ctx, "cons", &cons); err != nil {
		return nil, err
	}
	if err := a.command(ctx, "dump", &dump); err != nil {
		return nil, err
	}
	if err := a.command(ctx, "wchc", &dump); err != nil {
		return nil, err
	}
	if err := a.command(ctx, "mntr", &mntr); err != nil {
		return nil, err
	}
	now := time.Now()
	started := now.Add(-time.Duration(mntr.Uptime) * time.Millisecond)
	by := map[int64]*SessionInfo{}
	get := func(id int64) *SessionInfo {
		s := by[id]
		if s == nil {
			s = &SessionInfo{ID: sid(id), Ephemerals: []string{}, Watches: []string{}}
			by[id] = s
		}
		return s
	}
	for at, ids := range dump.Expiry {
		ms, _ := strconv.ParseInt(at, 10, 64)
		for _, id := range ids {
			get(id).Expires = ms
		}
	}
	for _, c := range cons.Connections {
		if c.SessionID == 0 {
			continue
		}
		s := get(c.SessionID)
		s.RemoteAddr, s.TimeoutMs, s.LastOperation, s.Established = c.Remote, c.Timeout, c.LastOp, c.Established
		if c.LastResponse > 0 {
			s.LastSeen = started.Add(time.Duration(c.LastResponse) * time.Millisecond).UnixMilli()
		}
	}
	for id, ps := range dump.Ephemerals {
		n, _ := strconv.ParseInt(id, 10, 64)
		get(n).Ephemerals = ps
	}
	for id, ps := range dump.Watches {
		n, _ := strconv.ParseInt(id, 10, 64)
		get(n).Watches = ps
	}
	out := make([]SessionInfo, 0, len(by))
	for _, s := range by {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b SessionInfo) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// sample is the metrics at one time.
type sample struct {
	T      int64              `json:"t"` // ms since the epoch
	Values map[string]float64 `json:"values"`
}

// sampler keeps the last n samples of an Inspector's metrics.
type sampler struct {
	in       Inspector
	interval time.Duration
	n        int

	mu      sync.Mutex // guards samples and lastErr
	samples []sample
	lastErr error
}

func newSampler(in Inspector, interval time.Duration, n int) *sampler {
	return &sampler{in: in, interval: interval, n: n}
}

// run samples every interval until done is closed.
func (s *sampler) run(done <-chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-done:
			cancel()
		case <-ctx.Done():
		}
	}()
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		s.take(ctx)
		select {
		case <-done:
			return
		case <-t.C:
		}
	}
}

func (s *sampler) take(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, s.interval)
	defer cancel()
	m, err := s.in.Metrics(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastErr = err
	if err != nil {
		return
	}
	s.samples = append(s.samples, sample{T: time.Now().UnixMilli(), Values: m})
	if len(s.samples) > s.n {
		s.samples = slices.Delete(s.samples, 0, len(s.samples)-s.n)
	}
}

func (s *sampler) snapshot() ([]sample, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.samples), s.lastErr
}

// handleSessions lists zkembed's sessions.
func (c *Console) handleSessions(w http.ResponseWriter, r *http.Request, b *browser) {
	if c.opts.Inspector == nil {
		writeErr(w, http.StatusNotFound, "Unimplemented", "sessions are shown for zkembed only (zkembed ui --admin)")
		return
	}
	ss, err := c.opts.Inspector.Sessions(r.Context())
	if err != nil {
		writeErr(w, http.StatusBadGateway, "Unavailable", err.Error())
		return
	}
	b.mu.Lock()
	var own string
	if b.client != nil {
		own = sid(int64(b.client.SessionID()))
	}
	b.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"sessions": ss, "own": own})
}

// handleMetrics returns the sampled metrics, oldest first.
func (c *Console) handleMetrics(w http.ResponseWriter, r *http.Request, b *browser) {
	if c.metrics == nil {
		writeErr(w, http.StatusNotFound, "Unimplemented", "metrics are shown for zkembed only (zkembed ui --admin)")
		return
	}
	ss, err := c.metrics.snapshot()
	body := map[string]any{"intervalMs": c.opts.SampleInterval.Milliseconds(), "samples": ss}
	if err != nil {
		body["error"] = err.Error()
	}
	writeJSON(w, http.StatusOK, body)
}
