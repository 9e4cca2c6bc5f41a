//go:build unix

package admin

import (
	"os"
	"syscall"
)

// fileDescriptors returns the process's open and maximum file descriptors,
// or zeros where the system does not tell.
func fileDescriptors() (open, limit int64) {
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		open = int64(len(ents))
	} else if ents, err := os.ReadDir("/dev/fd"); err == nil {
		open = int64(len(ents))
	}
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil {
		limit = int64(rl.Cur)
	}
	return open, limit
}
