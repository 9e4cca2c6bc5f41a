package zktest

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// reporter is where a Server reports failures: the test of New, or nothing
// (panics) for Start.
type reporter interface {
	Helper()
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
	Failed() bool
	// logger returns the default logger, and a function that silences it.
	logger() (*slog.Logger, func())
}

// tbReporter reports to a test.
type tbReporter struct{ testing.TB }

// logger writes warnings and errors to the test's log until the server is
// closed (when the test may be finished).
func (r tbReporter) logger() (*slog.Logger, func()) {
	w := &tbWriter{t: r.TB}
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

// failure is the panic value of a standalone Server's failures.
type failure struct{ error }

// standalone is the reporter of a Server made by Start.
type standalone struct{}

func (standalone) Helper()                        {}
func (standalone) Fatalf(format string, a ...any) { panic(failure{fmt.Errorf(format, a...)}) }
func (standalone) Errorf(format string, a ...any) { panic(failure{fmt.Errorf(format, a...)}) }
func (standalone) Logf(string, ...any)            {}
func (standalone) Cleanup(func())                 {}
func (standalone) Failed() bool                   { return false }
func (standalone) logger() (*slog.Logger, func()) {
	return slog.New(slog.DiscardHandler), func() {}
}
