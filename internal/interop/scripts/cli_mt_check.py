#!/usr/bin/env python3
"""cli_mt_check.py drives a ZooKeeper server with the C client's cli_mt (from
Debian's zookeeper-bin, /usr/lib/zookeeper/bin/cli_mt) through its stdin and
exits non-zero, naming every failed check, on any wrong answer.

Usage: python3 cli_mt_check.py [connect-string] [--spec 3.8|3.9] [--cli PATH]

The connect string defaults to $ZK_CONNECT; cli_mt's path to $CLI_MT, else
/usr/lib/zookeeper/bin/cli_mt. Only the standard library is used.

cli_mt prints every answer on stderr: "[path]: rc = N" and "\\tname = ..." for
create and sync, "path: rc = N" then " value_len = N", the value and a Stat
dump for get, "path: rc = N Stat:" for set, the children one per line between
two "time = N msec" lines for ls, "Error N for path" when a synchronous call
(exists) fails, and "Watcher TYPE state = STATE for path P" for watch events
(get, ls and exists leave watches). Commands are sent one at a time and each
answer is awaited, with a bound, before the next.
"""

import os
import random
import re
import string
import subprocess
import sys
import threading
import time

WAIT = 10.0        # bound on waiting for any answer, in seconds
REAP_WAIT = 30.0   # bound on waiting for a container to be reaped

args = sys.argv[1:]
SPEC = os.environ.get("ZK_SPEC", "3.9")
CLI = os.environ.get("CLI_MT", "/usr/lib/zookeeper/bin/cli_mt")
for flag in ("--spec", "--cli"):
    if flag in args:
        i = args.index(flag)
        if flag == "--spec":
            SPEC = args[i + 1]
        else:
            CLI = args[i + 1]
        del args[i:i + 2]
CONNECT = args[0] if args else os.environ.get("ZK_CONNECT", "")
if not CONNECT:
    sys.exit("usage: cli_mt_check.py host:port [--spec 3.8|3.9] [--cli PATH] (or set ZK_CONNECT)")

ROOT = "/climt" + "".join(random.choice(string.ascii_lowercase) for _ in range(8))

failures = []


class CheckFailed(Exception):
    pass


def check(name, cond, detail=""):
    if not cond:
        print("FAIL %s%s" % (name, ": " + str(detail) if detail else ""), flush=True)
        failures.append(name)
        raise CheckFailed(name)


def eq(name, got, want):
    check(name, got == want, "got %r, want %r" % (got, want))


