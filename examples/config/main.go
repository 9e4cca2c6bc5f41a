// Command config shows live configuration: an application watches a
// configuration znode (recipes.WatchConfig) while an operator changes it.
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
	app, err := e.Session(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer app.Close()
	operator, err := e.Session(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer operator.Close()

	seen := make(chan int32)
	done := make(chan error)
	go func() {
		done <- recipes.WatchConfig(ctx, app, "/app/config", func(data []byte, version int32) {
			fmt.Printf("app: config version %d is %q\n", version, data)
			seen <- version
		})
	}()
	<-seen // missing at first
	if _, err := operator.Create(ctx, "/app", nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
		log.Fatal(err)
	}
	if _, err := operator.Create(ctx, "/app/config", []byte("workers=2"), api.OpenACLUnsafe, api.ModePersistent); err != nil {
		log.Fatal(err)
	}
	<-seen
	for _, v := range []string{"workers=4", "workers=8"} {
		if _, err := operator.Set(ctx, "/app/config", []byte(v), -1); err != nil {
			log.Fatal(err)
		}
		<-seen
	}
	cancel()
	<-done
}
