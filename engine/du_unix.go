//go:build unix

package engine

import (
	"os"
	"syscall"
)

// diskUsage returns the bytes a file occupies on disk: Badger preallocates
// its value log, whose apparent size is far larger than what it holds.
func diskUsage(fi os.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Blocks * 512
	}
	return fi.Size()
}

// freeBytes returns the bytes available to us on dir's filesystem, or -1 if
// that cannot be told.
func freeBytes(dir string) int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return -1
	}
	return int64(st.Bavail) * int64(st.Bsize)
}
