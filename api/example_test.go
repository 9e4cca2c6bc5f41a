package api_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/engine"
)

// Code written against api.Client runs unchanged on an in-process engine
// session (here), a wire client of zkembed or of Apache ZooKeeper.
func ExampleClient() {
	ctx := context.Background()
	e, err := engine.Open(engine.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	c, err := e.Session(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	if err := publish(ctx, c, "/config", []byte("v1")); err != nil {
		log.Fatal(err)
	}
	if err := publish(ctx, c, "/config", []byte("v2")); err != nil {
		log.Fatal(err)
	}
	data, stat, err := c.Get(ctx, "/config")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s version %d\n", data, stat.Version)
	// Output: v2 version 1
}

// publish sets path's data, creating the znode if it does not exist.
func publish(ctx context.Context, c api.Client, path string, data []byte) error {
	_, err := c.Create(ctx, path, data, api.OpenACLUnsafe, api.ModePersistent)
	if errors.Is(err, api.ErrNodeExists) {
		_, err = c.Set(ctx, path, data, -1)
	}
	return err
}

// A Code is itself an error; errors.Is matches it, through any wrapping,
// and the standard library error it stands for.
func ExampleCode() {
	err := fmt.Errorf("get /missing: %w", api.ErrNoNode)
	fmt.Println(err)
	fmt.Println(errors.Is(err, api.ErrNoNode), errors.Is(err, fs.ErrNotExist))
	fmt.Println(api.CodeOf(err) == api.ErrNoNode, int32(api.CodeOf(err)))
	// Output:
	// get /missing: zk: NoNode
	// true true
	// true -101
}

// ValidatePath checks a path as ZooKeeper's PathUtils.validatePath does,
// before anything is sent.
func ExampleValidatePath() {
	for _, p := range []string{"/app/config", "app", "/app/", "/a//b", "/a/./b"} {
		fmt.Printf("%-12s %v\n", p, api.ValidatePath(p))
	}
	// Output:
	// /app/config  <nil>
	// app          zk: BadArguments
	// /app/        zk: BadArguments
	// /a//b        zk: BadArguments
	// /a/./b       zk: BadArguments
}

// DigestACL grants permissions to a user of the digest scheme; the password
// is stored hashed, as ZooKeeper's DigestAuthenticationProvider does.
func ExampleDigestACL() {
	acl := api.DigestACL(api.PermRead|api.PermWrite, "alice", "secret")
	fmt.Println(acl[0].Scheme, acl[0].ID, acl[0].Perms == api.PermRead|api.PermWrite)
	// Output: digest alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E= true
}
