//go:build unix

// Package fds tells how many file descriptors the process has open and may
// open, for the mntr word and the admin endpoint's metrics.
package fds

import (
	"os"
	"syscall"
)

// Count returns the process's open and maximum file descriptors
// (zk_open_file_descriptor_count, zk_max_file_descriptor_count), or zeros
// where the system does not tell.
func Count() (open, limit int64) {
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
