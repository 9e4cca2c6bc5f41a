//go:build !unix

package engine

import "os"

// diskUsage returns the file's size.
func diskUsage(fi os.FileInfo) int64 { return fi.Size() }

// freeBytes cannot tell here: -1.
func freeBytes(string) int64 { return -1 }
