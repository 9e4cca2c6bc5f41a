package interop

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestClients runs every client script against every target, starting one
// server per target and reusing it for all the scripts. Each script checks
// the answers itself and exits non-zero naming the checks that failed.
func TestClients(t *testing.T) {
	scripts, err := filepath.Abs("scripts")
	if err != nil {
		t.Fatal(err)
	}
	// JavaCheck is compiled once, on first use, into TestClients' own
	// temporary directory so every target reuses it.
	classDir := t.TempDir()
	compiled := false
	compileJava := func(t *testing.T) string {
		t.Helper()
		if compiled {
			return classDir
		}
		out, err := exec.Command("javac", "-cp", zkJar+string(os.PathListSeparator)+juteJar,
			"-d", classDir, filepath.Join(scripts, "JavaCheck.java")).CombinedOutput()
		if err != nil {
			t.Fatalf("javac JavaCheck.java: %v\n%s", err, out)
		}
		compiled = true
		return classDir
	}

	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			addr := tg.start(t)
			t.Run("kazoo", func(t *testing.T) {
				if why := kazooMissing(); why != "" {
					t.Skip(why)
				}
				runScript(t, "kazoo_check.py", debianPython, filepath.Join(scripts, "kazoo_check.py"), addr, "--spec", tg.spec)
			})
			t.Run("java", func(t *testing.T) {
				if why := javaMissing(); why != "" {
					t.Skip(why)
				}
				classes := compileJava(t)
				cp := classes + string(os.PathListSeparator) + zkJar
				if _, err := os.Stat(slf4jNopJar); err == nil {
					cp += string(os.PathListSeparator) + slf4jNopJar
				}
				runScript(t, "JavaCheck", "java", "-cp", cp, "JavaCheck", addr, "--spec", tg.spec)
			})
			t.Run("cli_mt", func(t *testing.T) {
				if why := cliMtMissing(); why != "" {
					t.Skip(why)
				}
				py, _ := python()
				runScript(t, "cli_mt_check.py", py, filepath.Join(scripts, "cli_mt_check.py"), addr, "--spec", tg.spec, "--cli", cliMtPath)
			})
			t.Run("zkCli", func(t *testing.T) {
				if why := zkCliMissing(); why != "" {
					t.Skip(why)
				}
				runScript(t, "zkcli_check.sh", "bash", filepath.Join(scripts, "zkcli_check.sh"), addr, "--spec", tg.spec)
			})
		})
	}
}
