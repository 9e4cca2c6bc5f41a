package transport_test

import (
	"context"
	"fmt"
	"log"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/transport"
)

// ExampleDial opens a session over the wire (here to an in-process zkembed
// server through an in-memory listener; a connect string such as
// "zk1:2181,zk2:2181/app" reaches a real ensemble), creates a znode and
// watches it.
func ExampleDial() {
	eng, err := engine.Open(engine.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()
	srv := transport.NewServer(eng, transport.Options{})
	l := transport.NewPipeListener()
	go srv.Serve(l)
	defer srv.Close()

	ctx := context.Background()
	c, err := transport.Dial(ctx, "pipe", transport.WithDialer(l.ClientDialer()))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	name, err := c.Create(ctx, "/greeting", []byte("hello"), api.OpenACLUnsafe, api.ModePersistent)
	if err != nil {
		log.Fatal(err)
	}
	data, _, ch, err := c.GetW(ctx, name)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s = %s\n", name, data)

	if _, err := c.Set(ctx, name, []byte("bonjour"), -1); err != nil {
		log.Fatal(err)
	}
	ev := <-ch
	fmt.Println(ev.Type, ev.Path)
	// Output:
	// /greeting = hello
	// NodeDataChanged /greeting
}
