package zktest

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// testLogger returns a logger that writes warnings and errors to t's log,
// and a function that silences it (once the server is closed, when t may
// be finished).
func testLogger(t testing.TB) (*slog.Logger, func()) {
	w := &tbWriter{t: t}
	h := slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn})
	return slog.New(h), w.off
}

type tbWriter struct {
	mu sync.Mutex // guards t
	t  testing.TB // nil once off
}

func (w *tbWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.t != nil {
		w.t.Log("zktest: " + strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

func (w *tbWriter) off() {
	w.mu.Lock()
	w.t = nil
	w.mu.Unlock()
}
