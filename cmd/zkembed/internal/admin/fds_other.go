//go:build !unix

package admin

// fileDescriptors returns zeros: the system does not tell.
func fileDescriptors() (open, limit int64) { return 0, 0 }
