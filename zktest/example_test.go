package zktest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/zktest"
)

// In a test, zktest.New(t) is all it takes; Start is the same server for
// code that has no *testing.T, like this example.
func Example() {
	s, err := zktest.Start()
	if err != nil {
		panic(err)
	}
	defer s.Close()

	// A direct session: no sockets, no serialization.
	c := s.Client(nil)
	defer c.Close()
	ctx := context.Background()
	if _, err := c.Create(ctx, "/greeting", []byte("hello"), api.OpenACLUnsafe, api.ModePersistent); err != nil {
		panic(err)
	}

	// Any ZooKeeper client, here go-zookeeper, over TCP (s.Addr()) or in
	// memory (s.Dialer()).
	conn, _, err := zk.Connect([]string{s.Addr()}, 10*time.Second, zk.WithDialer(s.Dialer()), zk.WithLogger(nopLogger{}))
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	data, _, err := conn.Get("/greeting")
	fmt.Println(string(data), err)
	// Output: hello <nil>
}

// Virtual time stands still until the test moves it. A partitioned client's
// 30-second session expires the moment Advance passes 30 seconds.
func ExampleServer_Advance() {
	s, _ := zktest.Start()
	defer s.Close()
	expired := make(chan struct{})
	conn, events, _ := zk.Connect([]string{s.Addr()}, 30*time.Second, zk.WithDialer(s.Dialer()), zk.WithLogger(nopLogger{}))
	defer conn.Close()
	go func() {
		for ev := range events {
			if ev.State == zk.StateExpired {
				close(expired)
				return
			}
		}
	}()
	if _, err := conn.Create("/worker", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		panic(err)
	}

	s.Advance(time.Hour) // a connected client keeps its session: it would have pinged
	fmt.Println("after an hour, connected:", s.Exists("/worker"))

	s.Pause() // a partition: the client can no longer reach the server
	s.Advance(29 * time.Second)
	fmt.Println("29s into the partition:", s.Exists("/worker"))
	s.Advance(2 * time.Second)
	fmt.Println("31s into the partition:", s.Exists("/worker"))

	s.Resume()
	<-expired
	fmt.Println("the client is told its session expired")
	// Output:
	// after an hour, connected: true
	// 29s into the partition: true
	// 31s into the partition: false
	// the client is told its session expired
}

// Faults make the next requests matching an operation and a path fail, lose
// their connection, or wait.
func ExampleServer_Inject() {
	s, _ := zktest.Start(zktest.WithoutTCP(), zktest.WithTree(map[string]string{"/locks": ""}))
	defer s.Close()
	c := s.Client(nil)
	defer c.Close()
	ctx := context.Background()

	// The create is applied, but the client loses its connection before
	// the reply: did it happen? (It did.)
	s.Inject(zktest.Fault{Op: zktest.OpCreate, Path: "/locks/*", Times: 1, Drop: true, AfterApply: true})
	_, err := c.Create(ctx, "/locks/a", nil, api.OpenACLUnsafe, api.ModePersistent)
	fmt.Println(errors.Is(err, api.ErrConnectionLoss), s.Exists("/locks/a"))

	s.Fail(zktest.OpDelete, "/locks/**", api.ErrNoAuth)
	fmt.Println(c.Delete(ctx, "/locks/a", -1))
	fmt.Println(c.Delete(ctx, "/locks/a", -1))
	// Output:
	// true true
	// zk: NoAuth
	// <nil>
}
