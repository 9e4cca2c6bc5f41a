package diskusage

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestAllocated(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "full")
	if err := os.WriteFile(full, make([]byte, 1<<16), 0o600); err != nil {
		t.Fatal(err)
	}
	sparse := filepath.Join(dir, "sparse")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()

	fi, err := os.Stat(full)
	if err != nil {
		t.Fatal(err)
	}
	if got := Allocated(fi); got < 1<<16 {
		t.Errorf("Allocated(64 KiB of written zeros) = %d, want at least 65536", got)
	}
	si, err := os.Stat(sparse)
	if err != nil {
		t.Fatal(err)
	}
	got := Allocated(si)
	if runtime.GOOS == "linux" && got >= si.Size() {
		t.Errorf("Allocated(64 MiB sparse file) = %d, want less than its size", got)
	}
	if got < 0 || got > si.Size() {
		t.Errorf("Allocated(64 MiB sparse file) = %d, want between 0 and its size", got)
	}
}

func TestFree(t *testing.T) {
	free := Free(t.TempDir())
	if runtime.GOOS == "linux" && free <= 0 {
		t.Errorf("Free(temp dir) = %d, want the positive bytes left", free)
	}
	if free < -1 {
		t.Errorf("Free(temp dir) = %d, want -1 or the bytes left", free)
	}
	if got := Free(filepath.Join(t.TempDir(), "missing")); got != -1 {
		t.Errorf("Free(missing dir) = %d, want -1", got)
	}
}
