// JavaCheck drives a ZooKeeper server with the Java client from Debian's
// zookeeper package and exits non-zero, naming every failed check, on any
// wrong answer.
//
// Build and run (the Go test does this):
//
//	javac -cp /usr/share/java/zookeeper.jar:/usr/share/java/zookeeper-jute.jar -d OUT JavaCheck.java
//	java -cp OUT:/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-nop.jar JavaCheck host:port [--spec 3.8|3.9]
//
// The connect string defaults to $ZK_CONNECT; the spec (which ZooKeeper
// version's answers to expect where 3.8 and 3.9 differ) to $ZK_SPEC, else 3.9.
// Every group of checks runs under its own root znode, and every group runs
// even if an earlier one failed.

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.ClientInfo;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;

public class JavaCheck {
    static final long WAIT_MS = 10_000;      // bound on every wait for an event
    static final long REAP_WAIT_MS = 30_000; // bound on waiting for container / TTL reaping

    static String connect;
    static boolean zk39;
    static final List<String> failures = new ArrayList<>();
    static final List<ZooKeeper> clients = new ArrayList<>();

    /** CheckFailed ends the current group after a failed check. */
    static class CheckFailed extends RuntimeException {
        CheckFailed(String name) { super(name); }
    }

    static void check(String name, boolean cond, Object detail) {
        if (!cond) {
            String msg = "FAIL " + name;
            if (detail != null) msg += ": " + detail;
            System.out.println(msg);
            System.out.flush();
            failures.add(name);
            throw new CheckFailed(name);
        }
    }

    static void eq(String name, Object got, Object want) {
        check(name, java.util.Objects.equals(got, want), "got " + got + ", want " + want);
    }

    interface Call { Object run() throws Exception; }

    /** code runs c and returns the ZooKeeper error code it failed with, or OK. */
    static Code code(Call c) throws InterruptedException {
        try {
            c.run();
            return Code.OK;
        } catch (KeeperException e) {
            return e.code();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    static void fails(String name, Code want, Call c) throws InterruptedException {
        eq(name, code(c), want);
    }

    static WatchedEvent next(String name, BlockingQueue<WatchedEvent> q) throws InterruptedException {
        WatchedEvent e = q.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        check(name, e != null, "no event within " + WAIT_MS + " ms");
        return e;
    }

    static String ev(WatchedEvent e) {
        return e.getType() + " " + e.getPath();
    }

    static void waitUntil(String name, Call cond) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REAP_WAIT_MS);
        while (System.nanoTime() < deadline) {
            if ((Boolean) cond.run()) return;
            Thread.sleep(50);
        }
        check(name, false, "condition not reached within " + REAP_WAIT_MS + " ms");
    }

