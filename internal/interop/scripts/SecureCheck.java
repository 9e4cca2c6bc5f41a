import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.ClientInfo;
import org.apache.zookeeper.data.Id;

/**
 * SecureCheck drives a ZooKeeper server over TLS (Netty client socket, PKCS12
 * stores) with SASL DIGEST-MD5 from a JAAS Client section, all configured by
 * system properties as a Java application would. Usage:
 * java -Dzookeeper.client.secure=true ... SecureCheck host:port x509DN saslUser
 * It prints "ok NAME" or "FAIL NAME: why" per check and exits 1 on a failure.
 */
public class SecureCheck {
    static int failures = 0;

    static void check(String name, boolean ok, String why) {
        if (ok) {
            System.out.println("ok " + name);
        } else {
            failures++;
            System.out.println("FAIL " + name + ": " + why);
        }
    }

    public static void main(String[] args) throws Exception {
        String addr = args[0], dn = args[1], user = args[2];
        CountDownLatch connected = new CountDownLatch(1);
        CountDownLatch sasl = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(addr, 10000, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
            if (e.getState() == Watcher.Event.KeeperState.SaslAuthenticated) {
                sasl.countDown();
            }
        });
        try {
            check("connect over TLS", connected.await(20, TimeUnit.SECONDS), "no SyncConnected in 20s");
            check("SASL DIGEST-MD5", sasl.await(20, TimeUnit.SECONDS), "no SaslAuthenticated in 20s");
            List<ClientInfo> ids = zk.whoAmI();
            boolean x509 = false, saslId = false;
            for (ClientInfo ci : ids) {
                x509 |= ci.getAuthScheme().equals("x509") && ci.getUser().equals(dn);
                saslId |= ci.getAuthScheme().equals("sasl") && ci.getUser().equals(user);
            }
            check("whoAmI x509", x509, "identities " + ids);
            check("whoAmI sasl", saslId, "identities " + ids);
            String p = "/java-secure";
            List<ACL> acl = new java.util.ArrayList<>(List.of(new ACL(ZooDefs.Perms.ALL, new Id("x509", dn)), new ACL(ZooDefs.Perms.READ, new Id("sasl", user))));
            zk.create(p, "v".getBytes(), acl, CreateMode.EPHEMERAL);
            check("read own x509/sasl ACL", new String(zk.getData(p, false, null)).equals("v"), "data differs");
            check("getACL", zk.getACL(p, null).equals(acl), "acl " + zk.getACL(p, null));
            try {
                zk.setData("/secure-locked", "x".getBytes(), -1);
                check("NoAuth on another's node", false, "setData succeeded");
            } catch (KeeperException.NoAuthException e) {
                check("NoAuth on another's node", true, "");
            }
        } finally {
            zk.close();
        }
        System.exit(failures == 0 ? 0 : 1);
    }
}
