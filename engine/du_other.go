//go:build !unix

package engine

import "os"

// diskUsage returns the file's size.
func diskUsage(fi os.FileInfo) int64 { return fi.Size() }
