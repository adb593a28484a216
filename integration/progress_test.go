//go:build integration

package integration_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"

	"github.com/stslib/stslib-proc/internal/testenv"
)

// TestSyncProgressOnATerminal: with stderr on a terminal, sync prints one
// progress line per role; without one (the other tests), none.
func TestSyncProgressOnATerminal(t *testing.T) {
	testenv.Tool(t, "/usr/bin/oathtool")
	w := syncWorld(t, "")
	cmd := exec.Command(w.Bin, "sync")
	cmd.Env = w.Environ()
	cmd.Dir = w.Dir
	f, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	_, err = io.Copy(&out, f)
	var pe *fs.PathError
	if err != nil && !errors.As(err, &pe) && !errors.Is(err, syscall.EIO) {
		t.Fatalf("read pty: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sync: %v\n%s", err, out.String())
	}
	for _, role := range []string{"DynamoDBRole-dev", "CodeDeployRole-qa"} {
		if !strings.Contains(out.String(), "✓ "+role) {
			t.Errorf("no progress line for %s on the terminal:\n%s", role, out.String())
		}
	}
	plain := w.MustRun("sync", "--force")
	if strings.Contains(plain.Stderr, "✓") {
		t.Errorf("progress lines without a terminal:\n%s", plain.Stderr)
	}
}
