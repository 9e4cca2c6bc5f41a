package zkserver

import (
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStartAnswersFourLetterWords(t *testing.T) {
	s := Start(t, Options{MaxSessionTimeout: 10 * time.Second})
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") {
		t.Fatalf("Addr() = %q, want 127.0.0.1:port", s.Addr())
	}
	out, err := FourLetter(s.Addr(), "ruok", time.Second)
	if err != nil || out != "imok" {
		t.Fatalf("ruok = %q, %v; want imok", out, err)
	}
	mode, err := Mode(s.Addr(), time.Second)
	if err != nil || mode != "standalone" {
		t.Fatalf("Mode = %q, %v; want standalone", mode, err)
	}
	conf, err := FourLetter(s.Addr(), "conf", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"tickTime=200", "maxSessionTimeout=10000"} {
		if !strings.Contains(conf, want) {
			t.Errorf("conf lacks %q:\n%s", want, conf)
		}
	}
}

func TestStopRestartClose(t *testing.T) {
	s := Start(t, Options{})
	pid := s.Pid()
	if pid == 0 {
		t.Fatal("Pid() = 0 for a running server")
	}
	s.Stop()
	if s.Pid() != 0 {
		t.Fatal("Pid() != 0 after Stop")
	}
	if _, err := FourLetter(s.Addr(), "ruok", 200*time.Millisecond); err == nil {
		t.Fatal("stopped server still answers")
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if out, err := FourLetter(s.Addr(), "ruok", time.Second); err != nil || out != "imok" {
		t.Fatalf("after Restart ruok = %q, %v", out, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := s.Restart(); err == nil {
		t.Fatal("Restart after Close succeeded")
	}
}

func TestBadConfigFailsWithLogTail(t *testing.T) {
	if ok, why := Available(); !ok {
		t.Skip(why)
	}
	_, err := Launch(Options{Config: map[string]string{"tickTime": "not-a-number"}, Dir: t.TempDir(), StartTimeout: 30 * time.Second})
	if err == nil {
		t.Fatal("Launch with a bad tickTime succeeded")
	}
	if !strings.Contains(err.Error(), "last lines of") {
		t.Fatalf("error lacks the log tail: %v", err)
	}
	if testing.Verbose() {
		t.Log(err)
	}
}

func TestEnsembleFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("ensemble of three JVMs skipped in -short mode")
	}
	e := StartEnsemble(t, 3, Options{})
	if n := strings.Count(e.Addr(), ","); n != 2 {
		t.Fatalf("Addr() = %q, want three members", e.Addr())
	}
	leader := e.Leader()
	if leader == 0 {
		t.Fatal("no leader in a started ensemble")
	}
	e.Stop(leader)
	// The two survivors elect a new leader; wait for it, bounded.
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for l := e.Leader(); l == 0 || l == leader; l = e.Leader() {
		select {
		case <-deadline:
			t.Fatal("no new leader within 30s of stopping the old one")
		case <-tick.C:
		}
	}
	if err := e.Start(leader); err != nil {
		t.Fatal(err)
	}
	if m, err := Mode(e.Member(leader).Addr(), time.Second); err != nil || m != "follower" {
		t.Fatalf("restarted member mode = %q, %v; want follower", m, err)
	}
}
