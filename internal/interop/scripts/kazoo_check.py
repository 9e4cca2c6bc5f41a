#!/usr/bin/python3
"""kazoo_check.py drives a ZooKeeper server with kazoo (Debian's python3-kazoo)
and exits non-zero, naming every failed check, on any wrong answer.

Usage: /usr/bin/python3 kazoo_check.py [connect-string] [--spec 3.8|3.9]

The connect string defaults to $ZK_CONNECT; the spec (which ZooKeeper version's
answers to expect where 3.8 and 3.9 differ) to $ZK_SPEC, else 3.9. The checks
are grouped; every group runs under its own root znode, and every group runs
even if an earlier one failed.

kazoo 2.8 has no API for containers, TTL nodes, addWatch or a standalone
check; those are sent as raw requests through kazoo's own connection (its
request classes, framing and reply matching), and the notifications they cause
are read by hooking kazoo's notification reader.
"""

import os
import queue
import random
import string
import sys
import threading
import time
import traceback
from collections import namedtuple

from kazoo.client import KazooClient
from kazoo.exceptions import (AuthFailedError, BadVersionError, NoAuthError,
                              NoChildrenForEphemeralsError, NodeExistsError,
                              NoNodeError, NotEmptyError, RolledBackError,
                              UnimplementedError, BadArgumentsError,
                              InvalidACLError, RuntimeInconsistency,
                              ZookeeperError)
from kazoo.protocol import connection as kconn
from kazoo.protocol.serialization import (CheckVersion, Create2, int_struct,
                                          write_string, Watch)
from kazoo.protocol.states import EventType, KazooState
from kazoo.security import (OPEN_ACL_UNSAFE, ACL, Id, Permissions,
                            make_digest_acl, make_digest_acl_credential)

WAIT = 10.0          # bound on every wait for an event, in seconds
REAP_WAIT = 30.0     # bound on waiting for container / TTL reaping

# ---------------------------------------------------------------- arguments

args = [a for a in sys.argv[1:]]
SPEC = os.environ.get("ZK_SPEC", "3.9")
if "--spec" in args:
    i = args.index("--spec")
    SPEC = args[i + 1]
    del args[i:i + 2]
CONNECT = args[0] if args else os.environ.get("ZK_CONNECT", "")
if not CONNECT:
    sys.exit("usage: kazoo_check.py host:port [--spec 3.8|3.9] (or set ZK_CONNECT)")
if SPEC not in ("3.8", "3.9"):
    sys.exit("--spec must be 3.8 or 3.9, got %r" % SPEC)
ZK39 = SPEC == "3.9"

RUN = "kz" + "".join(random.choice(string.ascii_lowercase) for _ in range(8))
ROOT = "/" + RUN

# ---------------------------------------------------------------- checking

failures = []


class CheckFailed(Exception):
    pass


def check(name, cond, detail=""):
    """check records a failure named name unless cond holds."""
    if not cond:
        msg = "FAIL %s" % name
        if detail:
            msg += ": " + str(detail)
        print(msg, flush=True)
        failures.append(name)
        raise CheckFailed(name)


def eq(name, got, want):
    check(name, got == want, "got %r, want %r" % (got, want))


def raises(name, exc, fn, *a, **kw):
    """raises checks that fn(*a, **kw) raises exc."""
    try:
        r = fn(*a, **kw)
    except exc:
        return
    except Exception as e:  # a different error is a wrong answer too
        check(name, False, "got %s(%s), want %s" % (type(e).__name__, e, exc.__name__))
    check(name, False, "got result %r, want %s" % (r, exc.__name__))


def get_q(name, q, timeout=WAIT):
    """get_q waits (bounded) for the next item on q."""
    try:
        return q.get(timeout=timeout)
    except queue.Empty:
        check(name, False, "nothing arrived within %.0fs" % timeout)


def no_more(name, q):
    """no_more checks that nothing is queued on q (after a round trip that
    would have delivered it, since replies and events arrive in order)."""
    check(name, q.empty(), "unexpected %r" % (None if q.empty() else q.queue[0]))