    static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }
    static String s(byte[] b) { return b == null ? null : new String(b, StandardCharsets.UTF_8); }

    static ZooKeeper newClient() throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(connect, 10_000, e -> {
            if (e.getState() == KeeperState.SyncConnected) connected.countDown();
        });
        clients.add(zk);
        check("connect to " + connect, connected.await(15, TimeUnit.SECONDS), "not connected within 15 s");
        return zk;
    }

    static void sync(ZooKeeper zk, String path) throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        AtomicInteger rc = new AtomicInteger(-999);
        String[] got = new String[1];
        zk.sync(path, (r, p, ctx) -> { rc.set(r); got[0] = p; done.countDown(); }, null);
        check("sync " + path + " answered", done.await(WAIT_MS, TimeUnit.MILLISECONDS), "no answer");
        eq("sync " + path + " rc", rc.get(), 0);
        eq("sync " + path + " path", got[0], path);
    }

    // ------------------------------------------------------------------ groups

    static void modes(ZooKeeper zk, String root) throws Exception {
        Stat st = new Stat();
        String p = zk.create(root + "/p", b("data"), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, st);
        eq("modes/persistent path", p, root + "/p");
        check("modes/create2 Stat czxid == mzxid == pzxid", st.getCzxid() == st.getMzxid() && st.getMzxid() == st.getPzxid(), st);
        eq("modes/create2 Stat dataLength", st.getDataLength(), 4);
        eq("modes/create2 Stat version", st.getVersion(), 0);
        eq("modes/create2 Stat equals exists", zk.exists(p, false), st);

        Stat es = new Stat();
        String e = zk.create(root + "/e", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL, es);
        eq("modes/ephemeral owner", es.getEphemeralOwner(), zk.getSessionId());
        fails("modes/child of ephemeral -> NOCHILDRENFOREPHEMERALS", Code.NOCHILDRENFOREPHEMERALS,
            () -> zk.create(e + "/x", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));

        String s1 = zk.create(root + "/s-", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_SEQUENTIAL);
        String s2 = zk.create(root + "/s-", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL_SEQUENTIAL);
        // root already had 2 children created: suffixes 2 and 3
        eq("modes/sequential suffix", s1, root + "/s-0000000002");
        eq("modes/ephemeral-sequential suffix", s2, root + "/s-0000000003");
        eq("modes/ephemeral-sequential owner", zk.exists(s2, false).getEphemeralOwner(), zk.getSessionId());

        Stat cs = new Stat();
        String c = zk.create(root + "/c", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.CONTAINER, cs);
        eq("modes/container path", c, root + "/c");
        zk.create(c + "/kid", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        zk.delete(c + "/kid", -1);
        waitUntil("modes/container reaped after its last child goes", () -> zk.exists(c, false) == null);

        Stat ts = new Stat();
        String t = zk.create(root + "/t", b("t"), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_WITH_TTL, ts, 300);
        eq("modes/ttl path", t, root + "/t");
        eq("modes/ttl data", s(zk.getData(t, false, null)), "t");
        String ts2 = zk.create(root + "/ts-", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, new Stat(), 300);
        check("modes/ttl sequential suffix", ts2.matches(".*/ts-\\d{10}"), ts2);
        // (the Java client refuses ttl 0 itself; kazoo_check.py sends it raw)
        waitUntil("modes/ttl node reaped", () -> zk.exists(t, false) == null);
        waitUntil("modes/ttl sequential node reaped", () -> zk.exists(ts2, false) == null);

        fails("modes/create existing -> NODEEXISTS", Code.NODEEXISTS,
            () -> zk.create(p, b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
        fails("modes/create missing parent -> NONODE", Code.NONODE,
            () -> zk.create(root + "/none/x", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
    }

    static void getset(ZooKeeper zk, String root) throws Exception {
        String p = zk.create(root + "/g", b("v0"), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        Stat st = new Stat();
        eq("getset/get data", s(zk.getData(p, false, st)), "v0");
        Stat s1 = zk.setData(p, b("v1"), 0);
        eq("getset/set version 0 -> 1", s1.getVersion(), 1);
        check("getset/set mzxid > czxid", s1.getMzxid() > s1.getCzxid(), s1);
        eq("getset/set keeps czxid", s1.getCzxid(), st.getCzxid());
        check("getset/set mtime >= ctime", s1.getMtime() >= s1.getCtime(), s1);
        fails("getset/set stale version -> BADVERSION", Code.BADVERSION, () -> zk.setData(p, b("x"), 0));
        Stat s2 = zk.setData(p, b("v2"), -1);
        eq("getset/set -1 matches any", s2.getVersion(), 2);
        eq("getset/get after sets", s(zk.getData(p, false, null)), "v2");
        fails("getset/get missing -> NONODE", Code.NONODE, () -> zk.getData(root + "/none", false, null));
        eq("getset/exists missing -> null", zk.exists(root + "/none", false), null);
        fails("getset/delete stale version -> BADVERSION", Code.BADVERSION, () -> { zk.delete(p, 1); return null; });
        zk.delete(p, 2);
        eq("getset/deleted", zk.exists(p, false), null);
        // 1 MiB minus a little fits in the default jute.maxbuffer
        byte[] big = new byte[1000 * 1000];
        new Random(7).nextBytes(big);
        zk.create(root + "/big", big, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        check("getset/large data round trip", Arrays.equals(zk.getData(root + "/big", false, null), big), null);
        sync(zk, root);
    }

    static void children(ZooKeeper zk, String root) throws Exception {
        String p = zk.create(root + "/k", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        for (String n : new String[] {"b", "a", "c"}) {
            zk.create(p + "/" + n, b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        }
        zk.create(p + "/a/deep", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        Stat st = new Stat();
        List<String> kids = new ArrayList<>(zk.getChildren(p, false, st));
        Collections.sort(kids);
        eq("children/names", kids, Arrays.asList("a", "b", "c"));
        eq("children/getChildren2 numChildren", st.getNumChildren(), 3);
        eq("children/getChildren2 cversion", st.getCversion(), 3);
        eq("children/getAllChildrenNumber counts descendants", zk.getAllChildrenNumber(p), 4);
        fails("children/of missing -> NONODE", Code.NONODE, () -> zk.getChildren(root + "/none", false));
        fails("children/delete non-empty -> NOTEMPTY", Code.NOTEMPTY, () -> { zk.delete(p, -1); return null; });

        ZooKeeper other = newClient();
        other.create(p + "/e1", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        other.create(p + "/a/e2", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        other.create(root + "/e3", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        List<String> eph = new ArrayList<>(other.getEphemerals(p));
        Collections.sort(eph);
        eq("children/getEphemerals by prefix", eph, Arrays.asList(p + "/a/e2", p + "/e1"));
        eq("children/getEphemerals of another session", zk.getEphemerals(p), Collections.emptyList());
        List<String> all = other.getEphemerals("/");
        check("children/getEphemerals(\"/\") has all three", all.size() == 3, all);
        other.close();
        eq("children/ephemerals gone after close", zk.exists(p + "/e1", false), null);
    }

    static void acl(ZooKeeper zk, String root) throws Exception {
        ZooKeeper owner = newClient();
        ZooKeeper stranger = newClient();
        owner.addAuthInfo("digest", b("alice:secret"));
        String digest = DigestAuthenticationProvider.generateDigest("alice:secret");
        List<ACL> acl = Collections.singletonList(new ACL(Perms.ALL, new Id("digest", digest)));
        String p = owner.create(root + "/secret", b("hidden"), acl, CreateMode.PERSISTENT);
        eq("acl/owner reads", s(owner.getData(p, false, null)), "hidden");
        fails("acl/stranger get -> NOAUTH", Code.NOAUTH, () -> stranger.getData(p, false, null));
        fails("acl/stranger set -> NOAUTH", Code.NOAUTH, () -> stranger.setData(p, b("x"), -1));
        fails("acl/stranger create child -> NOAUTH", Code.NOAUTH,
            () -> stranger.create(p + "/k", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
        fails("acl/stranger getChildren -> NOAUTH", Code.NOAUTH, () -> stranger.getChildren(p, false));
        fails("acl/stranger setACL -> NOAUTH", Code.NOAUTH, () -> stranger.setACL(p, Ids.OPEN_ACL_UNSAFE, -1));
        fails("acl/stranger getACL -> NOAUTH", Code.NOAUTH, () -> stranger.getACL(p, new Stat()));
        if (zk39) {
            fails("acl/stranger exists -> NOAUTH (3.9 checks READ on exists)", Code.NOAUTH, () -> stranger.exists(p, false));
        } else {
            check("acl/stranger exists -> Stat (3.8 does not check exists)", stranger.exists(p, false) != null, null);
        }
        Stat st = new Stat();
        List<ACL> got = owner.getACL(p, st);
        eq("acl/getACL", got, acl);
        eq("acl/getACL stat aversion", st.getAversion(), 0);
        Stat as = owner.setACL(p, acl, 0);
        eq("acl/setACL bumps aversion", as.getAversion(), 1);
        fails("acl/setACL stale aversion -> BADVERSION", Code.BADVERSION, () -> owner.setACL(p, acl, 0));

        stranger.addAuthInfo("digest", b("alice:wrong"));
        fails("acl/wrong password get -> NOAUTH", Code.NOAUTH, () -> stranger.getData(p, false, null));
        stranger.addAuthInfo("digest", b("alice:secret"));
        eq("acl/after right password", s(stranger.getData(p, false, null)), "hidden");

        // whoAmI lists the identities
        List<ClientInfo> who = owner.whoAmI();
        boolean alice = false, ip = false;
        for (ClientInfo ci : who) {
            if (ci.getAuthScheme().equals("digest") && ci.getUser().equals("alice")) alice = true;
            if (ci.getAuthScheme().equals("ip") && ci.getUser().equals("127.0.0.1")) ip = true;
        }
        check("acl/whoAmI has digest alice", alice, who);
        check("acl/whoAmI has ip 127.0.0.1", ip, who);

        // CREATOR_ALL_ACL (auth scheme) expands to the creator's identity
        String c = owner.create(root + "/creator", b(""), Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT);
        eq("acl/auth scheme expands to digest", owner.getACL(c, new Stat()), acl);
        ZooKeeper anon = newClient();
        fails("acl/auth scheme with no identity -> INVALIDACL", Code.INVALIDACL,
            () -> anon.create(root + "/creator2", b(""), Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT));
        // READ-only world ACL
        String ro = owner.create(root + "/ro", b("r"), Ids.READ_ACL_UNSAFE, CreateMode.PERSISTENT);
        eq("acl/READ allows get", s(anon.getData(ro, false, null)), "r");
        fails("acl/READ denies set", Code.NOAUTH, () -> anon.setData(ro, b(""), -1));
        fails("acl/READ denies create of a child (needs CREATE)", Code.NOAUTH,
            () -> anon.create(ro + "/x", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
        fails("acl/empty ACL -> INVALIDACL", Code.INVALIDACL,
            () -> owner.create(root + "/noacl", b(""), new ArrayList<>(), CreateMode.PERSISTENT));
        owner.close();
        stranger.close();
        anon.close();
    }

    static void multi(ZooKeeper zk, String root) throws Exception {
        String p = zk.create(root + "/m", b("v0"), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        List<OpResult> res = zk.multi(Arrays.asList(
            Op.create(p + "/a", b("A"), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
            Op.create(p + "/s-", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_SEQUENTIAL),
            Op.setData(p, b("v1"), 0),
            Op.check(p, 1),
            Op.delete(p + "/a", 0)));
        eq("multi/success results", res.size(), 5);
        eq("multi/success create path", ((OpResult.CreateResult) res.get(0)).getPath(), p + "/a");
        eq("multi/success sequential path", ((OpResult.CreateResult) res.get(1)).getPath(), p + "/s-0000000001");
        Stat ss = ((OpResult.SetDataResult) res.get(2)).getStat();
        eq("multi/success setData stat version", ss.getVersion(), 1);
        check("multi/success check result", res.get(3) instanceof OpResult.CheckResult, res.get(3));
        check("multi/success delete result", res.get(4) instanceof OpResult.DeleteResult, res.get(4));
        eq("multi/success one zxid for all ops", zk.exists(p + "/s-0000000001", false).getCzxid(), ss.getMzxid());

        try {
            zk.multi(Arrays.asList(
                Op.create(p + "/b", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
                Op.check(p, 7),
                Op.setData(p, b("v2"), -1)));
            check("multi/failure throws", false, "no exception");
        } catch (KeeperException e) {
            eq("multi/failure code is the failing op's", e.code(), Code.BADVERSION);
            List<OpResult> r = e.getResults();
            check("multi/failure per-op results", r != null && r.size() == 3, r);
            int[] errs = new int[3];
            for (int i = 0; i < 3; i++) errs[i] = ((OpResult.ErrorResult) r.get(i)).getErr();
            eq("multi/failure per-op codes (ok-before, failing, runtime-inconsistency-after)",
                Arrays.toString(errs), Arrays.toString(new int[] {0, Code.BADVERSION.intValue(), Code.RUNTIMEINCONSISTENCY.intValue()}));
        }
        eq("multi/failure nothing applied", zk.exists(p + "/b", false), null);
        eq("multi/failure data unchanged", s(zk.getData(p, false, null)), "v1");

        // read-only multi (multiRead)
        List<OpResult> rr = zk.multi(Arrays.asList(Op.getData(p), Op.getChildren(p), Op.getData(root + "/none")));
        eq("multiRead getData", s(((OpResult.GetDataResult) rr.get(0)).getData()), "v1");
        eq("multiRead getChildren", ((OpResult.GetChildrenResult) rr.get(1)).getChildren(), Arrays.asList("s-0000000001"));
        eq("multiRead error stands alone", ((OpResult.ErrorResult) rr.get(2)).getErr(), Code.NONODE.intValue());
    }

    static void watches(ZooKeeper zk, String root) throws Exception {
        String p = zk.create(root + "/w", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        BlockingQueue<WatchedEvent> dq = new LinkedBlockingQueue<>();
        BlockingQueue<WatchedEvent> cq = new LinkedBlockingQueue<>();
        BlockingQueue<WatchedEvent> xq = new LinkedBlockingQueue<>();
        Watcher dw = dq::add, cw = cq::add, xw = xq::add;

        eq("watch/exists missing", zk.exists(p + "/x", xw), null);
        zk.getChildren(p, cw);
        zk.create(p + "/x", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        eq("watch/exist watch fires NodeCreated", ev(next("watch/exist", xq)), "NodeCreated " + p + "/x");
        eq("watch/child watch fires NodeChildrenChanged", ev(next("watch/child", cq)), "NodeChildrenChanged " + p);

        zk.getData(p + "/x", dw, null);
        zk.setData(p + "/x", b("1"), -1);
        WatchedEvent de = next("watch/data", dq);
        eq("watch/data watch fires NodeDataChanged", ev(de), "NodeDataChanged " + p + "/x");
        eq("watch/event state", de.getState(), KeeperState.SyncConnected);
        zk.setData(p + "/x", b("2"), -1);
        zk.getData(p + "/x", false, null); // round trip: a second event would be queued by now
        eq("watch/one-shot: no second event", dq.poll(), null);

        zk.exists(p + "/x", dw);
        zk.getChildren(p + "/x", cw);
        zk.delete(p + "/x", -1);
        List<String> evs = new ArrayList<>(Arrays.asList(ev(next("watch/delete data", dq)), ev(next("watch/delete child", cq))));
        eq("watch/delete fires data and child watches", evs, Arrays.asList("NodeDeleted " + p + "/x", "NodeDeleted " + p + "/x"));

        // one watcher on a node's data and its parent's children: order is node first
        BlockingQueue<WatchedEvent> oq = new LinkedBlockingQueue<>();
        Watcher ow = oq::add;
        zk.exists(p + "/y", ow);
        zk.getChildren(p, ow);
        zk.create(p + "/y", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        eq("watch/order: NodeCreated then parent NodeChildrenChanged",
            Arrays.asList(ev(next("watch/order 1", oq)), ev(next("watch/order 2", oq))),
            Arrays.asList("NodeCreated " + p + "/y", "NodeChildrenChanged " + p));

        // removeWatches: one-shot data and child watches
        zk.getData(p + "/y", dw, null);
        zk.removeWatches(p + "/y", dw, Watcher.WatcherType.Data, false);
        eq("watch/removeWatches data -> DataWatchRemoved", ev(next("watch/remove data", dq)), "DataWatchRemoved " + p + "/y");
        zk.getChildren(p + "/y", cw);
        zk.removeWatches(p + "/y", cw, Watcher.WatcherType.Children, false);
        eq("watch/removeWatches child -> ChildWatchRemoved", ev(next("watch/remove child", cq)), "ChildWatchRemoved " + p + "/y");
        fails("watch/removeWatches with none -> NOWATCHER", Code.NOWATCHER,
            () -> { zk.removeWatches(p + "/y", dw, Watcher.WatcherType.Data, false); return null; });
        zk.setData(p + "/y", b("z"), -1);
        zk.getData(p + "/y", false, null);
        eq("watch/removed watch does not fire", dq.poll(), null);

        // persistent
        BlockingQueue<WatchedEvent> pq = new LinkedBlockingQueue<>();
        Watcher pw = pq::add;
        String q = zk.create(root + "/pw", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        zk.addWatch(q, pw, AddWatchMode.PERSISTENT);
        zk.setData(q, b("1"), -1);
        zk.setData(q, b("2"), -1);
        zk.create(q + "/k", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        zk.setData(q + "/k", b("1"), -1); // not watched: a persistent watch is not recursive
        zk.delete(q + "/k", -1);
        zk.delete(q, -1);
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 5; i++) got.add(ev(next("watch/persistent " + i, pq)));
        eq("watch/persistent events in order", got, Arrays.asList(
            "NodeDataChanged " + q, "NodeDataChanged " + q, "NodeChildrenChanged " + q,
            "NodeChildrenChanged " + q, "NodeDeleted " + q));
        zk.create(q, b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        eq("watch/persistent survives delete and fires on re-create", ev(next("watch/persistent recreate", pq)), "NodeCreated " + q);
        zk.removeWatches(q, pw, Watcher.WatcherType.Any, false);
        eq("watch/removeWatches persistent -> PersistentWatchRemoved", ev(next("watch/persistent removed", pq)),
            "PersistentWatchRemoved " + q);
        zk.setData(q, b("3"), -1);
        zk.getData(q, false, null);
        eq("watch/removed persistent watch is silent", pq.poll(), null);

        // persistent recursive
        BlockingQueue<WatchedEvent> rq = new LinkedBlockingQueue<>();
        Watcher rw = rq::add;
        String r = root + "/pr";
        zk.addWatch(r, rw, AddWatchMode.PERSISTENT_RECURSIVE);
        zk.create(r, b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        zk.create(r + "/a", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        zk.create(r + "/a/b", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        zk.setData(r + "/a/b", b("x"), -1);
        zk.delete(r + "/a/b", -1);
        zk.create(r + "x", b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT); // a sibling with the same prefix
        got.clear();
        for (int i = 0; i < 5; i++) got.add(ev(next("watch/recursive " + i, rq)));
        eq("watch/recursive events in order, no child events", got, Arrays.asList(
            "NodeCreated " + r, "NodeCreated " + r + "/a", "NodeCreated " + r + "/a/b",
            "NodeDataChanged " + r + "/a/b", "NodeDeleted " + r + "/a/b"));
        zk.getData(r, false, null);
        eq("watch/recursive ignores a prefix-sharing sibling", rq.poll(), null);

        // a change by another session fires this session's watch
        ZooKeeper other = newClient();
        zk.getData(r + "/a", dw, null);
        other.setData(r + "/a", b("o"), -1);
        eq("watch/cross-session", ev(next("watch/cross-session", dq)), "NodeDataChanged " + r + "/a");
        other.close();
    }

    static void session(ZooKeeper zk, String root) throws Exception {
        check("session/id nonzero", zk.getSessionId() != 0, zk.getSessionId());
        eq("session/password length", zk.getSessionPasswd().length, 16);
        check("session/negotiated timeout positive", zk.getSessionTimeout() > 0, zk.getSessionTimeout());
        // resume the session on a second connection
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper twin = new ZooKeeper(connect, 10_000, e -> {
            if (e.getState() == KeeperState.SyncConnected) connected.countDown();
        }, zk.getSessionId(), zk.getSessionPasswd());
        clients.add(twin);
        check("session/resume connects", connected.await(15, TimeUnit.SECONDS), null);
        eq("session/resume keeps id", twin.getSessionId(), zk.getSessionId());
        // a wrong password is refused with an expired session
        byte[] bad = zk.getSessionPasswd().clone();
        bad[0] ^= 1;
        CountDownLatch expired = new CountDownLatch(1);
        ZooKeeper wrong = new ZooKeeper(connect, 10_000, e -> {
            if (e.getState() == KeeperState.Expired) expired.countDown();
        }, zk.getSessionId(), bad);
        clients.add(wrong);
        check("session/wrong password -> Expired", expired.await(15, TimeUnit.SECONDS), null);
        twin.close();
    }

    interface Group { void run(ZooKeeper zk, String root) throws Exception; }

    public static void main(String[] argv) throws Exception {
        List<String> args = new ArrayList<>(Arrays.asList(argv));
        String spec = System.getenv().getOrDefault("ZK_SPEC", "3.9");
        int i = args.indexOf("--spec");
        if (i >= 0) {
            spec = args.get(i + 1);
            args.remove(i + 1);
            args.remove(i);
        }
        connect = args.isEmpty() ? System.getenv().getOrDefault("ZK_CONNECT", "") : args.get(0);
        if (connect.isEmpty() || !(spec.equals("3.8") || spec.equals("3.9"))) {
            System.err.println("usage: JavaCheck host:port [--spec 3.8|3.9] (or set ZK_CONNECT)");
            System.exit(2);
        }
        zk39 = spec.equals("3.9");
        String run = "/java" + Long.toHexString(new Random().nextLong() & 0xffffffffL);
        System.out.println("JavaCheck against " + connect + " (spec " + spec + "), root " + run);

        String[] names = {"modes", "getset", "children", "acl", "multi", "watch", "session"};
        Group[] groups = {JavaCheck::modes, JavaCheck::getset, JavaCheck::children, JavaCheck::acl,
            JavaCheck::multi, JavaCheck::watches, JavaCheck::session};
        try {
            ZooKeeper zk = newClient();
            zk.create(run, b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            for (int g = 0; g < groups.length; g++) {
                String root = zk.create(run + "/" + names[g], b(""), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
                try {
                    groups[g].run(zk, root);
                    System.out.println("ok   " + names[g]);
                } catch (CheckFailed e) {
                    // already reported
                } catch (Exception e) {
                    System.out.println("FAIL " + names[g] + ": unexpected " + e);
                    e.printStackTrace(System.out);
                    failures.add(names[g]);
                }
            }
        } catch (CheckFailed e) {
            // already reported
        }
        for (ZooKeeper c : clients) c.close();
        if (!failures.isEmpty()) {
            System.out.println("JavaCheck: " + failures.size() + " check(s) failed: " + String.join(", ", failures));
            System.exit(1);
        }
        System.out.println("JavaCheck: all checks passed");
        System.exit(0);
    }
}
