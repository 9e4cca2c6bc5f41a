//go:build linux

package powerfs

import (
	"os"
	"path/filepath"
	"testing"
)

// MountT mounts a powerfs for a test, in a temporary directory, and
// unmounts it at cleanup. Where FUSE mounts are impossible it skips the
// test with the reason, except under CI=true, where it fails it: CI must
// run the power-loss tests.
func MountT(t testing.TB) *FS {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("power-loss tests need a FUSE mount (root and /dev/fuse), and CI=true: %v", err)
		}
		t.Skipf("skipping: power-loss tests need a FUSE mount (root and /dev/fuse): %v", err)
	}
	base := t.TempDir()
	p, err := Mount(filepath.Join(base, "mnt"), filepath.Join(base, "backing"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Unmount(); err != nil {
			t.Errorf("unmount: %v", err)
		}
	})
	return p
}
