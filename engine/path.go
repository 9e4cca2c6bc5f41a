package engine

import (
	"strings"

	"github.com/zkembed/zkembed/api"
)

func validatePath(path string) error { return api.ValidatePath(path) }

// parentOf returns the parent path of an absolute path other than "/".
func parentOf(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i <= 0 {
		return "/"
	}
	return path[:i]
}

// baseOf returns the last segment of an absolute path.
func baseOf(path string) string {
	return path[strings.LastIndexByte(path, '/')+1:]
}

// join returns the path of child name under parent.
func join(parent, name string) string {
	if parent == "/" {
		return "/" + name
	}
	return parent + "/" + name
}
