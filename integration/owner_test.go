//go:build integration

package integration_test

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/stsemu"
	"github.com/stslib/stslib-proc/internal/testenv"
)

// throwawayUID is a uid no account has: the user whose HOME it is.
const throwawayUID = 47913

// snapshot describes every entry under dir (path, type, mode, owner,
// size, content hash) so that a test can tell that nothing changed.
func snapshot(t *testing.T, dirs ...string) string {
	t.Helper()
	var lines []string
	for _, dir := range dirs {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				lines = append(lines, p+" "+err.Error())
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return nil
			}
			st := info.Sys().(*syscall.Stat_t)
			line := fmt.Sprintf("%s %v uid=%d gid=%d size=%d mtime=%d", p, info.Mode(), st.Uid, st.Gid, info.Size(), info.ModTime().UnixNano())
			if info.Mode().IsRegular() {
				b, _ := os.ReadFile(p)
				line += fmt.Sprintf(" sha256=%x", sha256.Sum256(b))
			}
			lines = append(lines, line)
			return nil
		})
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// chownTree gives dir and everything in it to uid.
func chownTree(t *testing.T, dir string, uid int) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, uid)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOwnership: the case of issue 13. "sudo stslib-proc login" with the
// user's HOME left a data directory of root's in it. Run as that user
// (setpriv to a throw-away uid), every command that would write refuses
// with one line that says whose the files are and how to fix them, and
// changes nothing; after the chown it suggests, they work again. And root
// itself refuses to write into another user's HOME unless
// STSLIB_ALLOW_FOREIGN_HOME=1.
func TestOwnership(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (CI runs as root) to switch to a throw-away uid")
	}
	setpriv := testenv.Tool(t, "setpriv")
	trials, faults, failures, leaks := 0, 0, 0, 0

	w := world(t, e2e.EmulatorConfig(nil, nil))
	// The world must be reachable by the user: its directories 0755, the
	// binary in it. The data directory is where XDG puts it, in HOME.
	for p := w.Dir; p != filepath.Dir(p) && strings.HasPrefix(p, os.TempDir()) && p != os.TempDir(); p = filepath.Dir(p) {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	exe := filepath.Join(w.Dir, "bin", "stslib-proc")
	data, err := os.ReadFile(w.Bin)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(exe, string(data))
	if err := os.Chmod(filepath.Dir(exe), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(exe, 0o755); err != nil {
		t.Fatal(err)
	}
	w.Bin = exe
	w.DataDir = filepath.Join(w.Home, ".local", "share", "stslib-proc")
	roles := []e2e.RoleProfile{{Name: "DynamoDBRole-dev", Role: "DynamoDBRole"}}
	w.WriteProfiles(e2e.Source{MFASerial: stsemu.DefaultMFASerial}, roles, "")
	code := func() string {
		c, err := stsemu.TOTP(stsemu.DefaultTOTPSecret, w.STS.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// HOME and everything in it is the user's ...
	chownTree(t, w.Dir, throwawayUID)
	if err := os.Chown(exe, 0, 0); err != nil {
		t.Fatal(err)
	}
	// ... root with the user's HOME is refused, and writes nothing.
	faults++
	before := snapshot(t, w.Home)
	for _, args := range [][]string{{"login", "BobSmith", "--mfa-code", code()}, {"sync", "DynamoDBRole-dev"}, {"status"}} {
		trials++
		r := w.Run(args...)
		if r.Code != 1 || !oneErrorLine(r.Stderr, "running as root with HOME="+w.Home, "belongs to "+strconv.Itoa(throwawayUID)+" (uid "+strconv.Itoa(throwawayUID)+")", "STSLIB_ALLOW_FOREIGN_HOME=1") {
			failures++
			t.Errorf("root with the user's HOME: %v", r)
		}
	}
	if after := snapshot(t, w.Home); after != before {
		leaks++
		t.Errorf("a refused command changed HOME:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// Told to, root writes: this is the "sudo stslib-proc login" that
	// leaves root's files in the user's data directory.
	allow := []string{"STSLIB_ALLOW_FOREIGN_HOME=1"}
	if r := w.RunEnv(allow, "login", "BobSmith", "--mfa-code", code()); r.Code != 0 {
		t.Fatalf("root told to write into the user's HOME: %v", r)
	}
	if r := w.RunEnv(allow, "DynamoDBRole-dev"); r.Code != 0 {
		t.Fatalf("root told to write into the user's HOME: %v", r)
	}
	st, err := os.Stat(filepath.Join(w.DataDir, "index"))
	if err != nil || st.Sys().(*syscall.Stat_t).Uid != 0 {
		t.Fatalf("the data directory should hold root's files now: %v", err)
	}

	// The user: every command that writes refuses, names what is root's
	// and the fix, and changes nothing. First root's ~/.local (made for
	// the data directory), then, with that given back, the data
	// directory itself.
	asUser := func(args ...string) e2e.Result {
		return w.Exec(nil, setpriv, append([]string{"--reuid=" + strconv.Itoa(throwawayUID), "--regid=" + strconv.Itoa(throwawayUID), "--clear-groups", w.Bin}, args...)...)
	}
	local := filepath.Join(w.Home, ".local")
	for _, c := range []struct {
		name, culprit string
		fix           func()
	}{
		{"root's ~/.local", local + " belongs", func() {
			for _, p := range []string{local, filepath.Join(local, "share")} {
				if err := os.Chown(p, throwawayUID, throwawayUID); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"root's data directory", w.DataDir + " belongs", func() {
			if out, err := exec.Command("chown", "-R", strconv.Itoa(throwawayUID), w.DataDir).CombinedOutput(); err != nil {
				t.Fatalf("chown: %v %s", err, out)
			}
		}},
		// The used-MFA-code record lives in the state directory.
		{"root's state directory", filepath.Join(local, "state") + " belongs", func() {
			if out, err := exec.Command("chown", "-R", strconv.Itoa(throwawayUID), filepath.Join(local, "state")).CombinedOutput(); err != nil {
				t.Fatalf("chown: %v %s", err, out)
			}
		}},
	} {
		faults++
		before = snapshot(t, w.Home)
		for _, args := range [][]string{
			{"login", "BobSmith", "--mfa-code", code()},
			{"DynamoDBRole-dev"},
			{"get", "DynamoDBRole-dev"},
			{"sync"},
			{"clear", "--all", "--sections"},
			{"status"},
		} {
			trials++
			r := asUser(args...)
			if r.Code != 1 || r.Stdout != "" || !oneErrorLine(r.Stderr, " directory ", ": "+c.culprit, "belongs to root (uid 0), not to ",
				"(uid "+strconv.Itoa(throwawayUID)+") who runs stslib-proc; nothing was changed; fix it with 'sudo chown -R ") {
				failures++
				t.Errorf("%s: %v", c.name, r)
			}
			t.Logf("%s: %s: %s", c.name, args[0], strings.TrimSpace(r.Stderr))
		}
		if after := snapshot(t, w.Home); after != before {
			leaks++
			t.Errorf("%s: a refused command changed HOME:\nbefore:\n%s\nafter:\n%s", c.name, before, after)
		}
		c.fix()
	}

	// With the fixes the errors gave, the user's commands work again.
	trials++
	if r := asUser("status"); r.Code != 0 || !strings.Contains(r.Stdout, "DynamoDBRole-dev") {
		failures++
		t.Errorf("after the chown the error suggests: %v", r)
	}
	summary(t, "ownership (root-owned data dir, root with a user's HOME)", trials, faults, failures, leaks)
}

// oneErrorLine: stderr is one "stslib-proc: error:" line holding every
// want.
func oneErrorLine(stderr string, want ...string) bool {
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "stslib-proc: error: ") {
		return false
	}
	for _, s := range want {
		if !strings.Contains(lines[0], s) {
			return false
		}
	}
	return true
}
