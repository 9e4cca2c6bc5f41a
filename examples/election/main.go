// Command election runs three candidates for leadership, each with its own
// session on an embedded engine; when the leader's session ends, the next
// candidate takes over (recipes.Election).
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
	ctx := context.Background()
	sessions := map[string]api.Client{}
	won := make(chan string)
	for _, id := range []string{"alpha", "beta", "gamma"} {
		c, err := e.Session(ctx)
		if err != nil {
			log.Fatal(err)
		}
		sessions[id] = c
		go func() {
			if err := recipes.NewElection(c, "/service/leader", id).Campaign(ctx); err != nil {
				return // session closed while waiting
			}
			won <- id
		}()
	}
	for range sessions {
		leader := <-won
		fmt.Println("leader:", leader)
		// The leader crashes: its session ends and the next in line wins.
		sessions[leader].Close()
	}
}
