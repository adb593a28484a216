//go:build unix

package credproc

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// alive reports whether pid is a running process (a zombie is not).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z")
}

// waitGone waits (at most 10 s) for the processes whose PIDs are in file
// to end, and fails the test for each one still running, killing it.
func waitGone(t *testing.T, file string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the child wrote no PID file: %v", err)
	}
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		for end := time.Now().Add(10 * time.Second); alive(pid) && time.Now().Before(end); {
			time.Sleep(20 * time.Millisecond)
		}
		if alive(pid) {
			t.Errorf("process %d is still running", pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func TestChildRun(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	tests := []struct {
		name    string
		line    string // $PIDS is a file the command writes its PIDs to
		timeout time.Duration
		limit   int
		env     []string
		want    string // stdout, when wantErr is ""
		wantErr string
		// warn is a substring of the one warning; "" means none.
		warn string
		// gone: the PIDs in $PIDS must all have ended.
		gone bool
	}{
		{name: "prints a code", line: "echo 123456", want: "123456\n"},
		{name: "stdin is the null device", line: `sh -c 'read x; echo "[$x]"'`, want: "[]\n"},
		{name: "hung", line: `sh -c 'echo $$ > $PIDS; exec sleep 100'`, timeout: 300 * time.Millisecond,
			wantErr: "profile BobSmith: mfa_process did not finish within 300ms", gone: true},
		{name: "hung with a child", line: `sh -c 'sleep 100 & echo $$ $! > $PIDS; wait'`, timeout: 300 * time.Millisecond,
			wantErr: "did not finish within 300ms", gone: true},
		{name: "child holds stdout after exit", line: `sh -c 'sleep 100 & echo $! > $PIDS; echo 123456'`,
			want: "123456\n", warn: "left processes running that held its output; they were killed", gone: true},
		{name: "escaped child holds stdout", line: `sh -c 'setsid sleep 100 & echo $! > $PIDS; sleep 100'`, timeout: 300 * time.Millisecond,
			wantErr: "did not finish within 300ms"},
		{name: "flood", line: "yes 123456", limit: 4 << 10, wantErr: "profile BobSmith: mfa_process printed more than 4 KiB"},
		{name: "flood of one write", line: "head -c 100000 /dev/zero", limit: 64 << 10, wantErr: "printed more than 64 KiB"},
		{name: "exactly the limit", line: "head -c 4096 /dev/zero", limit: 4 << 10, want: strings.Repeat("\x00", 4096)},
		{name: "exit status", line: `sh -c 'echo 123456; echo "oops: bad key JBSWY3DPEHPK3PXP" >&2; exit 3'`,
			wantErr: "profile BobSmith: mfa_process exited with status 3", warn: "mfa_process said on stderr: oops: bad key [redacted]"},
		{name: "killed by a signal", line: `sh -c 'kill -9 $$'`, wantErr: "mfa_process was killed (signal: killed)"},
		{name: "not found", line: "/nonexistent/oathtool", wantErr: "mfa_process: cannot run /nonexistent/oathtool"},
		{name: "unclosed quote", line: "echo 'x", wantErr: "mfa_process: unclosed quote"},
		{name: "environment", line: "env",
			env:  []string{"HOME=/home/bob", "STSLIB_FILE_PASSPHRASE=CANARY-pass", "STSLIB_MFA_CODE=CANARY-code", EnvActive + "=0", "STSLIB_MFA_CODEX=kept"},
			want: "HOME=/home/bob\nSTSLIB_MFA_CODEX=kept\n" + EnvActive + "=1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pids := filepath.Join(t.TempDir(), "pids")
			var warns []string
			ch := child{
				profile: "BobSmith", key: "mfa_process", line: strings.ReplaceAll(tt.line, "$PIDS", pids),
				environ: tt.env, timeout: tt.timeout, limit: tt.limit, waitDelay: 200 * time.Millisecond,
				warn: collect(&warns),
			}
			if ch.limit == 0 {
				ch.limit = mfaOutputLimit
			}
			if tt.env == nil {
				ch.environ = []string{"PATH=" + os.Getenv("PATH")}
			}
			out, err := ch.run(context.Background())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want %q", err, tt.wantErr)
				}
				if err != nil && (strings.Contains(err.Error(), "123456") || strings.Contains(err.Error(), "oops")) {
					t.Errorf("the error quotes the output: %v", err)
				}
			} else if err != nil || string(out) != tt.want {
				t.Errorf("run = %q, %v; want %q", out, err, tt.want)
			}
			switch {
			case tt.warn == "" && len(warns) > 0:
				t.Errorf("unexpected warnings %q", warns)
			case tt.warn != "" && (len(warns) != 1 || !strings.Contains(warns[0], tt.warn)):
				t.Errorf("warnings %q, want one with %q", warns, tt.warn)
			}
			if tt.gone {
				waitGone(t, pids)
			}
			if tt.name == "escaped child holds stdout" {
				// Out of the group, it is not killed; run returned anyway.
				if b, err := os.ReadFile(pids); err == nil {
					if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
						_ = syscall.Kill(pid, syscall.SIGKILL)
					}
				}
			}
		})
	}
}

