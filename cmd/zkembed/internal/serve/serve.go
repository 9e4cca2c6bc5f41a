package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/zkembed/zkembed/cmd/zkembed/internal/admin"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/transport"
)

// The edge profile's settings: Badger memtables of 8 MiB instead of 16 MiB
// (two of them), and a soft limit for the Go heap.
const (
	EdgeMemTableSize = 8 << 20
	EdgeMemoryLimit  = 48 << 20
)

// Ready is what Run reports once it serves.
type Ready struct {
	Addr string // client address, host:port (the secure one if there is no plain one)
	// SecureAddr is the TLS client address, empty when off.
	SecureAddr string
	AdminAddr  string // admin endpoint host:port, empty when off
	// UIAddr is the web console's host:port (--ui), empty when off.
	UIAddr string
}

// NewLogger returns the logger of c's format and level, writing to w.
func NewLogger(c Config, w io.Writer) *slog.Logger {
	lvl, _ := parseLevel(c.LogLevel)
	ho := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, ho))
	}
	return slog.New(slog.NewTextHandler(w, ho))
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level must be debug, info, warn or error, got %q", s)
	}
	return l, nil
}

// engineOptions returns the engine's options for c.
func engineOptions(c Config, log *slog.Logger) engine.Options {
	o := engine.Options{
		Dir:                    c.DataDir,
		NoSync:                 c.NoSync,
		Logger:                 log,
		TickTime:               c.TickTime,
		MinSessionTimeout:      c.MinSessionTimeout,
		MaxSessionTimeout:      c.MaxSessionTimeout,
		ContainerCheckInterval: c.ContainerCheckInterval,
		DisableTTL:             !c.ExtendedTypes,
		SuperDigest:            c.SuperDigest,
	}
	if c.Memory {
		o.Dir = ""
	}
	if c.MaxBuffer > 0 {
		// jute.maxbuffer bounds znode data too (DataTree's check).
		o.MaxDataSize = c.MaxBuffer
	}
	if c.Profile == "edge" {
		o.BadgerMemTableSize = EdgeMemTableSize
	}
	return o
}

