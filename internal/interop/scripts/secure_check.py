"""Drive a ZooKeeper server with kazoo over TLS (use_ssl, a client
certificate) and SASL DIGEST-MD5 (sasl_options), and check the identities
the server gave the session through ACLs. Prints "ok NAME" or
"FAIL NAME: why" per check; exits 1 on a failure.

usage: secure_check.py host:port ca.pem client.pem client.key x509DN user password
"""
import sys

from kazoo.client import KazooClient
from kazoo.exceptions import NoAuthError
from kazoo.security import make_acl

failures = 0


def check(name, ok, why=""):
    global failures
    if ok:
        print("ok " + name)
    else:
        failures += 1
        print("FAIL %s: %s" % (name, why))


def main():
    addr, ca, cert, key, dn, user, password = sys.argv[1:8]
    zk = KazooClient(hosts=addr, use_ssl=True, ca=ca, certfile=cert, keyfile=key, verify_certs=True,
                     sasl_options={"mechanism": "DIGEST-MD5", "username": user, "password": password},
                     timeout=10.0)
    zk.start(timeout=20)
    try:
        check("connect over TLS with SASL", zk.connected)
        acl = [make_acl("sasl", user, all=True)]
        zk.create("/kazoo-sasl", b"s", acl=acl, ephemeral=True)
        data, _ = zk.get("/kazoo-sasl")
        check("read own sasl ACL", data == b"s", repr(data))
        zk.create("/kazoo-x509", b"x", acl=[make_acl("x509", dn, read=True, write=True, create=True, delete=True, admin=True)], ephemeral=True)
        data, _ = zk.get("/kazoo-x509")
        check("read own x509 ACL", data == b"x", repr(data))
        got, _ = zk.get_acls("/kazoo-x509")
        check("x509 ACL stored", got[0].id.scheme == "x509" and got[0].id.id == dn, repr(got))
        try:
            zk.set("/secure-locked", b"k")
            check("NoAuth on another's node", False, "set succeeded")
        except NoAuthError:
            check("NoAuth on another's node", True)
    finally:
        zk.stop()
        zk.close()
    sys.exit(1 if failures else 0)


main()
