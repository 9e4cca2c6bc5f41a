package proc

import (
	"os"
	"runtime"
	"testing"
)

func TestRSSOfThisProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("VmRSS comes from Linux's /proc")
	}
	n, err := RSS(os.Getpid())
	if err != nil || n < 1<<20 || n > 1<<40 {
		t.Fatalf("RSS of this process: %d bytes, %v", n, err)
	}
	if _, err := RSS(-1); err == nil {
		t.Fatal("RSS of pid -1: no error")
	}
}

func TestFileDescriptors(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counted from Linux's /proc/self/fd")
	}
	open, limit := FileDescriptors()
	f, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	more, _ := FileDescriptors()
	if open < 3 || limit < open || more != open+1 {
		t.Fatalf("open %d (then %d after opening a file), limit %d", open, more, limit)
	}
}