class Cli:
    """Cli runs cli_mt and collects everything it prints."""

    def __init__(self):
        self.p = subprocess.Popen([CLI, CONNECT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, bufsize=0)
        self.buf = ""
        self.mu = threading.Condition()
        self.pos = 0      # answers are searched for from here on
        self.sent_at = 0  # where the output stood when the last command was sent
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            chunk = self.p.stdout.read1(65536) if hasattr(self.p.stdout, "read1") else self.p.stdout.read(1)
            if not chunk:
                with self.mu:
                    self.buf += "\n<EOF>"
                    self.mu.notify_all()
                return
            with self.mu:
                self.buf += chunk.decode("utf-8", "replace")
                self.mu.notify_all()

    def expect(self, name, pattern, timeout=WAIT, advance=True):
        """expect waits (bounded) for pattern after the current position and
        returns its match. With advance False it searches from where the last
        command was sent (watch events may come before or after the answer)
        and leaves the position alone."""
        rx = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        with self.mu:
            while True:
                m = rx.search(self.buf, self.pos if advance else self.sent_at)
                if m:
                    if advance:
                        self.pos = m.end()
                    return m
                left = deadline - time.monotonic()
                if left <= 0 or self.buf.endswith("<EOF>"):
                    tail = self.buf[self.pos:][-600:]
                    check(name, False, "no %r within %.0fs; output since: %r" % (pattern, timeout, tail))
                self.mu.wait(left)

    def send(self, line):
        with self.mu:
            self.pos = self.sent_at = len(self.buf)
        self.p.stdin.write((line + "\n").encode())
        self.p.stdin.flush()

    def close(self):
        try:
            self.send("quit")
            self.p.wait(timeout=WAIT)
        except Exception:
            self.p.kill()
            self.p.wait()


STAT = (r"\tctime = [^\n]*\n\tczxid=(?P<czxid>[0-9a-f]+)\n\tmtime=[^\n]*\n\tmzxid=(?P<mzxid>[0-9a-f]+)\n"
        r"\tversion=(?P<version>[0-9a-f]+)\taversion=(?P<aversion>[0-9a-f]+)\n"
        r"\tephemeralOwner = (?P<owner>[0-9a-f]+)\n")


def create(c, name, flags, path, want_rc=0, want_name=None):
    c.send("create %s%s" % (flags + " " if flags else "", path))
    m = c.expect(name, r"^\[%s\]: rc = (-?\d+)\n" % re.escape(path))
    eq(name + " rc", int(m.group(1)), want_rc)
    if want_rc == 0:
        got = c.expect(name + " name", r"^\tname = (\S+)\n").group(1)
        if want_name is not None:
            eq(name + " name", got, want_name)
        return got


def get(c, name, path, want_rc=0):
    """get returns (value, stat dict) or None for an error."""
    c.send("get " + path)
    m = c.expect(name, r"^%s: rc = (-?\d+)\n" % re.escape(path))
    eq(name + " rc", int(m.group(1)), want_rc)
    if want_rc != 0:
        return None
    m = c.expect(name + " value", r"^ value_len = (\d+)\n")
    n = int(m.group(1))
    with c.mu:
        start = c.pos
    m = c.expect(name + " stat", r"\nStat:\n" + STAT)
    with c.mu:
        value = c.buf[start:start + n]
    return value, {k: int(v, 16) for k, v in m.groupdict().items()}


def main():
    if not os.access(CLI, os.X_OK):
        sys.exit("cli_mt not found at %s" % CLI)
    c = Cli()
    try:
        run(c)
    except CheckFailed:
        pass
    finally:
        c.close()
    if failures:
        print("cli_mt_check: %d check(s) failed: %s" % (len(failures), ", ".join(failures)), flush=True)
        sys.exit(1)
    print("cli_mt_check: all checks passed", flush=True)


def run(c):
    print("cli_mt against %s (spec %s), root %s" % (CONNECT, SPEC, ROOT), flush=True)
    sid = int(c.expect("session established", r"Got a new session id: 0x([0-9a-f]+)\n", timeout=15).group(1), 16)
    check("session id nonzero", sid != 0)

    create(c, "create root", "", ROOT, want_name=ROOT)
    a = ROOT + "/a"
    create(c, "create plain", "", a, want_name=a)
    create(c, "create existing -> NodeExists", "", a, want_rc=-110)
    create(c, "create missing parent -> NoNode", "", ROOT + "/none/x", want_rc=-101)

    value, st = get(c, "get new node", a)
    eq("get value (cli_mt creates with \"new\")", value, "new")
    eq("get version", st["version"], 0)
    eq("get czxid == mzxid", st["czxid"], st["mzxid"])
    eq("get ephemeralOwner", st["owner"], 0)

    # get left a data watch: set fires it
    c.send("set %s hello" % a)
    m = c.expect("set", r"^%s: rc = (-?\d+) Stat:\n" % re.escape(a))
    eq("set rc", int(m.group(1)), 0)
    m = c.expect("set stat", STAT)
    eq("set stat version", int(m.group("version"), 16), 1)
    c.expect("set fires the data watch", r"Watcher CHANGED_EVENT state = CONNECTED_STATE for path %s\n" % re.escape(a),
             advance=False)
    value, st2 = get(c, "get after set", a)
    eq("get after set value", value, "hello")
    eq("get after set version", st2["version"], 1)
    check("get after set mzxid > czxid", st2["mzxid"] > st2["czxid"], st2)
    eq("get after set czxid unchanged", st2["czxid"], st["czxid"])

    e = ROOT + "/e"
    create(c, "create ephemeral", "+e", e, want_name=e)
    _, est = get(c, "get ephemeral", e)
    eq("ephemeral owner is our session", est["owner"], sid)

    # ROOT has had 2 children created (a, e): the next suffix is 2
    create(c, "create sequential", "+s", ROOT + "/s-", want_name=ROOT + "/s-0000000002")
    create(c, "create ephemeral-sequential", "+es", ROOT + "/s-", want_name=ROOT + "/s-0000000003")
    _, sst = get(c, "get ephemeral-sequential", ROOT + "/s-0000000003")
    eq("ephemeral-sequential owner", sst["owner"], sid)

    cont = ROOT + "/c"
    create(c, "create container", "+c", cont, want_name=cont)
    create(c, "create ttl", "+t=60000", ROOT + "/t", want_name=ROOT + "/t")
    _, tst = get(c, "get ttl", ROOT + "/t")
    eq("ttl node version", tst["version"], 0)

    c.send("create2 %s/c2" % ROOT)
    m = c.expect("create2", r"^\[%s/c2\]: rc = (-?\d+)\n\tname = (\S+)\n" % re.escape(ROOT))
    eq("create2 rc", int(m.group(1)), 0)
    m = c.expect("create2 stat", STAT)
    eq("create2 stat version", int(m.group("version"), 16), 0)
    eq("create2 stat czxid == mzxid", m.group("czxid"), m.group("mzxid"))

    # ls leaves a child watch
    c.send("ls " + ROOT)
    m = c.expect("ls", r"^%s: rc = (-?\d+)\n((?:\t[^\n]*\n)*)time = " % re.escape(ROOT))
    eq("ls rc", int(m.group(1)), 0)
    kids = sorted(l.strip() for l in m.group(2).splitlines())
    eq("ls children", kids, sorted(["a", "e", "s-0000000002", "s-0000000003", "c", "t", "c2"]))
    create(c, "create under watched parent", "", ROOT + "/z")
    c.expect("create fires the child watch", r"Watcher CHILD_EVENT state = CONNECTED_STATE for path %s\n" % re.escape(ROOT),
             advance=False)

    c.send("ls2 " + ROOT)
    m = c.expect("ls2", r"^%s: rc = (-?\d+)\n((?:\t[^\n]*\n)*)time = [^\n]*\n" % re.escape(ROOT))
    eq("ls2 rc", int(m.group(1)), 0)
    eq("ls2 child count", len(m.group(2).splitlines()), 8)
    c.expect("ls2 stat", STAT)

    # exists on a missing node fails synchronously and leaves an exist watch
    nope = ROOT + "/nope"
    c.send("exists " + nope)
    c.expect("exists missing -> NoNode", r"Error -101 for %s\n" % re.escape(nope))
    create(c, "create watched missing node", "", nope)
    c.expect("create fires the exist watch", r"Watcher CREATED_EVENT state = CONNECTED_STATE for path %s\n" % re.escape(nope),
             advance=False)

    # a data watch on a node that is deleted
    get(c, "get before delete", nope)
    c.send("delete " + nope)
    m = c.expect("delete", r"^%s: rc = (-?\d+)\n" % re.escape(nope))
    eq("delete rc", int(m.group(1)), 0)
    c.expect("delete fires the data watch", r"Watcher DELETED_EVENT state = CONNECTED_STATE for path %s\n" % re.escape(nope),
             advance=False)
    c.send("delete " + nope)
    eq("delete missing -> NoNode", int(c.expect("delete missing", r"^%s: rc = (-?\d+)\n" % re.escape(nope)).group(1)), -101)
    c.send("delete " + ROOT)
    eq("delete non-empty -> NotEmpty", int(c.expect("delete non-empty", r"^%s: rc = (-?\d+)\n" % re.escape(ROOT)).group(1)), -111)
    get(c, "get missing -> NoNode", nope, want_rc=-101)

    c.send("sync " + ROOT)
    m = c.expect("sync", r"^\[%s\]: rc = (-?\d+)\n\tname = (\S+)\n" % re.escape(ROOT))
    eq("sync rc", int(m.group(1)), 0)
    eq("sync path", m.group(2), ROOT)

    # the container goes once its only child is deleted
    create(c, "create child of container", "", cont + "/k")
    c.send("delete %s/k" % cont)
    eq("delete container child", int(c.expect("delete container child", r"^%s/k: rc = (-?\d+)\n" % re.escape(cont)).group(1)), 0)
    deadline = time.monotonic() + REAP_WAIT
    while True:
        c.send("exists " + cont)
        time.sleep(0.1)  # exists prints nothing when the node is there
        with c.mu:
            gone = ("Error -101 for %s\n" % cont) in c.buf[c.pos:]
        if gone:
            break
        check("container reaped after its last child goes", time.monotonic() < deadline, "still there after %.0fs" % REAP_WAIT)

    # ephemerals go with the session: a second cli_mt sees them gone
    c.close()
    c2 = Cli()
    try:
        c2.expect("second session established", r"Got a new session id: 0x([0-9a-f]+)\n", timeout=15)
        get(c2, "ephemeral gone after session close", e, want_rc=-101)
        get(c2, "ephemeral-sequential gone after session close", ROOT + "/s-0000000003", want_rc=-101)
        get(c2, "persistent survives session close", a)
    finally:
        c2.close()


if __name__ == "__main__":
    main()
