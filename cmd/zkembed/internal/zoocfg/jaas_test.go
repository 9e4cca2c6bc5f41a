package zoocfg

import (
	"errors"
	"testing"
)

func TestJAAS(t *testing.T) {
	j, err := ParseJAAS(`
/* ZooKeeper's server side */
Server {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       user_super="adminsecret"
       user_bob="bob \"secret\"";   // a comment
};
# the client side
Client {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       username="bob"
       password="bob \"secret\"";
};`)
	if err != nil {
		t.Fatal(err)
	}
	users, err := j.ServerUsers("Server")
	if err != nil || len(users) != 2 || users["bob"] != `bob "secret"` || users["super"] != "adminsecret" {
		t.Fatalf("users %v, %v", users, err)
	}
	if u, p, err := j.ClientCredentials("Client"); err != nil || u != "bob" || p != `bob "secret"` {
		t.Fatalf("client %q %v", u, err)
	}
	if _, err := j.ServerUsers("Other"); err == nil {
		t.Fatal("missing section accepted")
	}
	krb, err := ParseJAAS(`Server { com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="/k" principal="zookeeper/host@REALM"; };`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := krb.ServerUsers("Server"); !errors.Is(err, ErrGSSAPI) {
		t.Fatalf("Kerberos: %v", err)
	}
	for _, bad := range []string{
		`Server { x required a="b" }`,
		`Server { x maybe; };`,
		`Server { x required a="b; };`,
		`Server x required; };`,
		`Server { x required a=; };`,
		`/* open`,
	} {
		if _, err := ParseJAAS(bad); err == nil {
			t.Errorf("ParseJAAS(%q) accepted", bad)
		}
	}
}
