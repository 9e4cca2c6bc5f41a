package engine

import (
	"crypto/sha1"
	"encoding/base64"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/zkembed/zkembed/api"
)

// aclList is an interned, immutable ACL list. Znodes with equal ACLs share one
// aclList, as ZooKeeper's ReferenceCountedACLCache shares them; it is stored
// once on disk under its id.
type aclList struct {
	id   int64
	acl  []api.ACL
	refs int // znodes using it; owned by the sequencer
}

// aclCache interns ACL lists. Owned by the sequencer (and Open).
type aclCache struct {
	byKey  map[string]*aclList
	byID   map[int64]*aclList
	nextID int64
}

func newACLCache() *aclCache {
	return &aclCache{byKey: map[string]*aclList{}, byID: map[int64]*aclList{}, nextID: 1}
}

func aclKey(acl []api.ACL) string {
	var b strings.Builder
	for _, a := range acl {
		b.WriteString(strconv.Itoa(int(a.Perms)))
		b.WriteByte(0)
		b.WriteString(a.Scheme)
		b.WriteByte(0)
		b.WriteString(a.ID)
		b.WriteByte(0)
	}
	return b.String()
}

// intern returns the shared list equal to acl, creating it if needed; fresh
// reports whether it was created (and so must be stored).
func (c *aclCache) intern(acl []api.ACL) (l *aclList, fresh bool) {
	k := aclKey(acl)
	if l := c.byKey[k]; l != nil {
		return l, false
	}
	l = &aclList{id: c.nextID, acl: slices.Clone(acl)}
	c.nextID++
	c.byKey[k] = l
	c.byID[l.id] = l
	return l, true
}

// add registers a list loaded from disk.
func (c *aclCache) add(id int64, acl []api.ACL) *aclList {
	l := &aclList{id: id, acl: acl}
	c.byKey[aclKey(acl)] = l
	c.byID[id] = l
	if id >= c.nextID {
		c.nextID = id + 1
	}
	return l
}

// remove forgets an unused list.
func (c *aclCache) remove(l *aclList) {
	delete(c.byKey, aclKey(l.acl))
	delete(c.byID, l.id)
}

// fixupACL validates and expands an ACL as ZooKeeper's
// PrepRequestProcessor.fixupACL does: duplicates removed, an empty list
// refused, world only with "anyone", "auth" expanded to the session's
// authenticated identities (digest; ip identities do not count, as
// IPAuthenticationProvider.isAuthenticated is false), digest ids of the form
// user:hash, ip ids as an address with an optional /bits.
func fixupACL(acl []api.ACL, auth []api.Id) ([]api.ACL, error) {
	var uniq []api.ACL
	for _, a := range acl {
		if !slices.Contains(uniq, a) {
			uniq = append(uniq, a)
		}
	}
	if len(uniq) == 0 {
		return nil, api.ErrInvalidACL
	}
	out := make([]api.ACL, 0, len(uniq))
	for _, a := range uniq {
		switch {
		case a.Scheme == "world" && a.ID == "anyone":
			out = append(out, a)
		case a.Scheme == "auth":
			valid := false
			for _, id := range auth {
				if isAuthenticatedScheme(id.Scheme) {
					valid = true
					out = append(out, api.ACL{Perms: a.Perms, Scheme: id.Scheme, ID: id.ID})
				}
			}
			if !valid {
				return nil, api.ErrInvalidACL
			}
		case a.Scheme == "digest" && validDigestID(a.ID):
			out = append(out, a)
		case a.Scheme == "ip" && validIPExpr(a.ID):
			out = append(out, a)
		case validSecureID(a.Scheme, a.ID):
			out = append(out, a)
		default:
			return nil, api.ErrInvalidACL
		}
	}
	return out, nil
}

// validDigestID copies DigestAuthenticationProvider.isValid: Java's
// id.split(":") yields exactly two parts (trailing empty parts dropped).
func validDigestID(id string) bool {
	parts := strings.Split(id, ":")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return len(parts) == 2
}

// parseIPExpr parses "addr" or "addr/bits" as IPAuthenticationProvider does.
func parseIPExpr(expr string) (netip.Prefix, bool) {
	addrPart, bitsPart, hasBits := strings.Cut(expr, "/")
	addr, err := netip.ParseAddr(addrPart)
	if err != nil || addr.Zone() != "" {
		return netip.Prefix{}, false
	}
	bits := addr.BitLen()
	if hasBits {
		n, err := strconv.Atoi(bitsPart)
		if err != nil || n < 0 || n > addr.BitLen() {
			return netip.Prefix{}, false
		}
		bits = n
	}
	p, err := addr.Prefix(bits)
	return p, err == nil
}

func validIPExpr(expr string) bool {
	_, ok := parseIPExpr(expr)
	return ok
}

// checkACL copies ZooKeeperServer.checkACL: an empty ACL allows all, a super
// identity allows all, otherwise some entry with one of perm's bits must match
// one of the session's identities.
func checkACL(acl []api.ACL, perm api.Perm, auth []api.Id) error {
	if len(acl) == 0 {
		return nil
	}
	for _, id := range auth {
		if id.Scheme == "super" {
			return nil
		}
	}
	for _, a := range acl {
		if a.Perms&perm == 0 {
			continue
		}
		if a.Scheme == "world" && a.ID == "anyone" {
			return nil
		}
		for _, id := range auth {
			if id.Scheme != a.Scheme {
				continue
			}
			switch a.Scheme {
			case "digest":
				if id.ID == a.ID {
					return nil
				}
			case "ip":
				if ipMatches(id.ID, a.ID) {
					return nil
				}
			case "x509", "sasl":
				if secureIDMatches(a.Scheme, id.ID, a.ID) {
					return nil
				}
			}
		}
	}
	return api.ErrNoAuth
}

func ipMatches(client, expr string) bool {
	p, ok := parseIPExpr(expr)
	if !ok {
		return false
	}
	addr, err := netip.ParseAddr(client)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	if addr.BitLen() != p.Addr().BitLen() {
		return false
	}
	return p.Contains(addr)
}

// authenticate handles an addAuth packet as ZooKeeper's providers do: digest
// accepts any credential and adds digest:user:hash (and super: when it matches
// the configured super digest); ip adds the client's address; any other
// scheme fails with AuthFailed.
func authenticate(scheme string, cred []byte, remoteIP, superDigest string) ([]api.Id, error) {
	switch scheme {
	case "digest":
		if cred == nil {
			// A null credential: DigestAuthenticationProvider fails on it.
			return nil, api.ErrAuthFailed
		}
		d := digestOf(string(cred))
		var ids []api.Id
		if superDigest != "" && d == superDigest {
			ids = append(ids, api.Id{Scheme: "super", ID: ""})
		}
		return append(ids, api.Id{Scheme: "digest", ID: d}), nil
	case "ip":
		if remoteIP == "" {
			return nil, api.ErrAuthFailed
		}
		return []api.Id{{Scheme: "ip", ID: remoteIP}}, nil
	}
	return nil, api.ErrAuthFailed
}

// digestOf copies DigestAuthenticationProvider.generateDigest: the user part
// (before the first colon, or all of it) and base64(sha1(whole credential)).
func digestOf(cred string) string {
	user, _, _ := strings.Cut(cred, ":")
	sum := sha1.Sum([]byte(cred))
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}
