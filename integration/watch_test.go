//go:build integration

package integration_test

import (
	"bytes"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/stsemu"
	"github.com/stslib/stslib-proc/internal/testenv"
)

// TestSyncWatch: sync --watch keeps the section fresh (re-syncing before
// the refresh window), logs one line per refresh, and stops cleanly on
// SIGTERM.
func TestSyncWatch(t *testing.T) {
	testenv.Tool(t, "/usr/bin/oathtool")
	t.Parallel()
	w := world(t, e2e.EmulatorConfig(nil, nil))
	// The emulator's clock runs 14 min behind: a 900 s role expires one
	// minute from now by our clock, already inside its window, so the
	// watcher re-syncs at its shortest pause (10 s).
	offset := -14 * time.Minute
	w.STS.SetClockOffset(offset)
	src := e2e.DefaultSource()
	src.MFAProcess = e2e.OathtoolMFAAt(stsemu.DefaultTOTPSecret, offset)
	w.WriteProfiles(src, []e2e.RoleProfile{{Name: "CodeDeployRole-qa", Role: "CodeDeployRole", DurationSeconds: 900}}, "")

	cmd := exec.Command(w.Bin, "sync", "--watch")
	cmd.Env = w.Environ()
	cmd.Dir = w.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })

	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(40 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if cond() {
				return
			}
		}
		t.Fatalf("sync --watch: %s did not happen; stderr:\n%s", what, stderr.String())
	}
	waitFor("the first sync", func() bool { return strings.Contains(w.Read(w.CredentialsFile), "[sts-CodeDeployRole-qa]") })
	first := w.Read(w.CredentialsFile)
	waitFor("a refresh", func() bool { return e2e.OK(w.STS, "AssumeRole") >= 2 })
	waitFor("the refreshed section", func() bool { return w.Read(w.CredentialsFile) != first })

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("sync --watch exited with %v after SIGTERM, want 0; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sync --watch did not stop on SIGTERM")
	}
	out := stderr.String()
	if n := strings.Count(out, "synced 1 section(s)"); n < 2 {
		t.Errorf("want one log line per refresh (≥ 2), got %d:\n%s", n, out)
	}
	if !strings.Contains(out, "sync --watch stopped") {
		t.Errorf("no clean-stop line:\n%s", out)
	}
	if got := e2e.OK(w.STS, "GetSessionToken"); got != 1 {
		t.Errorf("GetSessionToken %d, want 1: refreshes reuse the session", got)
	}
}

// TestSyncWatchFollowsConfig: sync --watch reads the AWS config again on
// every pass: a role profile pointed at another account is synced with
// the new account's credentials, a new profile is synced, and the section
// of a removed profile is removed (with a log line).
func TestSyncWatchFollowsConfig(t *testing.T) {
	testenv.Tool(t, "/usr/bin/oathtool")
	testenv.AWS(t)
	t.Parallel()
	cfg := e2e.EmulatorConfig([]string{"OtherRole"}, nil)
	other := "arn:aws:iam::777788889999:role/Elsewhere"
	cfg.Roles = append(cfg.Roles, stsemu.Role{ARN: other, TrustedPrincipals: []string{stsemu.DefaultUserARN}, MaxSessionDuration: 3600})
	w := world(t, cfg)
	src := e2e.DefaultSource()
	w.WriteProfiles(src, []e2e.RoleProfile{
		{Name: "DynamoDBRole-dev", Role: "DynamoDBRole", SessionName: "bob"},
		{Name: "Leaving", Role: "CodeDeployRole", SessionName: "bob"},
	}, "")

	cmd := exec.Command(w.Bin, "sync", "--watch", "--recheck=1s")
	cmd.Env = w.Environ()
	cmd.Dir = w.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var stderr lockedBuffer // read while the process writes
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(40 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if cond() {
				return
			}
		}
		t.Fatalf("sync --watch: %s did not happen; stderr:\n%s", what, stderr.String())
	}
	has := func(s string) func() bool {
		return func() bool { return strings.Contains(w.Read(w.CredentialsFile), s) }
	}
	waitFor("the first sync", has("[sts-Leaving]"))

	// Point DynamoDBRole-dev at another role, add two profiles (one in
	// another account), drop one: only the config file changes.
	config := w.Read(w.ConfigFile)
	config = strings.Replace(config, e2e.RoleARN("DynamoDBRole"), e2e.RoleARN("OtherRole"), 1)
	config = strings.Replace(config, "[profile Leaving]", "[profile Arriving]", 1)
	config += "\n[profile Elsewhere]\nrole_arn = " + other + "\nsource_profile = BobSmith\nrole_session_name = bob\n"
	w.Write(w.ConfigFile, config)
	waitFor("the new profiles", has("[sts-Elsewhere]"))
	waitFor("the removal", func() bool { return !has("[sts-Leaving]")() })
	waitFor("the new role", func() bool {
		return w.CallerARN("sts-DynamoDBRole-dev") == "arn:aws:sts::444455556666:assumed-role/OtherRole/bob"
	})
	if got, want := w.CallerARN("sts-Elsewhere"), "arn:aws:sts::777788889999:assumed-role/Elsewhere/bob"; got != want {
		t.Errorf("sts-Elsewhere is %s, want %s", got, want)
	}
	if !has("[sts-Arriving]")() {
		t.Error("the added profile was not synced")
	}
	if !strings.Contains(stderr.String(), "removed [sts-Leaving]") {
		t.Errorf("no log line for the removal:\n%s", stderr.String())
	}
}

// lockedBuffer is a bytes.Buffer safe to read while a process writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