// TestChildRunParentDeadline: the caller's deadline ends the child too,
// and the error says how long it had.
func TestChildRunParentDeadline(t *testing.T) {
	pids := filepath.Join(t.TempDir(), "pids")
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	ch := child{profile: "src", key: "credential_process", line: "sh -c 'echo $$ > " + pids + "; exec sleep 100'",
		limit: credentialOutputLimit, waitDelay: 200 * time.Millisecond}
	_, err := ch.run(ctx)
	if err == nil || !strings.Contains(err.Error(), "profile src: credential_process did not finish within 400ms") {
		t.Errorf("err = %v", err)
	}
	waitGone(t, pids)

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := ch.run(ctx); err == nil || !strings.Contains(err.Error(), "credential_process was stopped: context canceled") {
		t.Errorf("canceled: err = %v", err)
	}
}

// TestChildOwnGroup: the child leads a process group of its own, so
// killing the group cannot reach stslib-proc's.
func TestChildOwnGroup(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	ch := child{profile: "p", key: "mfa_process", line: `sh -c 'cut -d" " -f5 /proc/$$/stat; echo $$'`, limit: mfaOutputLimit,
		environ: []string{"PATH=" + os.Getenv("PATH")}}
	out, err := ch.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(out))
	if len(f) != 2 || f[0] != f[1] {
		t.Errorf("process group and PID of the child: %q, want equal", f)
	}
	if f[0] == strconv.Itoa(syscall.Getpgrp()) {
		t.Error("the child is in stslib-proc's process group")
	}
}

// TestCoreRunCommandLimits: mfa_process may print 4 KiB, a source's
// credential_process 64 KiB.
func TestCoreRunCommandLimits(t *testing.T) {
	c := New(Options{Environ: func() []string { return []string{"PATH=" + os.Getenv("PATH")} }})
	line := "head -c 5000 /dev/zero"
	if _, err := c.runCommand(context.Background(), "BobSmith", "mfa_process", line); err == nil || !strings.Contains(err.Error(), "printed more than 4 KiB") {
		t.Errorf("mfa_process: err = %v", err)
	}
	if out, err := c.runCommand(context.Background(), "BobSmith", "credential_process", line); err != nil || len(out) != 5000 {
		t.Errorf("credential_process: %d bytes, %v", len(out), err)
	}
}

func TestStderrNote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"first\nlast line\n\n", "last line"},
		{"token wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY here", "token [redacted] here"},
		{"bell\x07 and \x1b[31mred", `bell\x07 and \x1b[31mred`},
		{strings.Repeat("é", 300), strings.Repeat("é", 100) + "..."},
	}
	for _, tt := range tests {
		if got := stderrNote([]byte(tt.in)); got != tt.want {
			t.Errorf("stderrNote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTailWriter(t *testing.T) {
	w := &tailWriter{limit: 8}
	for _, s := range []string{"abc", "defghij", "klmnopqrstuvwxyz", "12"} {
		if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if got := string(w.bytes()); got != "uvwxyz12" {
		t.Errorf("tail %q", got)
	}
}
