package gozk

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/zkembed/zkembed/api/apitest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestApacheZooKeeper38 runs the conformance suite against Apache ZooKeeper
// 3.8 (Debian's package) through go-zookeeper. It skips when Java ZooKeeper
// is not installed.
func TestApacheZooKeeper38(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a JVM; skipped in -short mode")
	}
	apitest.Run(t, apacheTarget(t))
}
