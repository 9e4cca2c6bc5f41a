package serve

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/zkembed/zkembed/cmd/zkembed/internal/console"
)

// ConsolePrefix is where the web console is mounted on the admin endpoint.
const ConsolePrefix = "/console/"

// webConsole is the web console of `serve --ui` and of the admin endpoint:
// one console, served on its own listener and under ConsolePrefix.
type webConsole struct {
	con  *console.Console
	srv  *http.Server // nil without --ui
	addr string       // --ui's address, once listening
	done chan error
}

// startConsole opens the console against the server's own client address
// (through the wire client, as any ZooKeeper client), with the admin
// handler as its Inspector, and serves it on c.UIAddr if set.
func startConsole(c Config, log *slog.Logger, clientAddr string, adminHandler http.Handler) (*webConsole, error) {
	host, port, _ := net.SplitHostPort(clientAddr)
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	con, err := console.New(console.Options{
		Connect:   net.JoinHostPort(host, port),
		ReadOnly:  c.UIReadOnly,
		Inspector: console.NewAdminHandler(adminHandler, c.AdminCommandURL),
		Hosts:     c.UIHosts,
		Logger:    log,
	})
	if err != nil {
		return nil, err
	}
	w := &webConsole{con: con, done: make(chan error, 1)}
	if c.UIAddr == "" {
		return w, nil
	}
	l, err := net.Listen("tcp", c.UIAddr)
	if err != nil {
		con.Close()
		return nil, err
	}
	w.addr = l.Addr().String()
	w.srv = &http.Server{
		Handler:           con,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() { w.done <- w.srv.Serve(l) }()
	return w, nil
}

// withConsole serves the console under ConsolePrefix beside h.
func (w *webConsole) withConsole(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(ConsolePrefix, http.StripPrefix(strings.TrimSuffix(ConsolePrefix, "/"), w.con))
	mux.Handle("/", h)
	return mux
}

// failed returns the channel that reports the --ui listener's failure.
func (w *webConsole) failed() <-chan error {
	if w == nil || w.srv == nil {
		return nil
	}
	return w.done
}

// stop closes the console's sessions and event streams, then the listener.
func (w *webConsole) stop(ctx context.Context) {
	if w == nil {
		return
	}
	w.con.Close()
	if w.srv != nil {
		w.srv.Shutdown(ctx)
	}
}
