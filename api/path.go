package api

import (
	"strings"
	"unicode/utf8"
)

// ValidatePath applies ZooKeeper's PathUtils.validatePath rules: absolute,
// no trailing slash (except the root), no empty, "." or ".." segments, no NUL
// and no characters ZooKeeper refuses (controls, U+007F-U+009F, U+D800-U+F8FF,
// U+FFF0-U+FFFF, and anything outside the Basic Multilingual Plane, which Java
// sees as surrogates). Invalid UTF-8 is refused too: Java would decode it to
// U+FFFD, which is in a refused range.
func ValidatePath(path string) error {
	if path == "" || path[0] != '/' {
		return ErrBadArguments
	}
	if len(path) == 1 {
		return nil
	}
	if path[len(path)-1] == '/' {
		return ErrBadArguments
	}
	last := '/'
	for i, c := range path[1:] {
		i++ // index in path
		switch {
		case c == utf8.RuneError && !strings.HasPrefix(path[i:], "\uFFFD"):
			return ErrBadArguments
		case c == 0:
			return ErrBadArguments
		case c == '/' && last == '/':
			return ErrBadArguments
		case c == '.':
			segStart := i == 1 || path[i-1] == '/'
			dotdot := last == '.' && i >= 2 && (i == 2 || path[i-2] == '/')
			end := i+1 == len(path) || path[i+1] == '/'
			if end && (segStart || dotdot) {
				return ErrBadArguments
			}
		case c > 0 && c <= 0x1f, c >= 0x7f && c <= 0x9f, c >= 0xd800 && c <= 0xf8ff, c >= 0xfff0:
			return ErrBadArguments
		}
		last = c
	}
	return nil
}

// ValidateCreatePath validates the path given to a create: a sequential
// create may end in "/" (the suffix follows), as PathUtils.validatePath(path,
// isSequential) allows.
func ValidateCreatePath(path string, sequential bool) error {
	if sequential {
		return ValidatePath(path + "1")
	}
	return ValidatePath(path)
}

// OpPath returns the path an operation acts on.
func OpPath(r Request) string {
	switch r := r.(type) {
	case *CreateRequest:
		return r.Path
	case *DeleteRequest:
		return r.Path
	case *SetDataRequest:
		return r.Path
	case *CheckRequest:
		return r.Path
	case *SetACLRequest:
		return r.Path
	case *GetDataRequest:
		return r.Path
	case *GetChildrenRequest:
		return r.Path
	case *ExistsRequest:
		return r.Path
	case *GetACLRequest:
		return r.Path
	case *SyncRequest:
		return r.Path
	}
	return ""
}

// ValidateOps validates every op's path as the Java client does before it
// sends a multi (Op.validate).
func ValidateOps(ops []Op) error {
	for _, op := range ops {
		var err error
		if c, ok := op.(*CreateRequest); ok {
			err = ValidateCreatePath(c.Path, c.Mode.IsSequential())
		} else {
			err = ValidatePath(OpPath(op))
		}
		if err != nil {
			return err
		}
	}
	return nil
}
