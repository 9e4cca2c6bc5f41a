package crash

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	binary = os.Getenv("ZKEMBED_BIN")
	var tmp string
	if binary == "" {
		var err error
		tmp, err = os.MkdirTemp("", "zkembed-crash-bin")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		binary = filepath.Join(tmp, "zkembed")
		build := exec.Command("go", "build", "-o", binary, "github.com/zkembed/zkembed/cmd/zkembed")
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building zkembed: %v\n%s", err, out)
			os.RemoveAll(tmp)
			os.Exit(1)
		}
	}
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
	}))
}
