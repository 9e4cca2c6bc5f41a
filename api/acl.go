package api

import (
	"crypto/sha1"
	"encoding/base64"
)

// The ACL lists of ZooDefs.Ids.
var (
	// OpenACLUnsafe gives everyone every permission (world:anyone, all).
	OpenACLUnsafe = []ACL{{Perms: PermAll, Scheme: "world", ID: "anyone"}}
	// CreatorAllACL gives every permission to the identities the creating
	// session has authenticated (auth:, all).
	CreatorAllACL = []ACL{{Perms: PermAll, Scheme: "auth", ID: ""}}
	// ReadACLUnsafe lets everyone read (world:anyone, read).
	ReadACLUnsafe = []ACL{{Perms: PermRead, Scheme: "world", ID: "anyone"}}
)

// WorldACL returns a one-entry list granting perms to everyone.
func WorldACL(perms Perm) []ACL { return []ACL{{Perms: perms, Scheme: "world", ID: "anyone"}} }

// DigestACL returns a one-entry list granting perms to the digest identity of
// user and password.
func DigestACL(perms Perm, user, password string) []ACL {
	return []ACL{{Perms: perms, Scheme: "digest", ID: DigestID(user, password)}}
}

// DigestID returns the digest identity ZooKeeper stores for user and
// password: user:base64(sha1(user:password)), as DigestAuthenticationProvider
// computes it.
func DigestID(user, password string) string {
	sum := sha1.Sum([]byte(user + ":" + password))
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}
