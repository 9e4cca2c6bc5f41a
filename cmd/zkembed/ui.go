package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/zkembed/zkembed/cmd/zkembed/internal/cli"
	"github.com/zkembed/zkembed/cmd/zkembed/internal/console"
	"github.com/zkembed/zkembed/cmd/zkembed/internal/serve"
)

// runUI serves the web console for any ZooKeeper until ctx ends.
func runUI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zkembed ui", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := os.Getenv("ZKEMBED_SERVER")
	if server == "" {
		server = cli.DefaultServer
	}
	var (
		opts   console.Options
		addr   string
		adm    string
		format string
		level  string
		hosts  []string
	)
	fs.StringVar(&opts.Connect, "server", server, "connect `string` host:port[,host:port...][/chroot] (default $ZKEMBED_SERVER or "+cli.DefaultServer+")")
	fs.StringVar(&addr, "addr", "127.0.0.1:8081", "serve the console on `host:port`")
	fs.BoolVar(&opts.ReadOnly, "read-only", false, "refuse every change to the tree")
	fs.StringVar(&adm, "admin", "", "zkembed's admin command `URL` (e.g. http://127.0.0.1:8080/commands), for the sessions and metrics panels")
	fs.DurationVar(&opts.SessionTimeout, "timeout", console.DefaultSessionTimeout, "session timeout of each browser's ZooKeeper session")
	fs.Func("host", "a host `name` the console answers to, besides IP addresses and localhost (repeatable)", func(s string) error {
		hosts = append(hosts, s)
		return nil
	})
	fs.StringVar(&format, "log-format", "text", "log `format` on stderr: text or json")
	fs.StringVar(&level, "log-level", "info", "log `level`: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "zkembed: unexpected arguments %q\n", fs.Args())
		return exitUsage
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		fmt.Fprintf(stderr, "zkembed: --addr %q: %v\n", addr, err)
		return exitUsage
	}
	if adm != "" {
		if !strings.HasPrefix(adm, "http://") && !strings.HasPrefix(adm, "https://") {
			fmt.Fprintf(stderr, "zkembed: --admin %q: want an http:// or https:// URL\n", adm)
			return exitUsage
		}
		opts.Inspector = console.NewAdminURL(adm)
	}
	cfg := serve.Defaults()
	cfg.LogFormat, cfg.LogLevel = format, level
	log := serve.NewLogger(cfg, stderr)
	opts.Logger, opts.Hosts = log, hosts
	con, err := console.New(opts)
	if err != nil {
		return exitStatus(err, stderr)
	}
	defer con.Close()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return exitStatus(err, stderr)
	}
	srv := &http.Server{Handler: con, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	log.Info("web console serving", "url", "http://"+l.Addr().String()+"/", "server", opts.Connect, "readOnly", opts.ReadOnly)
	fmt.Fprintln(stdout, "http://"+l.Addr().String()+"/")
	select {
	case <-ctx.Done():
	case err := <-done:
		log.Error("web console failed", "err", err)
		return exitError
	}
	con.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	return exitOK
}
