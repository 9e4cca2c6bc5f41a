//go:build unix

// Package diskusage tells what files take on disk and what a filesystem has
// left, where the operating system says: the engine's data-directory size
// and free-space check, and zkbench's footprint table.
package diskusage

import (
	"os"
	"syscall"
)

// Allocated returns the bytes a file occupies on disk, as du counts them:
// Badger preallocates its logs sparsely, so their apparent size is far
// larger than what they hold. Where the system does not tell, the file's
// size.
func Allocated(fi os.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int64(st.Blocks) * 512
	}
	return fi.Size()
}

// Free returns the bytes available to this process on dir's filesystem, or
// -1 if that cannot be told.
func Free(dir string) int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return -1
	}
	return int64(st.Bavail) * int64(st.Bsize)
}
