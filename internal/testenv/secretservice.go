package testenv

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"
)

// secretServiceWait bounds how long StartSecretService waits for the daemons.
const secretServiceWait = 15 * time.Second

// busConfig is a session bus configuration without service directories, so
// the private bus never D-Bus-activates a second, untracked keyring daemon.
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// SecretService starts a private D-Bus session bus with gnome-keyring-daemon
// serving org.freedesktop.secrets (login collection created and unlocked),
// points DBUS_SESSION_BUS_ADDRESS at it with t.Setenv and returns the bus
// address. Both daemons are stopped by PID in t.Cleanup. Their keyrings live
// in a temporary HOME, never the real one.
//
// The daemons are found with [Tool], so a missing one skips the test, or
// fails it in CI. Because of t.Setenv, callers cannot use t.Parallel.
func SecretService(t testing.TB) string {
	t.Helper()
	Tool(t, "dbus-daemon")
	Tool(t, "gnome-keyring-daemon")
	// Unix socket paths are limited to ~108 bytes; t.TempDir can be long.
	dir, err := os.MkdirTemp("", "stslib-ss-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	addr, stop, err := StartSecretService(dir)
	if err != nil {
		t.Fatalf("start secret service: %v", err)
	}
	t.Cleanup(stop)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	return addr
}

// StartSecretService is [SecretService] for non-test callers such as bench
// scripts: it starts dbus-daemon and gnome-keyring-daemon with all their state
// under dir and returns the bus address and a func that stops both daemons.
// It does not change the environment of the calling process.
func StartSecretService(dir string) (addr string, stop func(), err error) {
	dbusBin, err := exec.LookPath("dbus-daemon")
	if err != nil {
		return "", nil, err
	}
	gkBin, err := exec.LookPath("gnome-keyring-daemon")
	if err != nil {
		return "", nil, err
	}
	for _, d := range []string{"run", "home"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return "", nil, err
		}
	}
	sock := filepath.Join(dir, "bus")
	conf := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, busConfig, sock), 0o600); err != nil {
		return "", nil, err
	}

	var procs []*exec.Cmd
	stop = func() {
		for i := len(procs) - 1; i >= 0; i-- {
			p := procs[i]
			_ = p.Process.Kill()
			_ = p.Wait()
		}
		procs = nil
	}
	fail := func(err error) (string, func(), error) {
		stop()
		return "", nil, err
	}

	bus := exec.Command(dbusBin, "--config-file="+conf, "--nofork", "--print-address=1")
	bus.Stderr = nil
	out, err := bus.StdoutPipe()
	if err != nil {
		return fail(err)
	}
	if err := bus.Start(); err != nil {
		return fail(fmt.Errorf("dbus-daemon: %w", err))
	}
	procs = append(procs, bus)
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		lines <- strings.TrimSpace(line)
	}()
	select {
	case addr = <-lines:
	case <-time.After(secretServiceWait):
		return fail(errors.New("dbus-daemon: no address printed"))
	}
	if addr == "" {
		return fail(errors.New("dbus-daemon: exited without printing an address"))
	}

	gk := exec.Command(gkBin, "--unlock", "--components=secrets", "--foreground")
	gk.Env = append(os.Environ(),
		"DBUS_SESSION_BUS_ADDRESS="+addr,
		"XDG_RUNTIME_DIR="+filepath.Join(dir, "run"),
		"HOME="+filepath.Join(dir, "home"),
		"XDG_DATA_HOME="+filepath.Join(dir, "home", ".local", "share"),
		"XDG_CONFIG_HOME="+filepath.Join(dir, "home", ".config"),
	)
	gk.Stdin = strings.NewReader("stslib-test-password")
	if err := gk.Start(); err != nil {
		return fail(fmt.Errorf("gnome-keyring-daemon: %w", err))
	}
	procs = append(procs, gk)

	ctx, cancel := context.WithTimeout(context.Background(), secretServiceWait)
	defer cancel()
	if err := waitSecretService(ctx, addr); err != nil {
		return fail(err)
	}
	return addr, stop, nil
}

// waitSecretService polls the bus until org.freedesktop.secrets lists an
// unlocked login collection.
func waitSecretService(ctx context.Context, addr string) error {
	var last error
	for {
		if last = secretServiceReady(addr); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("secret service not ready: %v", last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// dialBus connects to the private session bus at addr.
func dialBus(addr string) (*dbus.Conn, error) {
	conn, err := dbus.Dial(addr)
	if err != nil {
		return nil, err
	}
	if err := conn.Auth(nil); err != nil {
		conn.Close()
		return nil, err
	}
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

func secretServiceReady(addr string) error {
	conn, err := dialBus(addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	const login = dbus.ObjectPath("/org/freedesktop/secrets/collection/login")
	v, err := conn.Object("org.freedesktop.secrets", login).GetProperty("org.freedesktop.Secret.Collection.Locked")
	if err != nil {
		return err
	}
	if locked, _ := v.Value().(bool); locked {
		return errors.New("login collection is locked")
	}
	return nil
}

// LockSecretService locks the login collection of the Secret Service at
// addr, as a screen lock or a timeout would: clients must then unlock it
// through a prompt that, headless, never comes.
func LockSecretService(addr string) error {
	conn, err := dialBus(addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	const login = dbus.ObjectPath("/org/freedesktop/secrets/collection/login")
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	call := conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets").
		Call("org.freedesktop.Secret.Service.Lock", 0, []dbus.ObjectPath{login})
	if err := call.Store(&locked, &prompt); err != nil {
		return err
	}
	if err := secretServiceReady(addr); err == nil {
		return errors.New("login collection still unlocked")
	}
	return nil
}
