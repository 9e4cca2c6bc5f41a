// Command discovery shows service discovery with ephemeral znodes: service
// instances register (recipes.Register), a client watches the live set
// (recipes.WatchService), and an instance that dies disappears from it.
package main

import (
	"context"
	"fmt"
	"log"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/examples/recipes"
)

func main() {
	e, err := engine.Open(engine.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	ctx, cancel := context.WithCancel(context.Background())
	client, err := e.Session(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	views := make(chan []string)
	done := make(chan error)
	go func() {
		done <- recipes.WatchService(ctx, client, "payments", func(addrs []string) { views <- addrs })
	}()
	fmt.Println("instances:", <-views)
	var instances []api.Client
	for _, addr := range []string{"10.0.0.1:9000", "10.0.0.2:9000"} {
		c, err := e.Session(ctx)
		if err != nil {
			log.Fatal(err)
		}
		instances = append(instances, c)
		if _, err := recipes.Register(ctx, c, "payments", addr); err != nil {
			log.Fatal(err)
		}
		fmt.Println("instances:", <-views)
	}
	instances[0].Close() // the first instance dies; its registration goes with its session
	fmt.Println("instances:", <-views)
	instances[1].Close()
	fmt.Println("instances:", <-views)
	cancel()
	<-done
}
