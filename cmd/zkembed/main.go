// Command zkembed runs a ZooKeeper-compatible server backed by zkembed's
// engine: standard ZooKeeper clients (Java, C, Go, Python) connect to it as
// to Apache ZooKeeper.
//
//	go run ./cmd/zkembed                      # 127.0.0.1:2181, durable in ./zkembed-data
//	go run ./cmd/zkembed --memory --addr 127.0.0.1:0
//
// Flags:
//
//	--addr                      listen address (default 127.0.0.1:2181)
//	--data                      data directory (default ./zkembed-data)
//	--memory                    keep everything in memory, write nothing
//	--tick-time                 ZooKeeper's tickTime in milliseconds (default 2000);
//	                            session timeouts are bounded by 2 and 20 ticks
//	--container-check-interval  how often empty containers and expired TTL
//	                            nodes are deleted (default 1m)
//	--max-client-cnxns          connections allowed from one IP address, 0 for
//	                            no limit (default 60, as zoo.cfg)
//
// It prints the connect string once it serves, and closes gracefully on
// SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/transport"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "zkembed:", err)
		}
		os.Exit(2)
	}
}

// run serves until ctx ends, then shuts down. It writes the connect string
// to stdout and logs to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zkembed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:2181", "listen `address`")
	data := fs.String("data", "./zkembed-data", "data `directory`")
	memory := fs.Bool("memory", false, "keep everything in memory, write nothing")
	tick := fs.Int("tick-time", 2000, "tickTime in `milliseconds`; session timeouts are bounded by 2 and 20 ticks")
	reap := fs.Duration("container-check-interval", time.Minute, "how often empty containers and expired TTL nodes are deleted")
	maxCnxns := fs.Int("max-client-cnxns", 60, "connections allowed from one IP address (0: no limit)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if *tick <= 0 {
		return fmt.Errorf("--tick-time must be positive, got %d", *tick)
	}
	if *reap <= 0 {
		return fmt.Errorf("--container-check-interval must be positive, got %v", *reap)
	}

	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	opts := engine.Options{
		Dir:                    *data,
		TickTime:               time.Duration(*tick) * time.Millisecond,
		ContainerCheckInterval: *reap,
		Logger:                 log,
	}
	where := "data in " + *data
	if *memory {
		opts.Dir = ""
		where = "in memory"
	}
	eng, err := engine.Open(opts)
	if err != nil {
		return fmt.Errorf("open engine: %w", err)
	}
	defer eng.Close()

	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := transport.NewServer(eng, transport.Options{Logger: log, MaxClientCnxns: *maxCnxns})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	log.Info("zkembed serving", "addr", l.Addr().String(), "storage", where,
		"tickTime", opts.TickTime, "containerCheckInterval", *reap)
	fmt.Fprintln(stdout, l.Addr().String())

	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err = <-served:
		log.Error("listener failed", "err", err)
	}
	srv.Close()
	if ctx.Err() != nil {
		<-served
	}
	if cerr := eng.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close engine: %w", cerr)
	}
	return err
}
