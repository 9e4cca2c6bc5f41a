package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// start runs the command with args and returns the address it printed and
// a function that stops it and returns run's error.
func start(t *testing.T, args ...string) (addr string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, args, pw, io.Discard)
		pw.CloseWithError(err)
		done <- err
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no connect string: %v (run: %v)", err, <-done)
	}
	go io.Copy(io.Discard, pr)
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("zkembed did not stop within 30s")
			return nil
		}
	}
	t.Cleanup(func() { stop() })
	return strings.TrimSpace(line), stop
}

type quiet struct{}

func (quiet) Printf(string, ...any) {}

func connect(t *testing.T, addr string) *zk.Conn {
	t.Helper()
	c, ev, err := zk.Connect([]string{addr}, 4*time.Second, zk.WithLogger(quiet{}))
	if err != nil {
		t.Fatal(err)
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e := <-ev:
			if e.State == zk.StateHasSession {
				return c
			}
		case <-timeout:
			c.Close()
			t.Fatal("no session within 10s")
		}
	}
}

func TestRunInMemory(t *testing.T) {
	addr, stop := start(t, "--memory", "--addr", "127.0.0.1:0", "--tick-time", "100")
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Fatalf("connect string %q", addr)
	}
	c := connect(t, addr)
	if _, err := c.Create("/x", []byte("1"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if got := c.SessionID(); got == 0 {
		t.Fatal("no session id")
	}
	c.Close()
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
}

func TestRunDurable(t *testing.T) {
	dir := t.TempDir()
	addr, stop := start(t, "--data", dir, "--addr", "127.0.0.1:0")
	c := connect(t, addr)
	if _, err := c.Create("/kept", []byte("v"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}

	addr, stop = start(t, "--data", dir, "--addr", "127.0.0.1:0")
	c = connect(t, addr)
	defer c.Close()
	if d, _, err := c.Get("/kept"); err != nil || string(d) != "v" {
		t.Fatalf("after restart: %q, %v", d, err)
	}
	c.Close()
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
}

func TestRunBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--tick-time", "0"}, {"--nope"}, {"extra"}, {"--container-check-interval", "0s"}} {
		err := run(context.Background(), args, io.Discard, io.Discard)
		if err == nil {
			t.Errorf("run(%q) = nil, want an error", args)
		}
	}
	if err := run(context.Background(), []string{"-h"}, io.Discard, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("run(-h) = %v, want flag.ErrHelp", err)
	}
}
