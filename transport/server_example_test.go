package transport_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/transport"
)

// ExampleServer embeds a ZooKeeper server in a program: an engine (in
// memory here; engine.Options{Dir: ...} keeps it on disk) served on a TCP
// port the system picks, as httptest.NewServer does. Any ZooKeeper client
// can connect to the address; Close ends every connection and waits for the
// server's goroutines.
func ExampleServer() {
	eng, err := engine.Open(engine.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := transport.NewServer(eng, transport.Options{})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()

	ctx := context.Background()
	c, err := transport.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.Create(ctx, "/ready", nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
		log.Fatal(err)
	}
	stat, err := c.Exists(ctx, "/ready")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("/ready exists:", stat != nil)
	c.Close()

	srv.Close()
	fmt.Println("Serve returned ErrServerClosed:", errors.Is(<-served, transport.ErrServerClosed))
	// Output:
	// /ready exists: true
	// Serve returned ErrServerClosed: true
}
