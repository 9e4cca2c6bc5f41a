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
