// Command zkembed is a ZooKeeper-compatible server backed by zkembed's
// engine, and a command-line client for it or any Apache ZooKeeper.
//
//	zkembed [serve] [flags]          serve on 127.0.0.1:2181, durable in ./zkembed-data
//	zkembed serve --config zoo.cfg   read Apache ZooKeeper's configuration file
//	zkembed ls|get|set|create|delete|stat|tree|watch|getacl|setacl [flags] PATH ...
//	zkembed export [PATH] FILE       write a subtree to a JSON file
//	zkembed import FILE [PATH]       create an export's znodes on any ZooKeeper
//	zkembed ui --server host:port    a web console for any ZooKeeper, on 127.0.0.1:8081
//
// serve prints the address it listens on as the first line of its standard
// output, then logs to standard error. On SIGINT or SIGTERM it stops
// accepting connections, answers the requests it has read, closes every
// connection and flushes the store; a second signal exits at once.
//
// Exit status:
//
//	0    success (serve: a clean shutdown)
//	1    an error: the server answered with a ZooKeeper error (its name is
//	     printed, e.g. "zkembed: get /a: NoNode"), or serve failed at run time
//	2    a usage or configuration error (bad flags, an invalid zoo.cfg key)
//	3    the client could not reach the server, or lost its session
//	130  (128+2) or 143 (128+15): a second SIGINT or SIGTERM ended serve at once
//
// Run "zkembed help" for every flag.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/zkembed/zkembed/cmd/zkembed/internal/cli"
	"github.com/zkembed/zkembed/cmd/zkembed/internal/serve"
)

// The exit statuses.
const (
	exitOK      = 0
	exitError   = 1
	exitUsage   = 2
	exitConnect = 3
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		cancel()
		s := <-sigs
		fmt.Fprintln(os.Stderr, "zkembed: second signal, exiting at once")
		code := 128 + 15
		if s == os.Interrupt {
			code = 128 + 2
		}
		os.Exit(code)
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run runs one zkembed command and returns its exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "serve" || cli.Is(args[0]) || args[0] == "help" || args[0] == "version" || args[0] == "ui") {
		cmd, args = args[0], args[1:]
	} else if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		fmt.Fprintf(stderr, "zkembed: unknown command %q (see zkembed help)\n", args[0])
		return exitUsage
	}
	switch cmd {
	case "help":
		usage(stdout)
		return exitOK
	case "version":
		fmt.Fprintln(stdout, version())
		return exitOK
	case "serve":
		return runServe(ctx, args, stdout, stderr)
	case "ui":
		return runUI(ctx, args, stdout, stderr)
	}
	err := cli.Run(ctx, cmd, args, cli.IO{In: stdin, Out: stdout, Err: stderr})
	return exitStatus(err, stderr)
}

// exitStatus prints err (if any) and maps it to an exit status.
func exitStatus(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitUsage
	}
	fmt.Fprintln(stderr, "zkembed:", err)
	var ue *cli.UsageError
	var se *serve.UsageError
	var ce *cli.ConnectError
	switch {
	case errors.As(err, &ue), errors.As(err, &se):
		return exitUsage
	case errors.As(err, &ce):
		return exitConnect
	}
	return exitError
}

// runServe runs the server until ctx ends.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zkembed serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := serve.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "zkembed: unexpected arguments %q\n", fs.Args())
		return exitUsage
	}
	cfg, err := f.Resolve()
	if err != nil {
		return exitStatus(err, stderr)
	}
	log := serve.NewLogger(cfg, stderr)
	err = serve.Run(ctx, cfg, log, func(r serve.Ready) {
		if r.AdminAddr != "" {
			fmt.Fprintf(stderr, "admin endpoint: http://%s%s  metrics: http://%s/metrics  console: http://%s%s\n", r.AdminAddr, cfg.AdminCommandURL, r.AdminAddr, r.AdminAddr, serve.ConsolePrefix)
		}
		if r.UIAddr != "" {
			fmt.Fprintf(stderr, "web console: http://%s/\n", r.UIAddr)
		}
		if r.SecureAddr != "" && r.SecureAddr != r.Addr {
			fmt.Fprintf(stderr, "secure client port (TLS): %s\n", r.SecureAddr)
		}
		// The first line of stdout is the address, for scripts; it comes
		// last, once everything above is logged.
		fmt.Fprintln(stdout, r.Addr)
	})
	if err != nil {
		log.Error("zkembed stopped", "err", err)
		return exitError
	}
	log.Info("zkembed stopped cleanly")
	return exitOK
}

func usage(w io.Writer) {
	fmt.Fprint(w, `zkembed: a ZooKeeper-compatible server, and a client for any ZooKeeper.

Server:
  zkembed [serve] [flags]     (zkembed serve -h lists the flags; --ui 127.0.0.1:8081 adds the web console)

Web console for any ZooKeeper:
  zkembed ui --server host:port[,...][/chroot] [--addr 127.0.0.1:8081] [--read-only] [--admin URL]

Client (each takes --server host:port[,...][/chroot], --auth scheme:cred, --json, --timeout):
`)
	cli.Usage(w)
	fmt.Fprint(w, `
Exit status: 0 success, 1 error (a ZooKeeper error is printed by name),
2 usage or configuration error, 3 server unreachable or session lost,
130/143 serve ended at once by a second SIGINT/SIGTERM.
`)
}
