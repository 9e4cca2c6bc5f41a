package zkserver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Ensemble is a quorum of ZooKeeper servers on loopback, each with its own
// client, quorum and election ports and data directory.
type Ensemble struct {
	dir     string
	ownDir  bool
	members []*Server
	once    sync.Once
	err     error
}

// StartEnsemble starts n ZooKeeper servers forming one ensemble for the test
// and stops them when it ends. It returns once every member serves (srvr
// reports leader or follower). It skips the test if ZooKeeper is missing.
func StartEnsemble(t testing.TB, n int, opts Options) *Ensemble {
	t.Helper()
	if ok, why := Available(); !ok {
		t.Skip(why)
	}
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	e, err := LaunchEnsemble(n, opts)
	if err != nil {
		t.Fatalf("zkserver: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("zkserver: close ensemble: %v", err)
		}
	})
	return e
}

// LaunchEnsemble starts n servers forming one ensemble; the caller must Close
// it. Members live in subdirectories s1..sn of opts.Dir (a new temporary
// directory if empty).
func LaunchEnsemble(n int, opts Options) (*Ensemble, error) {
	if ok, why := Available(); !ok {
		return nil, errors.New(why)
	}
	if n < 1 {
		return nil, errors.New("zkserver: an ensemble needs at least one member")
	}
	ports, err := freePorts(3 * n)
	if err != nil {
		return nil, err
	}
	dir, own := opts.Dir, false
	if dir == "" {
		if dir, err = os.MkdirTemp("", "zkensemble-"); err != nil {
			return nil, err
		}
		own = true
	}
	e := &Ensemble{dir: dir, ownDir: own}
	peers := map[string]string{}
	for i := range n {
		// server.N=host:quorumPort:electionPort;clientHost:clientPort
		peers["server."+strconv.Itoa(i+1)] = fmt.Sprintf("127.0.0.1:%d:%d;127.0.0.1:%d", ports[3*i+1], ports[3*i+2], ports[3*i])
	}
	ready := func(addr string) error {
		_, err := Mode(addr, time.Second)
		return err
	}
	for i := range n {
		mdir := filepath.Join(dir, "s"+strconv.Itoa(i+1))
		mopts := opts
		mopts.Dir = mdir
		s, err := newServer(mdir, false, mopts, ports[3*i], peers, i+1, ready)
		if err != nil {
			e.Close()
			return nil, err
		}
		e.members = append(e.members, s)
	}
	// Members start together: none can serve until a quorum has formed,
	// so each is launched first and awaited after.
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, s := range e.members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.start()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// Members returns the ensemble's servers; Members()[i] has myid i+1.
func (e *Ensemble) Members() []*Server { return e.members }

// Member returns the server whose myid is id (1-based).
func (e *Ensemble) Member(id int) *Server { return e.members[id-1] }

// Addr returns the connect string of every member, "host:port,host:port,...".
func (e *Ensemble) Addr() string {
	addrs := make([]string, len(e.members))
	for i, s := range e.members {
		addrs[i] = s.Addr()
	}
	return strings.Join(addrs, ",")
}

// Leader returns the myid of the member that reports itself leader, or 0.
func (e *Ensemble) Leader() int {
	for i, s := range e.members {
		if s.Pid() == 0 {
			continue
		}
		if m, err := Mode(s.Addr(), time.Second); err == nil && m == "leader" {
			return i + 1
		}
	}
	return 0
}

// Stop kills member id (1-based); Start brings it back.
func (e *Ensemble) Stop(id int) { e.members[id-1].Stop() }

// Start restarts member id and waits until it serves again (which needs a
// quorum of members running).
func (e *Ensemble) Start(id int) error { return e.members[id-1].Restart() }

// Close stops every member and removes the ensemble's temporary directory
// (unless Options.Dir named it). It is idempotent.
func (e *Ensemble) Close() error {
	e.once.Do(func() {
		var errs []error
		for _, s := range e.members {
			errs = append(errs, s.Close())
		}
		if e.ownDir {
			errs = append(errs, os.RemoveAll(e.dir))
		}
		e.err = errors.Join(errs...)
	})
	return e.err
}
