// Package aclmatrix runs every operation against every ACL scheme and
// permission bit (world, digest, auth, ip, x509, sasl), as six kinds of
// session (no credential, the owner's digest, another user's digest, the
// super user, a client certificate, a SASL DIGEST-MD5 user; wire sessions
// all over TLS, the last two on wire targets only), and compares the outcome
// tables of zkembed over a direct session, zkembed over the wire, and
// Apache ZooKeeper 3.8 (when Java and the Debian package are installed):
// they must be identical, except where ZooKeeper 3.9 (zkembed's
// specification) changed a check since 3.8, each listed with its JIRA. It
// also checks that failed authentication behaves as ZooKeeper's, and that
// the four-letter-word whitelist is applied.
package aclmatrix
