package interop

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// Where Debian installs the clients.
const (
	debianPython = "/usr/bin/python3"
	cliMtPath    = "/usr/lib/zookeeper/bin/cli_mt"
	zkCliPath    = "/usr/share/zookeeper/bin/zkCli.sh"
	zkJar        = "/usr/share/java/zookeeper.jar"
	juteJar      = "/usr/share/java/zookeeper-jute.jar"
	slf4jNopJar  = "/usr/share/java/slf4j-nop.jar"
)

// scriptTimeout bounds one client script run.
const scriptTimeout = 150 * time.Second

// kazooMissing says why kazoo cannot run here, or "" if it can.
var kazooMissing = sync.OnceValue(func() string {
	if _, err := os.Stat(debianPython); err != nil {
		return "kazoo check skipped: no " + debianPython + " (Debian's python3 with python3-kazoo)"
	}
	out, err := exec.Command(debianPython, "-c", "import kazoo").CombinedOutput()
	if err != nil {
		return "kazoo check skipped: " + debianPython + " cannot import kazoo (apt-get install python3-kazoo): " + strings.TrimSpace(string(out))
	}
	return ""
})

// javaMissing says why the Java client cannot be compiled and run here.
func javaMissing() string {
	for _, tool := range []string{"java", "javac"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "Java client check skipped: no " + tool + " on PATH (apt-get install default-jdk-headless)"
		}
	}
	for _, jar := range []string{zkJar, juteJar} {
		if _, err := os.Stat(jar); err != nil {
			return "Java client check skipped: no " + jar + " (apt-get install zookeeper)"
		}
	}
	return ""
}

// python returns a python3 for the stdlib-only scripts.
func python() (string, error) {
	if _, err := os.Stat(debianPython); err == nil {
		return debianPython, nil
	}
	p, err := exec.LookPath("python3")
	if err != nil {
		return "", errors.New("no python3")
	}
	return p, nil
}

// cliMtMissing says why cli_mt cannot be driven here.
func cliMtMissing() string {
	if fi, err := os.Stat(cliMtPath); err != nil || fi.Mode()&0o111 == 0 {
		return "cli_mt check skipped: no executable " + cliMtPath + " (apt-get install zookeeper-bin)"
	}
	if _, err := python(); err != nil {
		return "cli_mt check skipped: no python3 to drive it"
	}
	return ""
}

// zkCliMissing says why the zkCli.sh smoke check cannot run here.
func zkCliMissing() string {
	if _, err := os.Stat(zkCliPath); err != nil {
		return "zkCli.sh check skipped: no " + zkCliPath + " (apt-get install zookeeper)"
	}
	for _, tool := range []string{"bash", "java", "base64"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "zkCli.sh check skipped: no " + tool + " on PATH"
		}
	}
	if _, err := exec.LookPath("openssl"); err != nil {
		_, e1 := exec.LookPath("sha1sum")
		_, e2 := exec.LookPath("xxd")
		if e1 != nil || e2 != nil {
			return "zkCli.sh check skipped: neither openssl nor sha1sum and xxd to compute a digest"
		}
	}
	return ""
}

// runScript runs a client script to completion (bounded by scriptTimeout)
// and fails t, quoting the script's FAIL lines and its output, unless it
// exits 0.
func runScript(t *testing.T, name string, argv ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish within %v; output:\n%s", name, scriptTimeout, out.String())
	}
	if err != nil {
		var fails []string
		for _, line := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(line, "FAIL ") {
				fails = append(fails, line)
			}
		}
		t.Fatalf("%s: %v\nfailed checks:\n%s\n---- full output:\n%s", name, err, strings.Join(fails, "\n"), out.String())
	}
	t.Logf("%s passed:\n%s", name, out.String())
}
