package gozk

import (
	"context"
	"testing"
	"time"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/api/apitest"
	"github.com/zkembed/zkembed/internal/zkserver"
)

// superUser and superPass are the super digest the test server is given.
const superUser, superPass = "super", "super-secret"

// apacheTarget starts Apache ZooKeeper 3.8 and describes it, driven through
// this adapter, as an apitest.Target.
func apacheTarget(t *testing.T) apitest.Target {
	t.Helper()
	srv := zkserver.Start(t, zkserver.Options{
		SuperDigest:            api.DigestID(superUser, superPass),
		ContainerCheckInterval: 100 * time.Millisecond,
		// A short session lets a client notice its closed session fast.
		MinSessionTimeout: 1 * time.Second,
	})
	return apitest.Target{
		Connect: func(t testing.TB) api.Client {
			t.Helper()
			c, err := Dial(context.Background(), srv.Addr(), Options{SessionTimeout: 2 * time.Second})
			if err != nil {
				t.Fatalf("gozk.Dial(%s): %v", srv.Addr(), err)
			}
			t.Cleanup(func() { c.Close() })
			return c
		},
		SuperAuth: superUser + ":" + superPass,
		ClientIP:  "127.0.0.1",
		Expire: func(t testing.TB, c api.Client) {
			t.Helper()
			if err := CloseSessionRemotely(srv.Addr(), c.(*Client), 10*time.Second); err != nil {
				t.Fatalf("expire session %v: %v", c.SessionID(), err)
			}
		},
		ReapInterval: 100 * time.Millisecond,
		Reference:    apitest.ZooKeeper38,
		Lacks:        Lacks,
	}
}
