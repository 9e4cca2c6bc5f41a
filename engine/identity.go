package engine

import (
	"slices"
	"strings"

	"github.com/zkembed/zkembed/api"
	"github.com/zkembed/zkembed/internal/x500"
)

// AddIdentity adds id to the session's identities for the rest of the
// current connection (api.IdentityAdder): the transport calls it when SASL
// succeeds. A stale handle (the session has moved to another connection)
// adds nothing.
func (h *handle) AddIdentity(id api.Id) {
	if h.stale() {
		return
	}
	for {
		cur := h.s.auth.Load()
		if slices.Contains(*cur, id) {
			return
		}
		next := append(slices.Clone(*cur), id)
		if h.s.auth.CompareAndSwap(cur, &next) {
			return
		}
	}
}

var _ api.IdentityAdder = (*handle)(nil)

// isAuthenticatedScheme reports whether ids of scheme count for the "auth"
// ACL scheme: the providers whose isAuthenticated is true (digest,
// X509AuthenticationProvider, SASLAuthenticationProvider; not ip, and not
// super, which has no provider).
func isAuthenticatedScheme(scheme string) bool {
	return scheme == "digest" || scheme == "x509" || scheme == "sasl"
}

// validSecureID copies the isValid of X509AuthenticationProvider (the id
// parses as an X500Principal) and SASLAuthenticationProvider (the id parses
// as a KerberosName: "name", or "service[/host]@REALM" with no other '/' or
// '@').
func validSecureID(scheme, id string) bool {
	switch scheme {
	case "x509":
		return x500.Valid(id)
	case "sasl":
		if !strings.Contains(id, "@") {
			return true
		}
		name, realm, _ := strings.Cut(id, "@")
		svc, host, _ := strings.Cut(name, "/")
		return !strings.ContainsAny(realm, "/@") && !strings.ContainsAny(svc, "@") && !strings.ContainsAny(host, "/@")
	}
	return false
}

// secureIDMatches copies the matches of X509AuthenticationProvider (equal
// ids) and SASLAuthenticationProvider (equal ids, or the session's sasl id
// is "super": a SASL user named super matches every sasl ACL).
func secureIDMatches(scheme, id, expr string) bool {
	if scheme == "sasl" && id == "super" {
		return true
	}
	return id == expr
}
