package serve

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stslib/stslib-proc/internal/testenv"
	"github.com/stslib/stslib-proc/serve/warm"
)

// dialScript connects to argv[1] and sends argv[2]; the refresher may
// close on a stranger before the request is sent, which is not the
// client's failure.
const dialScript = `import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
try:
    s.sendall(sys.argv[2].encode())
except OSError:
    pass
s.close()
`

// TestRefresherRefusesOtherUsers: a request from another user is dropped
// by its peer credentials, even where the directory would let them reach
// the socket; the same request from this user is taken.
func TestRefresherRefusesOtherUsers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (CI runs as root) to connect as a throw-away uid")
	}
	setpriv := testenv.Tool(t, "setpriv")
	python := testenv.Python(t)
	dir := t.TempDir()
	for p := dir; p != filepath.Dir(p) && p != os.TempDir(); p = filepath.Dir(p) {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	open := filepath.Join(dir, "open") // not a refresher's private directory: the test's
	if err := os.Mkdir(open, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(open, 0o777)
	sock := filepath.Join(open, "s")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	os.Chmod(sock, 0o777)
	msg := warm.RefresherRequest + "R"
	dial := func(as ...string) (string, bool) {
		t.Helper()
		argv := append(as, python, "-c", dialScript, sock, msg)
		done := make(chan error, 1)
		go func() { done <- exec.Command(argv[0], argv[1:]...).Run() }()
		_ = l.SetDeadline(time.Now().Add(10 * time.Second))
		c, err := l.AcceptUnix()
		if err != nil {
			t.Fatalf("%q: %v (client: %v)", argv, err, <-done)
		}
		p, ok := readRefreshRequest(c)
		if err := <-done; err != nil {
			t.Fatalf("%q: %v", argv, err)
		}
		return p, ok
	}
	if p, ok := dial(); !ok || p != "R" {
		t.Errorf("this user's request: %q %v, want R", p, ok)
	}
	if p, ok := dial(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"); ok {
		t.Errorf("another user's request was taken: %q", p)
	}
}
