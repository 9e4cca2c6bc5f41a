//go:build unix

// Package proc reads what the operating system tells about processes: the
// file descriptors this one has open and may open (the mntr word, the admin
// endpoint's metrics) and a process's resident memory (benchmarks).
package proc

import (
	"os"
	"syscall"
)

// FileDescriptors returns the process's open and maximum file descriptors
// (zk_open_file_descriptor_count, zk_max_file_descriptor_count), or zeros
// where the system does not tell.
func FileDescriptors() (open, limit int64) {
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