def wait_until(name, cond, timeout=REAP_WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    check(name, False, "condition not reached within %.0fs" % timeout)


# ---------------------------------------------------------------- raw requests

RawNotification = namedtuple("RawNotification", "type state path zxid")
notifications = queue.Queue()
_orig_read_socket = kconn.ConnectionHandler._read_socket


def _hooked_read_socket(self, read_timeout):
    # Peek at notifications (xid -1) before kazoo dispatches them, to see
    # the header zxid and events kazoo 2.8 has no watcher for (persistent
    # watches). Everything is then handled by kazoo as usual.
    orig_read_header = self._read_header

    def read_header(timeout):
        header, buf, off = orig_read_header(timeout)
        if header.xid == kconn.WATCH_XID:
            w, _ = Watch.deserialize(buf, off)
            notifications.put((self.client, RawNotification(w.type, w.state, w.path, header.zxid)))
        return header, buf, off

    self._read_header = read_header
    try:
        return _orig_read_socket(self, read_timeout)
    finally:
        del self._read_header


kconn.ConnectionHandler._read_socket = _hooked_read_socket


class CreateContainer(Create2):
    """createContainer (opcode 19): a Create2Request, a Create2Response."""
    type = 19


class CreateTTL(namedtuple("CreateTTL", "path data acl flags ttl")):
    """createTTL (opcode 21): CreateTTLRequest, a Create2Response."""
    type = 21

    def serialize(self):
        b = Create2(self.path, self.data, self.acl, self.flags).serialize()
        b.extend(int_struct.pack(self.ttl >> 32) + int_struct.pack(self.ttl & 0xffffffff))
        return b

    deserialize = Create2.deserialize


class AddWatch(namedtuple("AddWatch", "path mode")):
    """addWatch (opcode 106): AddWatchRequest, an empty response."""
    type = 106

    def serialize(self):
        b = bytearray()
        b.extend(write_string(self.path))
        b.extend(int_struct.pack(self.mode))
        return b

    @classmethod
    def deserialize(cls, bytes, offset):
        return True


def raw(zk, request):
    """raw sends request through kazoo's connection and waits for its reply."""
    r = zk.handler.async_result()
    zk._call(request, r)
    return r.get(timeout=WAIT)


def raw_events(name, zk, n):
    """raw_events returns the next n notifications received by zk."""
    out = []
    while len(out) < n:
        c, ev = get_q(name, notifications)
        if c is zk:
            out.append(ev)
    return out


def drain_notifications():
    while not notifications.empty():
        notifications.get_nowait()


# ---------------------------------------------------------------- clients

clients = []


def new_client(**kw):
    zk = KazooClient(hosts=CONNECT, timeout=10.0, **kw)
    zk.start(timeout=15)
    clients.append(zk)
    return zk


def close(zk):
    zk.stop()
    zk.close()


# ---------------------------------------------------------------- checks

def check_crud(zk, root):
    p = root + "/a"
    eq("crud/create returns path", zk.create(p, b"one"), p)
    data, st = zk.get(p)
    eq("crud/get data", data, b"one")
    eq("crud/get version", st.version, 0)
    eq("crud/get dataLength", st.dataLength, 3)
    st2 = zk.set(p, b"two", version=0)
    eq("crud/set version bump", st2.version, 1)
    raises("crud/set stale version -> BadVersion", BadVersionError, zk.set, p, b"x", version=0)
    eq("crud/get after set", zk.get(p)[0], b"two")
    raises("crud/create existing -> NodeExists", NodeExistsError, zk.create, p, b"")
    raises("crud/create missing parent -> NoNode", NoNodeError, zk.create, root + "/nope/x", b"")
    raises("crud/get missing -> NoNode", NoNodeError, zk.get, root + "/nope")
    raises("crud/set missing -> NoNode", NoNodeError, zk.set, root + "/nope", b"")
    eq("crud/exists missing -> None", zk.exists(root + "/nope"), None)
    zk.create(p + "/child", b"")
    raises("crud/delete non-empty -> NotEmpty", NotEmptyError, zk.delete, p)
    zk.delete(p + "/child")
    raises("crud/delete stale version -> BadVersion", BadVersionError, zk.delete, p, version=0)
    zk.delete(p, version=1)
    eq("crud/exists after delete", zk.exists(p), None)
    raises("crud/delete missing -> NoNode", NoNodeError, zk.delete, p)
    # empty data and makepath
    zk.create(root + "/m/n/o", b"", makepath=True)
    eq("crud/makepath created leaf", zk.get(root + "/m/n/o")[0], b"")
    # large data (512 KiB) round trip
    big = bytes(random.getrandbits(8) for _ in range(1024)) * 512
    zk.create(root + "/big", big)
    got, st = zk.get(root + "/big")
    check("crud/large data round trip", got == big, "len %d" % len(got))
    eq("crud/large dataLength", st.dataLength, len(big))
    # bad paths, sent raw (kazoo would normalise some). ZooKeeper's order
    # (PrepRequestProcessor.pRequest2TxnCreate): no slash or a NUL ->
    # BadArguments; then the parent (everything before the last slash) must
    # exist -> NoNode; then the whole path is validated -> BadArguments.
    bp = root + "/bp"
    zk.create(bp, b"")
    for bad, exc in (("a", BadArgumentsError), (bp + "/x\x00y", BadArgumentsError),
                     (bp + "/", BadArgumentsError), (bp + "/.", BadArgumentsError),
                     (bp + "/..", BadArgumentsError), (bp + "//x", NoNodeError),
                     (bp + "/./x", NoNodeError), (root + "/nope/", NoNodeError)):
        raises("crud/bad path %r -> %s" % (bad, exc.__name__), exc,
               raw, zk, Create2(bad, b"", OPEN_ACL_UNSAFE, 0))
    # sync
    eq("crud/sync returns path", zk.sync(root), root)


def check_stat(zk, root):
    p = root + "/s"
    path, st = zk.create(p, b"abc", include_data=True)
    eq("stat/create2 path", path, p)
    eq("stat/create2 stat equals get stat", zk.get(p)[1], st)
    check("stat/new: czxid == mzxid == pzxid", st.czxid == st.mzxid == st.pzxid, st)
    check("stat/new: ctime == mtime", st.ctime == st.mtime, st)
    eq("stat/new: version", st.version, 0)
    eq("stat/new: cversion", st.cversion, 0)
    eq("stat/new: aversion", st.aversion, 0)
    eq("stat/new: ephemeralOwner", st.ephemeralOwner, 0)
    eq("stat/new: dataLength", st.dataLength, 3)
    eq("stat/new: numChildren", st.numChildren, 0)
    check("stat/new: ctime is wall-clock ms", abs(st.ctime / 1000.0 - time.time()) < 3600, st.ctime)

    s2 = zk.set(p, b"abcdef")
    check("stat/set: mzxid > czxid", s2.mzxid > s2.czxid, s2)
    eq("stat/set: czxid unchanged", s2.czxid, st.czxid)
    eq("stat/set: pzxid unchanged", s2.pzxid, st.pzxid)
    check("stat/set: mtime >= ctime", s2.mtime >= s2.ctime, s2)
    eq("stat/set: version", s2.version, 1)
    eq("stat/set: dataLength", s2.dataLength, 6)

    _, cst = zk.create(p + "/c", b"", include_data=True)
    ps = zk.exists(p)
    eq("stat/child create: parent pzxid == child czxid", ps.pzxid, cst.czxid)
    eq("stat/child create: parent cversion", ps.cversion, 1)
    eq("stat/child create: parent numChildren", ps.numChildren, 1)
    eq("stat/child create: parent mzxid unchanged", ps.mzxid, s2.mzxid)
    eq("stat/child create: parent version unchanged", ps.version, 1)
    zk.delete(p + "/c")
    ps2 = zk.exists(p)
    eq("stat/child delete: parent cversion", ps2.cversion, 2)
    check("stat/child delete: parent pzxid advanced", ps2.pzxid > ps.pzxid, (ps, ps2))
    eq("stat/child delete: numChildren", ps2.numChildren, 0)
    a = zk.set_acls(p, OPEN_ACL_UNSAFE, version=0)
    eq("stat/setACL: aversion", a.aversion, 1)
    eq("stat/setACL: version unchanged", a.version, 1)
    raises("stat/setACL stale aversion -> BadVersion", BadVersionError, zk.set_acls, p, OPEN_ACL_UNSAFE, version=0)
    # zxids increase with every write, across znodes
    _, o1 = zk.create(p + "1", b"", include_data=True)
    _, o2 = zk.create(p + "2", b"", include_data=True)
    check("stat/zxids increase", o2.czxid > o1.czxid > s2.mzxid, (o1.czxid, o2.czxid))


def check_modes(zk, root):
    other = new_client()
    try:
        e = root + "/eph"
        _, st = other.create(e, b"", ephemeral=True, include_data=True)
        eq("modes/ephemeral owner is session id", st.ephemeralOwner, other.client_id[0])
        eq("modes/ephemeral owner seen by others", zk.exists(e).ephemeralOwner, other.client_id[0])
        raises("modes/child of ephemeral -> NoChildrenForEphemerals",
               NoChildrenForEphemeralsError, zk.create, e + "/x", b"")
        es = other.create(root + "/es-", b"", ephemeral=True, sequence=True)
    finally:
        close(other)
    eq("modes/ephemeral gone after session close", zk.exists(e), None)
    eq("modes/ephemeral-sequential gone after session close", zk.exists(es), None)
    check("modes/ephemeral-sequential suffix", len(es) == len(root + "/es-") + 10 and es[-10:].isdigit(), es)

    q = root + "/seq"
    zk.create(q, b"")
    zk.create(q + "/plain", b"")
    names = [zk.create(q + "/n-", b"", sequence=True) for _ in range(3)]
    eq("modes/sequential suffixes follow parent cversion",
       [n[-10:] for n in names], ["0000000001", "0000000002", "0000000003"])
    zk.delete(names[2])
    # ZooKeeper's quirk (DataNode.copyStat): the suffix counts the parent's
    # child creations, while the visible cversion also counts deletions.
    eq("modes/cversion counts creations and deletions", zk.exists(q).cversion, 5)
    eq("modes/sequential suffix counts creations only",
       zk.create(q + "/n-", b"", sequence=True)[-10:], "0000000004")
    eq("modes/sequential with empty prefix", zk.create(q + "/", b"", sequence=True), q + "/0000000005")

    # container: created by a raw createContainer request
    c = root + "/cont"
    path, st = raw(zk, CreateContainer(c, b"c", OPEN_ACL_UNSAFE, 4))
    eq("modes/container create returns path", path, c)
    eq("modes/container stat version", st.version, 0)
    eq("modes/container data", zk.get(c)[0], b"c")
    eq("modes/container ephemeralOwner shows as 0", st.ephemeralOwner, 0)
    # ZooKeeper's quirk (PrepRequestProcessor.pRequest2TxnCreate): the
    # container flag on a plain create2 (opcode 15) makes an ordinary
    # persistent znode (a CreateTxn), which is never reaped.
    flagged = c + "x"
    raw(zk, Create2(flagged, b"", OPEN_ACL_UNSAFE, 4))
    zk.create(flagged + "/kid", b"")
    zk.delete(flagged + "/kid")
    zk.create(c + "/kid", b"")
    zk.delete(c + "/kid")
    wait_until("modes/container reaped after its last child goes", lambda: zk.exists(c) is None)
    # a later reaping pass: any deletion the first pass ordered is done by now
    c2 = c + "2"
    raw(zk, CreateContainer(c2, b"", OPEN_ACL_UNSAFE, 4))
    zk.create(c2 + "/kid", b"")
    zk.delete(c2 + "/kid")
    wait_until("modes/second container reaped", lambda: zk.exists(c2) is None)
    check("modes/create2 with the container flag is not a container (never reaped)",
          zk.exists(flagged) is not None)

    # TTL: raw createTTL; persistent and sequential
    t = root + "/ttl"
    path, st = raw(zk, CreateTTL(t, b"t", OPEN_ACL_UNSAFE, 5, 500))
    eq("modes/ttl create returns path", path, t)
    eq("modes/ttl node data", zk.get(t)[0], b"t")
    path, st = raw(zk, CreateTTL(t + "s-", b"", OPEN_ACL_UNSAFE, 6, 500))
    check("modes/ttl sequential suffix", path[-10:].isdigit(), path)
    raises("modes/ttl 0 -> BadArguments", BadArgumentsError, raw, zk, CreateTTL(t + "0", b"", OPEN_ACL_UNSAFE, 5, 0))
    raises("modes/ttl with ephemeral mode -> BadArguments", BadArgumentsError,
           raw, zk, CreateTTL(t + "e", b"", OPEN_ACL_UNSAFE, 1, 500))
    wait_until("modes/ttl node reaped after its ttl", lambda: zk.exists(t) is None)
    wait_until("modes/ttl sequential node reaped", lambda: zk.exists(path) is None)


def check_children(zk, root):
    p = root + "/kids"
    zk.create(p, b"")
    eq("children/empty", zk.get_children(p), [])
    for n in ("b", "a", "c"):
        zk.create(p + "/" + n, n.encode())
    eq("children/sorted names", sorted(zk.get_children(p)), ["a", "b", "c"])
    kids, st = zk.get_children(p, include_data=True)
    eq("children/getChildren2 numChildren", st.numChildren, 3)
    eq("children/getChildren2 cversion", st.cversion, 3)
    raises("children/of missing -> NoNode", NoNodeError, zk.get_children, root + "/nope")
    eq("children/root lists /zookeeper", "zookeeper" in zk.get_children("/"), True)


def check_acl(zk, root):
    owner = new_client()
    stranger = new_client()
    wrongpw = new_client()
    try:
        owner.add_auth("digest", "alice:secret")
        wrongpw.add_auth("digest", "alice:wrong")
        acl = make_digest_acl("alice", "secret", all=True)
        eq("acl/digest id form", acl.id.id, "alice:" + make_digest_acl_credential("alice", "secret").split(":", 1)[1])
        p = root + "/secret"
        owner.create(p, b"hidden", acl=[acl])
        eq("acl/owner reads", owner.get(p)[0], b"hidden")
        owner.set(p, b"hidden2")
        for who, c in (("unauthenticated", stranger), ("wrong password", wrongpw)):
            raises("acl/%s get -> NoAuth" % who, NoAuthError, c.get, p)
            raises("acl/%s set -> NoAuth" % who, NoAuthError, c.set, p, b"x")
            raises("acl/%s create child -> NoAuth" % who, NoAuthError, c.create, p + "/k", b"")
            raises("acl/%s getChildren -> NoAuth" % who, NoAuthError, c.get_children, p)
            raises("acl/%s setACL -> NoAuth" % who, NoAuthError, c.set_acls, p, OPEN_ACL_UNSAFE)
            if ZK39:
                # 3.9 checks READ on exists (ZOOKEEPER-4461? see FinalRequestProcessor)
                raises("acl/%s exists -> NoAuth (3.9 checks READ on exists)" % who, NoAuthError, c.exists, p)
            else:
                check("acl/%s exists -> Stat (3.8 does not check exists)" % who, c.exists(p) is not None)
            raises("acl/%s getACL -> NoAuth (needs READ or ADMIN)" % who, NoAuthError, c.get_acls, p)
        acls, _ = owner.get_acls(p)
        eq("acl/getACL returns digest ACL", [(a.perms, a.id.scheme, a.id.id) for a in acls],
           [(acl.perms, "digest", acl.id.id)])
        # a second identity on the same session also works
        stranger.add_auth("digest", "alice:secret")
        eq("acl/after addauth read allowed", stranger.get(p)[0], b"hidden2")
        # delete needs DELETE on the parent, not on the node
        owner.create(p + "/k", b"")
        raises("acl/unauthenticated delete child -> NoAuth", NoAuthError, wrongpw.delete, p + "/k")
        owner.delete(p + "/k")

        # read-only for the world, everything for alice
        ro = root + "/ro"
        owner.create(ro, b"r", acl=[ACL(Permissions.READ, Id("world", "anyone")), acl])
        eq("acl/world READ allows get", wrongpw.get(ro)[0], b"r")
        raises("acl/world READ denies set", NoAuthError, wrongpw.set, ro, b"")
        # getACL by a READ-only identity shows digest ids redacted or intact,
        # but must succeed
        check("acl/getACL with READ only succeeds", len(wrongpw.get_acls(ro)[0]) == 2)

        # the "auth" scheme takes the session's identities
        au = root + "/auth"
        owner.create(au, b"", acl=[ACL(Permissions.ALL, Id("auth", ""))])
        got = owner.get_acls(au)[0]
        eq("acl/auth scheme expands to digest identity", [(a.id.scheme, a.id.id) for a in got], [("digest", acl.id.id)])
        fresh = new_client()
        raises("acl/auth scheme without identities -> InvalidACL", InvalidACLError,
               fresh.create, au + "x", b"", acl=[ACL(Permissions.ALL, Id("auth", ""))])
        # an unknown scheme is refused
        raises("acl/unknown ACL scheme -> InvalidACL", ZookeeperError, owner.create, root + "/bad", b"",
               acl=[ACL(Permissions.ALL, Id("nosuch", "x"))])
        owner.delete(p)
    finally:
        for c in (owner, stranger, wrongpw):
            close(c)
    bad = new_client()
    try:
        raises("acl/unknown auth scheme -> AuthFailed", AuthFailedError, bad.add_auth, "nosuchscheme", "x")
    finally:
        close(bad)


def check_transactions(zk, root):
    p = root + "/tx"
    zk.create(p, b"v0")
    t = zk.transaction()
    t.create(p + "/a", b"A")
    t.set_data(p, b"v1", version=0)
    t.check(p, 1)
    t.create(p + "/b", b"B")
    t.delete(p + "/b")
    res = t.commit()
    eq("multi/success result count", len(res), 5)
    eq("multi/success create result", res[0], p + "/a")
    eq("multi/success set result version", res[1].version, 1)
    eq("multi/success check result", res[2], True)
    eq("multi/success delete result", res[4], True)
    eq("multi/success applied", zk.get(p)[0], b"v1")
    eq("multi/success applied children", sorted(zk.get_children(p)), ["a"])
    # all ops of a multi share one zxid
    eq("multi/success one zxid", zk.exists(p + "/a").czxid, zk.exists(p).mzxid)

    t = zk.transaction()
    t.create(p + "/c", b"")
    t.check(p, 7)
    t.set_data(p, b"v2")
    res = t.commit()
    eq("multi/failure result count", len(res), 3)
    check("multi/failure op0 RolledBack", isinstance(res[0], RolledBackError), res)
    check("multi/failure op1 BadVersion", isinstance(res[1], BadVersionError), res)
    check("multi/failure op2 RuntimeInconsistency", isinstance(res[2], RuntimeInconsistency), res)
    eq("multi/failure nothing applied: no child", zk.exists(p + "/c"), None)
    eq("multi/failure nothing applied: data", zk.get(p)[0], b"v1")

    t = zk.transaction()
    t.delete(p + "/nope")
    res = t.commit()
    check("multi/failure single delete NoNode", len(res) == 1 and isinstance(res[0], NoNodeError), res)

    # check (opcode 13) outside a multi
    if not ZK39:
        print("note multi/standalone check not sent: ZooKeeper 3.8 never answers it "
              "(kazoo then sees the next reply's xid and drops the connection); 3.9 "
              "answers UNIMPLEMENTED", flush=True)
        return
    # on a client of its own: a server that never answers breaks the connection
    lone = new_client()
    try:
        raw(lone, CheckVersion(p, 1))
        outcome = "ok"
    except UnimplementedError:
        outcome = "unimplemented"
    except Exception as e:
        outcome = "%s(%s)" % (type(e).__name__, e)
    finally:
        close(lone)
    eq("multi/standalone check -> Unimplemented (3.9)", outcome, "unimplemented")


def check_watches(zk, root):
    p = root + "/w"
    zk.create(p, b"")
    drain_notifications()
    q = queue.Queue()
    zk.get(p, watch=lambda ev: q.put(("data", ev.type, ev.path)))
    zk.get_children(p, watch=lambda ev: q.put(("child", ev.type, ev.path)))
    zk.exists(p + "/x", watch=lambda ev: q.put(("exist", ev.type, ev.path)))
    _, cst = zk.create(p + "/x", b"", include_data=True)
    evs = sorted([get_q("watch/exist+child events", q) for _ in range(2)])
    eq("watch/create fires exist and child watches", evs,
       [("child", EventType.CHILD, p), ("exist", EventType.CREATED, p + "/x")])
    raw_evs = raw_events("watch/raw notifications for create", zk, 2)
    # ZooKeeper fires the node's own watches before its parent's
    eq("watch/order: created before child", [(e.type, e.path) for e in raw_evs],
       [(1, p + "/x"), (4, p)])
    if ZK39:
        eq("watch/notification zxid is the change's zxid (3.9)", [e.zxid for e in raw_evs], [cst.czxid] * 2)
    else:
        eq("watch/notification zxid is -1 (3.8 does not send it)", [e.zxid for e in raw_evs], [-1, -1])

    st = zk.set(p, b"1")
    eq("watch/set fires data watch", get_q("watch/data event", q), ("data", EventType.CHANGED, p))
    zk.set(p, b"2")
    zk.sync(p)
    zk.get(p)  # a round trip after the second set: any event would be queued by now
    no_more("watch/one-shot: second set fires nothing", q)
    drain_notifications()

    zk.get(p + "/x", watch=lambda ev: q.put(("data", ev.type, ev.path)))
    zk.get_children(p + "/x", watch=lambda ev: q.put(("child", ev.type, ev.path)))
    zk.get_children(p, watch=lambda ev: q.put(("child", ev.type, ev.path)))
    zk.delete(p + "/x")
    evs = [get_q("watch/delete events", q) for _ in range(3)]
    eq("watch/delete fires data, child and parent child watches", sorted(evs),
       sorted([("data", EventType.DELETED, p + "/x"), ("child", EventType.DELETED, p + "/x"),
               ("child", EventType.CHILD, p)]))
    raw_evs = raw_events("watch/raw notifications for delete", zk, 2)
    eq("watch/order: deleted before parent child", [(e.type, e.path) for e in raw_evs],
       [(2, p + "/x"), (4, p)])

    # watches fire for changes made by another session too
    other = new_client()
    try:
        zk.exists(p + "/y", watch=lambda ev: q.put(("exist", ev.type, ev.path)))
        other.create(p + "/y", b"")
        eq("watch/other session's create fires", get_q("watch/cross-session", q),
           ("exist", EventType.CREATED, p + "/y"))
    finally:
        close(other)

    # persistent and persistent-recursive watches through raw addWatch
    drain_notifications()
    pw = root + "/pw"
    zk.create(pw, b"")
    raw(zk, AddWatch(pw, 0))      # PERSISTENT
    raw(zk, AddWatch(root + "/pr", 1))  # PERSISTENT_RECURSIVE on a missing node
    zk.set(pw, b"1")
    zk.set(pw, b"2")
    zk.create(pw + "/k", b"")
    zk.create(root + "/pr", b"")
    zk.create(root + "/pr/a", b"")
    zk.create(root + "/pr/a/b", b"")
    zk.set(root + "/pr/a/b", b"x")
    zk.delete(root + "/pr/a/b")
    got = [(e.type, e.path) for e in raw_events("watch/persistent events", zk, 8)]
    eq("watch/persistent and recursive events in order", got, [
        (3, pw), (3, pw), (4, pw),
        (1, root + "/pr"), (1, root + "/pr/a"), (1, root + "/pr/a/b"),
        (3, root + "/pr/a/b"), (2, root + "/pr/a/b"),
    ])
    zk.get(pw)  # a round trip: any further event would have arrived before its reply
    check("watch/recursive watch sends no child events", notifications.empty(),
          None if notifications.empty() else notifications.queue[0])


def check_recipes(zk, root):
    a = new_client()
    b = new_client()
    try:
        # Lock
        la = a.Lock(root + "/lock", "a")
        lb = b.Lock(root + "/lock", "b")
        check("recipe/lock a acquires", la.acquire(timeout=WAIT))
        check("recipe/lock b cannot acquire while a holds", not lb.acquire(blocking=False))
        eq("recipe/lock contenders", la.contenders(), ["a"])
        got = threading.Event()

        def take():
            if lb.acquire(timeout=WAIT):
                got.set()
        th = threading.Thread(target=take)
        th.start()
        wait_until("recipe/lock b queued", lambda: len(la.contenders()) == 2, WAIT)
        eq("recipe/lock contenders in order", la.contenders(), ["a", "b"])
        la.release()
        check("recipe/lock b acquires after a releases", got.wait(WAIT))
        th.join(WAIT)
        lb.release()
        eq("recipe/lock no contenders left", la.contenders(), [])

        # Election
        elected = queue.Queue()
        release = threading.Event()

        def lead(name):
            elected.put(name)
            release.wait(WAIT)
        ea = a.Election(root + "/election", "a")
        eb = b.Election(root + "/election", "b")
        ta = threading.Thread(target=ea.run, args=(lead, "a"))
        ta.start()
        eq("recipe/election first candidate leads", get_q("recipe/election leader", elected), "a")
        tb = threading.Thread(target=eb.run, args=(lead, "b"))
        tb.start()
        wait_until("recipe/election b waiting", lambda: len(ea.contenders()) == 2, WAIT)
        eq("recipe/election contenders", ea.contenders(), ["a", "b"])
        release.set()
        eq("recipe/election next candidate leads after the leader quits",
           get_q("recipe/election second leader", elected), "b")
        ta.join(WAIT)
        tb.join(WAIT)

        # Counter
        ca = a.Counter(root + "/counter")
        cb = b.Counter(root + "/counter")
        ca += 5
        cb -= 2
        eq("recipe/counter sum of both clients", ca.value, 3)
        ths = [threading.Thread(target=lambda c=c: [c.__add__(1) for _ in range(10)]) for c in (ca, cb)]
        for th in ths:
            th.start()
        for th in ths:
            th.join(WAIT)
        eq("recipe/counter concurrent increments", cb.value, 23)

        # Barrier
        bar = a.Barrier(root + "/barrier")
        bar.create()
        bb = b.Barrier(root + "/barrier")
        check("recipe/barrier wait times out while up", not bb.wait(timeout=0.2))
        passed = threading.Event()
        th = threading.Thread(target=lambda: bb.wait(timeout=WAIT) and passed.set())
        th.start()
        bar.remove()
        check("recipe/barrier waiter passes once removed", passed.wait(WAIT))
        th.join(WAIT)

        # DoubleBarrier with two members
        da = a.DoubleBarrier(root + "/dbar", 2)
        db = b.DoubleBarrier(root + "/dbar", 2)
        entered = threading.Event()
        th = threading.Thread(target=lambda: (da.enter(), entered.set()))
        th.start()
        check("recipe/double barrier holds the first member", not entered.wait(0.2))
        db.enter()
        check("recipe/double barrier releases when full", entered.wait(WAIT))
        th.join(WAIT)
        left = threading.Event()
        th = threading.Thread(target=lambda: (da.leave(), left.set()))
        th.start()
        db.leave()
        check("recipe/double barrier leave", left.wait(WAIT))
        th.join(WAIT)

        # DataWatch / ChildrenWatch
        dw = root + "/dw"
        dq = queue.Queue()
        a.DataWatch(dw, lambda data, stat: dq.put((data, stat.version if stat else None)))
        eq("recipe/DataWatch initial (missing)", get_q("recipe/DataWatch initial", dq), (None, None))
        b.create(dw, b"v0")
        eq("recipe/DataWatch sees create", get_q("recipe/DataWatch create", dq), (b"v0", 0))
        b.set(dw, b"v1")
        eq("recipe/DataWatch sees set", get_q("recipe/DataWatch set", dq), (b"v1", 1))
        b.delete(dw)
        eq("recipe/DataWatch sees delete", get_q("recipe/DataWatch delete", dq), (None, None))

        cw = root + "/cw"
        b.create(cw, b"")
        cq = queue.Queue()
        a.ChildrenWatch(cw, lambda kids: cq.put(sorted(kids)))
        eq("recipe/ChildrenWatch initial", get_q("recipe/ChildrenWatch initial", cq), [])
        b.create(cw + "/x", b"")
        eq("recipe/ChildrenWatch sees add", get_q("recipe/ChildrenWatch add", cq), ["x"])
        b.create(cw + "/y", b"")
        eq("recipe/ChildrenWatch sees second add", get_q("recipe/ChildrenWatch add2", cq), ["x", "y"])
        b.delete(cw + "/x")
        eq("recipe/ChildrenWatch sees delete", get_q("recipe/ChildrenWatch delete", cq), ["y"])

        # Queue
        qa = a.Queue(root + "/queue")
        qb = b.Queue(root + "/queue")
        for item in (b"1", b"2", b"3"):
            qa.put(item)
        eq("recipe/queue FIFO across clients", [qb.get(), qb.get(), qa.get()], [b"1", b"2", b"3"])
    finally:
        close(a)
        close(b)


def check_session(zk, root):
    eq("session/state connected", zk.state, KazooState.CONNECTED)
    sid, pw = zk.client_id
    check("session/id nonzero", sid != 0, sid)
    eq("session/password length", len(pw), 16)
    e = zk.create(root + "/eph", b"", ephemeral=True)
    observer = new_client()
    try:
        # A second client resumes the same session with its id and password
        # (the server moves the session to the new connection). Closing it
        # closes the session, which removes the first client's ephemeral.
        twin = KazooClient(hosts=CONNECT, timeout=10.0, client_id=(sid, pw))
        twin.start(timeout=15)
        clients.append(twin)
        eq("session/resumed session keeps its id", twin.client_id[0], sid)
        twin.stop()
        twin.close()
        wait_until("session/closing the resumed session removes its ephemerals",
                   lambda: observer.exists(e) is None, WAIT)
    finally:
        close(observer)


GROUPS = [
    ("crud", check_crud),
    ("stat", check_stat),
    ("modes", check_modes),
    ("children", check_children),
    ("acl", check_acl),
    ("multi", check_transactions),
    ("watch", check_watches),
    ("recipe", check_recipes),
    ("session", check_session),   # last: it closes the main session
]


def main():
    zk = new_client()
    zk.create(ROOT, b"")
    print("kazoo %s against %s (spec %s), root %s" % (
        __import__("kazoo.version").version.__version__, CONNECT, SPEC, ROOT), flush=True)
    for name, fn in GROUPS:
        root = ROOT + "/" + name
        try:
            zk.create(root, b"")
            fn(zk, root)
            print("ok   %s" % name, flush=True)
        except CheckFailed:
            pass
        except Exception as e:
            print("FAIL %s: unexpected %s: %s" % (name, type(e).__name__, e), flush=True)
            traceback.print_exc()
            failures.append(name)
    for c in clients:
        try:
            c.stop()
            c.close()
        except Exception:
            pass
    if failures:
        print("kazoo_check: %d check(s) failed: %s" % (len(failures), ", ".join(failures)), flush=True)
        sys.exit(1)
    print("kazoo_check: all checks passed", flush=True)


if __name__ == "__main__":
    main()
