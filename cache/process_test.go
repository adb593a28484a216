package cache

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary act as one of several competing processes
// (see TestFetchConcurrentProcesses).
func TestMain(m *testing.M) {
	if dir := os.Getenv("STSLIB_CACHE_CHILD_DIR"); dir != "" {
		os.Exit(child(dir))
	}
	os.Exit(m.Run())
}

// child runs one Fetch against the cache in dir. Its refresh appends a line
// to dir/refreshes and holds the lock for a while so the others queue.
func child(dir string) int {
	c := &Cache{Dir: filepath.Join(dir, "cache"), Backend: dirBackend{filepath.Join(dir, "backend")}}
	e, _, err := c.Fetch(context.Background(), testKey, 15*time.Minute, func(context.Context, *Entry) (*Entry, error) {
		f, err := os.OpenFile(filepath.Join(dir, "refreshes"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, err
		}
		fmt.Fprintln(f, os.Getpid())
		f.Close()
		time.Sleep(200 * time.Millisecond)
		return &Entry{Data: fmt.Appendf(nil, "from-%d", os.Getpid()), Expires: time.Now().Add(time.Hour)}, nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Print(string(e.Data))
	return 0
}

func TestFetchConcurrentProcesses(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const n = 5
	cmds := make([]*exec.Cmd, n)
	outs := make([]*strings.Builder, n)
	for i := range n {
		cmds[i] = exec.Command(exe, "-test.run=^$")
		cmds[i].Env = append(os.Environ(), "STSLIB_CACHE_CHILD_DIR="+dir)
		outs[i] = new(strings.Builder)
		cmds[i].Stdout = outs[i]
		cmds[i].Stderr = os.Stderr
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("process %d: %v", i, err)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "refreshes"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Fields(string(b)); len(lines) != 1 {
		t.Fatalf("refresh ran in %d processes (%v), want exactly 1", len(lines), lines)
	}
	for i := 1; i < n; i++ {
		if outs[i].String() != outs[0].String() || !strings.HasPrefix(outs[0].String(), "from-") {
			t.Errorf("process %d got %q, process 0 got %q; want the same record", i, outs[i], outs[0])
		}
	}
}
