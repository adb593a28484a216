//go:build unix

package inifile

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	helperEnv  = "STSLIB_INIFILE_HELPER"
	helperPath = "STSLIB_INIFILE_PATH"
	helperArg  = "STSLIB_INIFILE_ARG"
)

// killKeys are the two key sets the "loop" helper alternates between.
func killKeys(i int) []KV {
	return []KV{{"aws_access_key_id", fmt.Sprintf("ASIA%d", i%2)}, {"aws_secret_access_key", strings.Repeat("s", 4000)}}
}

// TestMain doubles as the helper process for the kill and multi-process
// tests: with STSLIB_INIFILE_HELPER set it runs the helper and exits.
func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "loop": // update forever until killed
		path := os.Getenv(helperPath)
		os.Stdout.Write([]byte("r")) // running: the parent may kill now
		for i := 0; ; i++ {
			if err := WriteSection(context.Background(), path, "sts-kill", killKeys(i), Options{}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
		}
	case "write": // ARG = "writer rounds"
		var w, rounds int
		fmt.Sscan(os.Getenv(helperArg), &w, &rounds)
		for r := range rounds {
			keys := []KV{{"aws_access_key_id", fmt.Sprintf("P%dR%d", w, r)}}
			if err := WriteSection(context.Background(), os.Getenv(helperPath), fmt.Sprintf("sts-%d", w), keys, Options{}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
		}
		os.Exit(0)
	}
	os.Exit(3)
}

func helper(t *testing.T, mode, path, arg string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, helperPath+"="+path, helperArg+"="+arg)
	cmd.Stderr = os.Stderr
	return cmd
}

func TestKill9(t *testing.T) {
	trials := 200
	if testing.Short() {
		trials = 40
	}
	if s := os.Getenv("STSLIB_KILL_TRIALS"); s != "" {
		trials, _ = strconv.Atoi(s)
	}
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte(userFile), 0o600); err != nil {
		t.Fatal(err)
	}
	valid := map[string]string{userFile: "original"}
	for i := range 2 {
		b, err := Splice([]byte(userFile), []Section{{Name: "sts-kill", Keys: killKeys(i)}}, nil, SpliceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		valid[string(b)] = fmt.Sprintf("version %d", i)
	}
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[string]int{}
	for trial := range trials {
		cmd := helper(t, "loop", path, "")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if _, err := out.Read(make([]byte, 1)); err != nil {
			t.Fatalf("trial %d: helper did not start: %v", trial, err)
		}
		time.Sleep(time.Duration(r.IntN(3000)) * time.Microsecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("trial %d: helper ended with %v, not by SIGKILL", trial, err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		v, ok := valid[string(got)]
		if !ok {
			t.Fatalf("trial %d: file is neither the old nor a new version (%d bytes)", trial, len(got))
		}
		seen[v]++
	}
	// The lock is free again and the file is writable.
	ctx := context.Background()
	if err := WriteSection(ctx, path, "sts-kill", killKeys(0), Options{LockTimeout: 5 * time.Second}); err != nil {
		t.Fatalf("Update after kills: %v", err)
	}
	t.Logf("after %d kills saw %v", trials, seen)
	if seen["version 0"]+seen["version 1"] == 0 {
		t.Error("no kill landed after a write: the test did not exercise anything")
	}
	// Temp files left by killed writers are removed by the next writer.
	if err := WriteSection(ctx, path, "sts-kill", killKeys(1), Options{}); err != nil {
		t.Fatal(err)
	}
	if tmps, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".credentials.tmp-*")); len(tmps) != 0 {
		t.Errorf("%d temp files left behind", len(tmps))
	}
}

func TestConcurrentProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte(userFile), 0o600); err != nil {
		t.Fatal(err)
	}
	const writers, rounds = 4, 10
	var cmds []*exec.Cmd
	for w := range writers {
		cmd := helper(t, "write", path, fmt.Sprintf("%d %d", w, rounds))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("writer: %v", err)
		}
	}
	checkAllWriters(t, path, writers, rounds, "P")
}

func TestModeUnderUmask0(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	ctx := context.Background()
	dir := t.TempDir()
	tests := []struct {
		name     string
		existing os.FileMode // 0: no file
		want     os.FileMode
	}{
		{"new file", 0, 0o600},
		{"loose file tightened", 0o666, 0o600},
		{"stricter kept", 0o400, 0o400},
		{"group bits dropped", 0o640, 0o600},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprint(i), "credentials")
			if tt.existing != 0 {
				if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte("[a]\nk = v\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, tt.existing); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteSection(ctx, path, "sts-dev", testKeys, Options{}); err != nil {
				t.Fatal(err)
			}
			for p, want := range map[string]os.FileMode{path: tt.want, path + ".lock": 0o600} {
				fi, err := os.Stat(p)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != want {
					t.Errorf("%s mode = %v, want %v", filepath.Base(p), fi.Mode().Perm(), want)
				}
			}
		})
	}
}

func TestSymlinkKept(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real", "credentials")
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(target, []byte(userFile), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "credentials")
	if err := os.Symlink("real/credentials", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteSection(context.Background(), link, "sts-dev", testKeys, Options{}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(link)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("link replaced: %v %v", fi.Mode(), err)
	}
	got, _ := os.ReadFile(target)
	if diff := cmp.Diff(userFile+"\r\n\r\n"+block("sts-dev", "\r\n"), string(got)); diff != "" {
		t.Errorf("target (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(target + ".lock"); err != nil {
		t.Errorf("lock not beside the target: %v", err)
	}
	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink("nowhere/credentials", dangling); err != nil {
		t.Fatal(err)
	}
	if err := WriteSection(context.Background(), dangling, "sts-dev", testKeys, Options{}); err == nil {
		t.Error("dangling symlink accepted")
	}
}

func TestWorldWritableDirRefused(t *testing.T) {
	tests := []struct {
		name string
		mode os.FileMode
		ok   bool
	}{
		{"world writable", 0o777, false},
		{"sticky", 0o777 | os.ModeSticky, true},
		{"private", 0o700, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "d")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, tt.mode); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "credentials")
			err := WriteSection(context.Background(), path, "sts-dev", testKeys, Options{})
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if !tt.ok {
				if !strings.Contains(err.Error(), "world-writable") {
					t.Errorf("error does not explain: %v", err)
				}
				if _, err := os.Stat(path); !os.IsNotExist(err) {
					t.Errorf("file written anyway: %v", err)
				}
			}
		})
	}
}

func TestOtherOwnerRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown a file to another user")
	}
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte(userFile), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	err := WriteSection(context.Background(), path, "sts-dev", testKeys, Options{})
	if err == nil || !strings.Contains(err.Error(), "owned by uid 4242") {
		t.Fatalf("err = %v, want a refusal naming the owner", err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != userFile {
		t.Error("file changed")
	}
}
