//go:build unix

package owner

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func fakeName(uid int) string {
	switch uid {
	case 0:
		return "root"
	case 65534:
		return "nobody"
	}
	return "u" + strconv.Itoa(uid)
}

func never(string) bool { return false }

// dataDir makes a data directory like stslib-proc's, all the caller's.
func dataDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data dir")
	for _, p := range []string{"index", "locks", "alias", "keyring"} {
		if err := os.MkdirAll(filepath.Join(dir, p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p, "f"), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCheck(t *testing.T) {
	me := os.Geteuid()
	t.Run("missing directory", func(t *testing.T) {
		if err := check("data directory", filepath.Join(t.TempDir(), "none"), me, fakeName, never); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("all mine", func(t *testing.T) {
		if err := check("data directory", dataDir(t), me, fakeName, never); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("all another user's", func(t *testing.T) {
		dir := dataDir(t)
		other := me + 1
		err := check("data directory", dir, other, fakeName, never)
		if !errors.Is(err, ErrForeign) {
			t.Fatalf("err = %v, want ErrForeign", err)
		}
		want := "data directory " + dir + ": " + dir + " belongs to " + fakeName(me) + " (uid " + strconv.Itoa(me) + "), not to " +
			fakeName(other) + " (uid " + strconv.Itoa(other) + ") who runs stslib-proc; nothing was changed; fix it with 'sudo chown -R " +
			fakeName(other) + " '" + dir + "''"
		if err.Error() != want {
			t.Errorf("err =\n%s\nwant\n%s", err, want)
		}
	})
	t.Run("symlinked data directory is followed", func(t *testing.T) {
		dir := dataDir(t)
		link := filepath.Join(t.TempDir(), "link")
		if err := os.Symlink(dir, link); err != nil {
			t.Fatal(err)
		}
		if err := check("data directory", link, me+1, fakeName, never); !errors.Is(err, ErrForeign) {
			t.Fatalf("err = %v: the target's files were not checked", err)
		}
	})
}

// TestCheckRootOwnedFiles is the case the issue reports: a "sudo
// stslib-proc" left files of root's in the user's data directory. Needs
// root to chown.
func TestCheckRootOwnedFiles(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown")
	}
	dir := dataDir(t)
	nested := filepath.Join(dir, "index", "f")
	for _, p := range []string{nested, filepath.Join(dir, "keyring")} {
		if err := os.Chown(p, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	err := Check("data directory", dir)
	if !errors.Is(err, ErrForeign) {
		t.Fatalf("err = %v, want ErrForeign", err)
	}
	msg := err.Error()
	for _, want := range []string{nested + " (and 1 more) belongs to ", "(uid 65534), not to ", "(uid 0) who runs stslib-proc", "sudo chown -R "} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error is not one line: %q", msg)
	}
}

func TestCheckHome(t *testing.T) {
	home := t.TempDir()
	owner := os.Geteuid()
	if owner == 0 {
		if err := os.Chown(home, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		owner = 65534
	}
	tests := []struct {
		name     string
		home     string
		euid     int
		rootHome string
		foreign  bool
	}{
		{"root with another user's HOME", home, 0, "/root", true},
		{"root with another user's HOME, trailing slash", home + "/", 0, "/root", true},
		{"the user themselves", home, owner, "/root", false},
		{"root's own home in passwd, whoever owns it", home, 0, home, false},
		{"root with a root-owned HOME", "/", 0, "/root", false},
		{"HOME that does not exist", filepath.Join(home, "none"), 0, "/root", false},
		{"no HOME", "", 0, "/root", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkHome(tt.home, tt.euid, tt.rootHome, fakeName)
			if !tt.foreign {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrForeign) {
				t.Fatalf("err = %v, want ErrForeign", err)
			}
			for _, want := range []string{"running as root with HOME=" + tt.home, fakeName(owner) + " (uid " + strconv.Itoa(owner) + ")", AllowEnv + "=1"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

// TestCheckParents: the data directory does not exist yet (or cannot be
// reached) and a parent is not the user's: root made ~/.local/share.
func TestCheckParents(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give HOME to another uid")
	}
	home := t.TempDir()
	const user = 65534 // the user running stslib-proc; root made .local
	if err := os.Chown(home, user, user); err != nil {
		t.Fatal(err)
	}
	share := filepath.Join(home, ".local", "share")
	if err := os.MkdirAll(share, 0o700); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(share, "stslib-proc")
	err := check("data directory", dir, user, fakeName, never)
	if !errors.Is(err, ErrForeign) {
		t.Fatalf("err = %v, want ErrForeign", err)
	}
	want := "data directory " + dir + ": " + filepath.Join(home, ".local") + " belongs to root (uid 0), not to nobody (uid 65534) who runs stslib-proc; nothing was changed; fix it with 'sudo chown -R nobody " + filepath.Join(home, ".local") + "'"
	if err.Error() != want {
		t.Errorf("err =\n%s\nwant\n%s", err, want)
	}
	// Writable parents (a group's shared directory) are fine.
	if err := check("data directory", dir, user, fakeName, func(string) bool { return true }); err != nil {
		t.Errorf("writable parent: %v", err)
	}
	// Once HOME's subdirectories are the user's, a missing data directory
	// is fine.
	chown := func(p string) {
		if err := os.Chown(p, user, user); err != nil {
			t.Fatal(err)
		}
	}
	chown(filepath.Join(home, ".local"))
	chown(share)
	if err := check("data directory", dir, user, fakeName, never); err != nil {
		t.Errorf("after the chown: %v", err)
	}
	// No parent of the user's at all: nothing to chown, choose another.
	err = check("data directory", filepath.Join(t.TempDir(), "x", "y"), user, fakeName, never)
	if !errors.Is(err, ErrForeign) || !strings.Contains(err.Error(), "cannot create the directory there") || strings.Contains(err.Error(), "chown") {
		t.Errorf("err = %v, want a refusal without a chown", err)
	}
}

func TestShellWord(t *testing.T) {
	for in, want := range map[string]string{
		"/home/alice/.local/share/stslib-proc": "/home/alice/.local/share/stslib-proc",
		"/tmp/my dir":                          "'/tmp/my dir'",
		"/tmp/it's":                            `'/tmp/it'\''s'`,
		"/tmp/$(x)":                            "'/tmp/$(x)'",
	} {
		if got := shellWord(in); got != want {
			t.Errorf("shellWord(%q) = %q, want %q", in, got, want)
		}
	}
}
