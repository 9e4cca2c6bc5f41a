package engine

import (
	"strings"
	"unicode/utf8"

	"github.com/zkembed/zkembed/api"
)

// validatePath applies ZooKeeper's PathUtils.validatePath rules: absolute,
// no trailing slash (except the root), no empty, "." or ".." segments, no NUL
// and no characters ZooKeeper refuses (controls, U+007F-U+009F, U+D800-U+F8FF,
// U+FFF0-U+FFFF, and anything outside the Basic Multilingual Plane, which Java
// sees as surrogates). Invalid UTF-8 is refused too: Java would decode it to
// U+FFFD, which is in a refused range.
func validatePath(path string) error {
	if path == "" || path[0] != '/' {
		return api.ErrBadArguments
	}
	if len(path) == 1 {
		return nil
	}
	if path[len(path)-1] == '/' {
		return api.ErrBadArguments
	}
	last := '/'
	for i, c := range path[1:] {
		i++ // index in path
		switch {
		case c == utf8.RuneError && !strings.HasPrefix(path[i:], "\uFFFD"):
			return api.ErrBadArguments
		case c == 0:
			return api.ErrBadArguments
		case c == '/' && last == '/':
			return api.ErrBadArguments
		case c == '.':
			segStart := i == 1 || path[i-1] == '/'
			dotdot := last == '.' && i >= 2 && (i == 2 || path[i-2] == '/')
			end := i+1 == len(path) || path[i+1] == '/'
			if end && (segStart || dotdot) {
				return api.ErrBadArguments
			}
		case c > 0 && c <= 0x1f, c >= 0x7f && c <= 0x9f, c >= 0xd800 && c <= 0xf8ff, c >= 0xfff0:
			return api.ErrBadArguments
		}
		last = c
	}
	return nil
}

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
