//go:build unix

package serve

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stslib/stslib-proc/internal/stsemu"
	"github.com/stslib/stslib-proc/keychain/kernel"
	"github.com/stslib/stslib-proc/serve/warm"
)

// refresherWorld is a world whose role credentials live 30 s, with two
// role profiles (R, R2) served once each, and an Env 12 s in the future, where they are inside their refresh-ahead
// band (20 s) but not their window (15 s).
func refresherWorld(t *testing.T) (*world, Env) {
	t.Helper()
	if _, err := kernel.NewKernel(); err != nil {
		t.Skip("no kernel keyring: background refreshes share the session through it")
	}
	w := newWorld(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	w.vars["STSLIB_KEYRING"] = "auto"
	w.emu.SetRoleLifetime(30 * time.Second)
	w.write(".aws/config", "[profile BobSmith]\nmfa_serial = "+stsemu.DefaultMFASerial+"\n\n"+
		"[profile R]\nrole_arn = arn:aws:iam::444455556666:role/CodeDeployRole\nsource_profile = BobSmith\n\n"+
		"[profile R2]\nrole_arn = arn:aws:iam::444455556666:role/CodeDeployRole\nrole_session_name = two\nsource_profile = BobSmith\n")
	w.process(code(t, time.Now()))
	if err := Process(context.Background(), io.Discard, w.env(), "R2", ""); err != nil {
		t.Fatal(err)
	}
	if n := w.emu.Stats()["AssumeRole"]; n != 2 {
		t.Fatalf("AssumeRole %d serving R and R2, want 2", n)
	}
	env := w.env()
	env.Now = func() time.Time { return time.Now().Add(12 * time.Second) }
	return w, env
}

func (w *world) waitAssumeRole(n int) {
	w.t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if w.emu.Stats()["AssumeRole"] >= n {
			return
		}
	}
	w.t.Fatalf("AssumeRole %d, want %d", w.emu.Stats()["AssumeRole"], n)
}

func send(t *testing.T, sock, msg string) {
	t.Helper()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// TestRefresher: it renews its first profile, then the profiles handed
// over its socket, ignores malformed requests, and exits when its socket
// is removed (StopRefreshers, as clear --all does).
func TestRefresher(t *testing.T) {
	w, env := refresherWorld(t)
	sock := filepath.Join(w.home, "data", "refresher", "t.sock")
	done := make(chan error, 1)
	go func() { done <- Refresher(context.Background(), env, sock, "R") }()
	w.waitAssumeRole(3)
	for _, bad := range []string{"", "R", "hello\n", warm.RefresherRequest, warm.RefresherRequest + "R\nR"} {
		send(t, sock, bad)
	}
	time.Sleep(300 * time.Millisecond)
	if n := w.emu.Stats()["AssumeRole"]; n != 3 {
		t.Fatalf("AssumeRole %d after malformed requests, want 3", n)
	}
	// R2, handed over, is renewed too.
	send(t, sock, warm.RefresherRequest+"R2")
	w.waitAssumeRole(4)
	if st, err := os.Stat(filepath.Dir(sock)); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("socket directory: %v %v, want mode 0700", st, err)
	}
	if n := RunningRefreshers(filepath.Join(w.home, "data")); n != 1 {
		t.Errorf("RunningRefreshers = %d, want 1", n)
	}
	// clear --all removes its socket: it exits.
	if n := StopRefreshers(filepath.Join(w.home, "data")); n != 1 {
		t.Errorf("StopRefreshers stopped %d, want 1", n)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Refresher: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Refresher still running after its socket was removed")
	}
}

// TestRefresherIdle: it exits when idle, removing its socket, after
// taking what was queued.
func TestRefresherIdle(t *testing.T) {
	w, env := refresherWorld(t)
	sock := filepath.Join(w.home, "data", "refresher", "t.sock")
	lim := defaultRefresherLimits
	lim.idle = 500 * time.Millisecond
	if err := refresher(context.Background(), env, sock, "R", lim); err != nil {
		t.Fatal(err)
	}
	if n := w.emu.Stats()["AssumeRole"]; n != 3 {
		t.Errorf("AssumeRole %d, want 3", n)
	}
	if _, err := os.Lstat(sock); err == nil {
		t.Error("an idle refresher left its socket")
	}
}

// TestRefresherSocketTaken: with another refresher live on the socket, it
// renews its profile and returns; a dead socket file is taken over.
func TestRefresherSocketTaken(t *testing.T) {
	w, env := refresherWorld(t)
	sock := filepath.Join(w.home, "data", "refresher", "t.sock")
	os.MkdirAll(filepath.Dir(sock), 0o700)
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	done := make(chan error, 1)
	go func() { done <- Refresher(context.Background(), env, sock, "R") }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Refresher stayed although another one holds the socket")
	}
	if n := w.emu.Stats()["AssumeRole"]; n != 3 {
		t.Errorf("AssumeRole %d, want 3", n)
	}
	if _, err := os.Lstat(sock); err != nil {
		t.Errorf("the live refresher's socket was removed: %v", err)
	}
	if n := RunningRefreshers(filepath.Join(w.home, "data")); n != 1 {
		t.Errorf("RunningRefreshers = %d with one live, want 1", n)
	}

	// Killed: the file stays, nobody answers. The next refresher takes it.
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	if n := RunningRefreshers(filepath.Join(w.home, "data")); n != 0 {
		t.Errorf("RunningRefreshers = %d with a dead socket only, want 0", n)
	}
	lim := defaultRefresherLimits
	lim.idle = 2 * time.Second
	go func() { done <- refresher(context.Background(), env, sock, "R2", lim) }()
	w.waitAssumeRole(4)
	if c, err := net.Dial("unix", sock); err != nil {
		t.Errorf("the dead socket was not taken over: %v", err)
	} else {
		c.Close()
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestRefresherStops: cancelled (SIGTERM), it stops taking profiles,
// removes its socket and returns once its renewals are done.
func TestRefresherStops(t *testing.T) {
	w, env := refresherWorld(t)
	sock := filepath.Join(w.home, "data", "refresher", "t.sock")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Refresher(ctx, env, sock, "R") }()
	w.waitAssumeRole(3)
	cancel()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("Refresher still running after it was cancelled")
	}
	if _, err := os.Lstat(sock); err == nil {
		t.Error("a stopped refresher left its socket")
	}
}