// Run serves c until ctx ends, then shuts down gracefully: it stops the
// admin endpoint and the listener, answers the requests already read (for
// at most c.ShutdownTimeout), closes every connection, and closes the
// engine, which flushes and closes the store. ready is called once the
// server accepts connections. Run returns nil after a clean shutdown.
func Run(ctx context.Context, c Config, log *slog.Logger, ready func(Ready)) (err error) {
	for _, w := range c.Warnings {
		log.Warn("zoo.cfg: " + w)
	}
	if c.MemoryLimit > 0 {
		debug.SetMemoryLimit(c.MemoryLimit)
	}
	started := time.Now()
	opts := engineOptions(c, log)
	eng, err := engine.Open(opts)
	if err != nil {
		return fmt.Errorf("open engine: %w", err)
	}
	defer func() {
		if cerr := eng.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close engine: %w", cerr)
		}
	}()

	topts := transport.Options{
		Logger:               log,
		MaxClientCnxns:       c.MaxClientCnxns,
		FourLetterWords:      c.FourLetterWords,
		MaxBuffer:            c.MaxBuffer,
		MaxGlobalOutstanding: c.MaxGlobalOutstanding,
	}
	c.Security.serverOptions(&topts)
	srv := transport.NewServer(eng, topts)
	served := make(chan error, 2)
	listeners := 0
	r := Ready{}
	if c.Addr != "" {
		l, err := net.Listen("tcp", c.Addr)
		if err != nil {
			return err
		}
		listeners++
		go func() { served <- srv.Serve(l) }()
		r.Addr = l.Addr().String()
	}
	if c.Security.SecureAddr != "" {
		sl, tc, err := c.Security.listen(log)
		if err != nil {
			srv.Close()
			for range listeners {
				<-served
			}
			return fmt.Errorf("secure client port: %w", err)
		}
		listeners++
		go func() { served <- srv.ServeTLS(sl, tc) }()
		r.SecureAddr = sl.Addr().String()
		if r.Addr == "" {
			r.Addr = r.SecureAddr
		}
	}

	var adminSrv *http.Server
	adminDone := make(chan error, 1)
	port, _ := strconv.Atoi(portOf(r.Addr))
	src := &admin.Source{
		Backend:        eng,
		Server:         srv,
		Version:        transport.DefaultVersion,
		ClientPort:     port,
		MaxClientCnxns: c.MaxClientCnxns,
		InitialConfig:  c.initialConfig(),
		Started:        started,
	}
	adminHandler := admin.Handler(src, c.AdminCommandURL)
	var ui *webConsole
	if (c.UIAddr != "" || c.AdminAddr != "") && c.Addr != "" {
		// The console is a client of the plain client port.
		if ui, err = startConsole(c, log, r.Addr, adminHandler); err != nil {
			srv.Close()
			for range listeners {
				<-served
			}
			return fmt.Errorf("web console: %w", err)
		}
		r.UIAddr = ui.addr
		adminHandler = ui.withConsole(adminHandler)
	}
	if c.AdminAddr != "" {
		al, err := net.Listen("tcp", c.AdminAddr)
		if err != nil {
			ui.stop(ctx)
			srv.Close()
			for range listeners {
				<-served
			}
			return fmt.Errorf("admin endpoint: %w", err)
		}
		adminSrv = &http.Server{
			Handler:           adminHandler,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		}
		go func() { adminDone <- adminSrv.Serve(al) }()
		r.AdminAddr = al.Addr().String()
	}

	storage := "in memory"
	if !c.Memory {
		storage = "durable in " + c.DataDir
	}
	log.Info("zkembed serving", "addr", r.Addr, "secureAddr", r.SecureAddr, "sasl", c.Security.saslUsers != nil, "enforceAuth", c.Security.EnforceAuth, "storage", storage, "profile", c.Profile,
		"tickTime", c.TickTime, "admin", r.AdminAddr, "ui", r.UIAddr, "startup", time.Since(started).Round(time.Microsecond))
	if ready != nil {
		ready(r)
	}

	select {
	case <-ctx.Done():
		log.Info("shutting down: answering requests in flight", "timeout", c.ShutdownTimeout)
	case err = <-served:
		listeners--
		log.Error("client listener failed", "err", err)
	case err = <-adminDone:
		log.Error("admin endpoint failed", "err", err)
	case err = <-ui.failed():
		log.Error("web console failed", "err", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
	defer cancel()
	ui.stop(sctx)
	if adminSrv != nil {
		adminSrv.Shutdown(sctx)
	}
	if serr := srv.Shutdown(sctx); serr != nil {
		log.Warn("replies still in flight at the shutdown timeout were dropped", "err", serr)
	}
	for range listeners {
		if serr := <-served; err == nil && serr != nil && !errors.Is(serr, transport.ErrServerClosed) && !errors.Is(serr, net.ErrClosed) {
			err = serr
		}
	}
	log.Info("closing the store")
	return err
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// initialConfig is the configuration as key=value lines, as the
// initial_configuration admin command shows it.
func (c Config) initialConfig() string {
	var b strings.Builder
	kv := func(k, v string) { b.WriteString(k + "=" + v + "\n") }
	kv("clientPortAddress", c.Addr)
	if c.Memory {
		kv("dataDir", "")
	} else {
		kv("dataDir", c.DataDir)
	}
	kv("tickTime", strconv.FormatInt(c.TickTime.Milliseconds(), 10))
	kv("maxClientCnxns", strconv.Itoa(c.MaxClientCnxns))
	if c.MinSessionTimeout > 0 {
		kv("minSessionTimeout", strconv.FormatInt(c.MinSessionTimeout.Milliseconds(), 10))
	}
	if c.MaxSessionTimeout > 0 {
		kv("maxSessionTimeout", strconv.FormatInt(c.MaxSessionTimeout.Milliseconds(), 10))
	}
	if c.FourLetterWords != nil {
		kv("4lw.commands.whitelist", strings.Join(c.FourLetterWords, ","))
	} else {
		kv("4lw.commands.whitelist", "*")
	}
	kv("extendedTypesEnabled", strconv.FormatBool(c.ExtendedTypes))
	if c.NoSync {
		kv("forceSync", "no")
	} else {
		kv("forceSync", "yes")
	}
	kv("profile", c.Profile)
	return b.String()
}
