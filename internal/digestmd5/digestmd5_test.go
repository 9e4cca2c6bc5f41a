package digestmd5

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestRFC2831Example checks the digests against the worked example of RFC
// 2831 section 4.
func TestRFC2831Example(t *testing.T) {
	p := params{user: "chris", realm: "elwood.innosoft.com", password: "secret", nonce: "OA6MG9tEQGm2hh",
		cnonce: "OA6MHXh6VqTrRk", nc: "00000001", qop: "auth", uri: "imap/elwood.innosoft.com"}
	if got, want := p.digest("AUTHENTICATE"), "d388dad90d4bbd760a152321f2143af7"; got != want {
		t.Errorf("response = %s, want %s", got, want)
	}
	if got, want := p.digest(""), "ea40f60335c427b5527b84dbabcdfffd"; got != want {
		t.Errorf("rspauth = %s, want %s", got, want)
	}
}

func users(u string) (string, bool) {
	switch u {
	case "bob":
		return "bob-secret", true
	case "zoë":
		return "pässwörd✓", true
	}
	return "", false
}

// exchange runs a whole exchange and returns the server's error, if any.
func exchange(t *testing.T, s *Server, c *Client) error {
	t.Helper()
	tok, _, err := c.Step(nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		out, done, err := s.Step(tok)
		if err != nil {
			return err
		}
		tok, _, err = c.Step(out)
		if err != nil {
			t.Fatalf("client: %v", err)
		}
		if done {
			return nil
		}
	}
	t.Fatal("exchange did not finish")
	return nil
}

func TestExchange(t *testing.T) {
	for _, u := range []struct{ user, pass string }{{"bob", "bob-secret"}, {"zoë", "pässwörd✓"}} {
		s := &Server{Lookup: users}
		c := &Client{User: u.user, Password: u.pass}
		if err := exchange(t, s, c); err != nil {
			t.Fatalf("%s: %v", u.user, err)
		}
		if s.User() != u.user || c.step != 3 {
			t.Fatalf("user %q, client step %d", s.User(), c.step)
		}
		// A further token after completion fails.
		if _, _, err := s.Step([]byte("x=y")); !errors.Is(err, ErrFailed) {
			t.Fatalf("step after completion: %v", err)
		}
	}
}

func TestRefusals(t *testing.T) {
	// Wrong password, unknown user: the same message, no secret in it.
	for _, c := range []*Client{{User: "bob", Password: "nope-42"}, {User: "eve", Password: "bob-secret"}} {
		err := exchange(t, &Server{Lookup: users}, c)
		if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "wrong user name or password") {
			t.Fatalf("%s: %v", c.User, err)
		}
		if strings.Contains(err.Error(), c.Password) || strings.Contains(err.Error(), "bob-secret") {
			t.Fatalf("error carries a secret: %v", err)
		}
	}
	// A response replayed to another exchange (another nonce) fails.
	s1 := &Server{Lookup: users}
	c1 := &Client{User: "bob", Password: "bob-secret"}
	ch, _, _ := s1.Step(nil)
	c1.Step(nil)
	resp, _, err := c1.Step(ch)
	if err != nil {
		t.Fatal(err)
	}
	s2 := &Server{Lookup: users}
	s2.Step(nil)
	if _, _, err := s2.Step(resp); !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "nonce") {
		t.Fatalf("replayed response: %v", err)
	}
	// And after one failure the exchange stays failed, even with the right response.
	if _, _, err := s2.Step(resp); !errors.Is(err, ErrFailed) {
		t.Fatalf("step after failure: %v", err)
	}
	// The first token must be empty.
	if _, _, err := (&Server{Lookup: users}).Step(resp); !errors.Is(err, ErrFailed) {
		t.Fatalf("non-empty first token: %v", err)
	}
	// Malformed second tokens.
	for _, tok := range []string{"", "garbage", `username="bob`, "username=bob,username=bob", strings.Repeat("a", MaxTokenLength+1)} {
		s := &Server{Lookup: users}
		s.Step(nil)
		if _, _, err := s.Step([]byte(tok)); !errors.Is(err, ErrFailed) {
			t.Fatalf("%.40q: %v", tok, err)
		}
	}
	// A server whose rspauth is wrong is refused by the client.
	c := &Client{User: "bob", Password: "bob-secret"}
	c.Step(nil)
	if _, _, err := c.Step([]byte(`realm="zk-sasl-md5",nonce="abc",qop="auth"`)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Step([]byte("rspauth=00000000000000000000000000000000")); !errors.Is(err, ErrFailed) {
		t.Fatalf("bad rspauth: %v", err)
	}
}

func TestParse(t *testing.T) {
	d, err := Parse([]byte(` realm="zk-sasl-md5" , nonce="a\"b,c",qop="auth,auth-int" ,, charset=utf-8,realm="other"`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"realm": "zk-sasl-md5", "nonce": `a"b,c`, "qop": "auth,auth-int", "charset": "utf-8"}
	if len(d) != len(want) {
		t.Fatalf("got %v", d)
	}
	for k, v := range want {
		if d[k] != v {
			t.Fatalf("%s = %q, want %q", k, d[k], v)
		}
	}
}

// FuzzParse checks that the token parser never panics and that what it
// accepts survives a round trip through quoting.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`realm="zk-sasl-md5",nonce="abc",charset=utf-8,algorithm=md5-sess`))
	f.Add([]byte(`charset=utf-8,username="bob",realm="zk-sasl-md5",nonce="n",nc=00000001,cnonce="c",digest-uri="zookeeper/zk-sasl-md5",maxbuf=65536,response=0123456789abcdef0123456789abcdef,qop=auth`))
	f.Add([]byte(`a="\"\\",b=c`))
	f.Add([]byte(`rspauth=`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Parse(b)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		for k, v := range d {
			if buf.Len() > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(k + `="` + quote(v) + `"`)
		}
		d2, err := Parse(buf.Bytes())
		if err != nil && buf.Len() <= MaxTokenLength {
			t.Fatalf("re-parse of %q: %v", buf.Bytes(), err)
		}
		for k, v := range d2 {
			if d[k] != v {
				t.Fatalf("%s: %q != %q", k, d[k], v)
			}
		}
		// A server never panics on it either.
		s := &Server{Lookup: users}
		s.Step(nil)
		s.Step(b)
	})
}
