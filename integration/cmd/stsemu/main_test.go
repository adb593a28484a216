package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestMain lets the test binary act as the program when asked, so tests
// run the real main without building it separately.
func TestMain(m *testing.M) {
	if os.Getenv("STSEMU_BE_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func startProgram(t *testing.T, args ...string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "STSEMU_BE_MAIN=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("stderr: %s", stderr.String())
		}
	})
	return cmd, bufio.NewReader(out)
}

func TestProgramServes(t *testing.T) {
	cmd, out := startProgram(t, "-latency", "1ms")
	line, err := out.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	url := strings.TrimSpace(line)
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("first line %q is not a loopback URL", line)
	}
	resp, err := http.Get(url + "/__stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st map[string]int
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/__stats: %d %v", resp.StatusCode, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}

func TestProgramBadConfig(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte("bogus: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	err := run([]string{"-config", p}, &strings.Builder{}, &stderr)
	if err == nil || !strings.Contains(err.Error(), "c.yaml:1") {
		t.Fatalf("error %v, want file and line", err)
	}
	if err := run([]string{"-latency", "x"}, &strings.Builder{}, &stderr); err == nil {
		t.Fatal("bad flag accepted")
	}
}
