package keychain

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// newTestFile returns a File with a cheap scrypt work factor and a counter
// of passphrase calls.
func newTestFile(t *testing.T, dir, pass string) (*File, *int) {
	t.Helper()
	calls := new(int)
	f, err := NewFile(dir, func() (string, error) { *calls++; return pass, nil })
	if err != nil {
		t.Fatal(err)
	}
	f.WorkFactor = 10
	return f, calls
}

func TestFile(t *testing.T) {
	f, _ := newTestFile(t, t.TempDir(), "correct horse")
	testStore(t, f, "", true)
}

func TestFileNeedsDir(t *testing.T) {
	if _, err := NewFile("", nil); err == nil {
		t.Fatal("NewFile(\"\") succeeded")
	}
}

func TestFilePassphraseAskedOnce(t *testing.T) {
	dir := t.TempDir()
	w, wcalls := newTestFile(t, dir, "pw")
	for _, k := range []string{"a", "b", "c"} {
		if err := w.Set(k, []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	if *wcalls != 1 {
		t.Errorf("writer asked for the passphrase %d times, want 1 (identity creation)", *wcalls)
	}

	// A second store (another process) reads all records with one unlock,
	// and writes need no passphrase at all.
	r, rcalls := newTestFile(t, dir, "pw")
	if err := r.Set("d", []byte("d")); err != nil {
		t.Fatal(err)
	}
	if *rcalls != 0 {
		t.Errorf("Set asked for the passphrase %d times, want 0", *rcalls)
	}
	for _, k := range []string{"a", "b", "c", "d"} {
		got, err := r.Get(k)
		if err != nil || string(got) != k {
			t.Fatalf("Get(%q) = %q, %v", k, got, err)
		}
	}
	if *rcalls != 1 {
		t.Errorf("reader asked for the passphrase %d times, want 1", *rcalls)
	}
}

func TestFileWrongPassphrase(t *testing.T) {
	dir := t.TempDir()
	w, _ := newTestFile(t, dir, "right")
	if err := w.Set("k", []byte("secret-value")); err != nil {
		t.Fatal(err)
	}
	r, _ := newTestFile(t, dir, "wrong")
	_, err := r.Get("k")
	if err == nil || !strings.Contains(err.Error(), "wrong passphrase") {
		t.Fatalf("Get with wrong passphrase: err = %v, want a wrong passphrase error", err)
	}
	if strings.Contains(err.Error(), "secret-value") || strings.Contains(err.Error(), "wrong\"") {
		t.Fatalf("error leaks a value: %v", err)
	}
}

func TestFilePassphraseError(t *testing.T) {
	f, err := NewFile(t.TempDir(), func() (string, error) { return "", errors.New("no terminal") })
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Set("k", []byte("v")); err == nil || !strings.Contains(err.Error(), "no terminal") {
		t.Fatalf("Set err = %v, want the passphrase error", err)
	}
}

func TestFileModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	umask0(t)
	dir := filepath.Join(t.TempDir(), "a", "store")
	f, _ := newTestFile(t, dir, "pw")
	if err := f.Set("k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m := st.Mode().Perm(); m != 0o700 {
		t.Errorf("dir mode = %o, want 700", m)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 3 {
		t.Errorf("dir holds %d files, want 3 (identity, recipient, record)", len(ents))
	}
	for _, e := range ents {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if m := info.Mode().Perm(); m != 0o600 {
			t.Errorf("%s mode = %o, want 600", e.Name(), m)
		}
	}
}

func TestFileCorrupt(t *testing.T) {
	dir := t.TempDir()
	f, _ := newTestFile(t, dir, "pw")
	if err := f.Set("k", []byte(strings.Repeat("payload ", 100))); err != nil {
		t.Fatal(err)
	}
	p, _ := f.path("k")
	good, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		data []byte
	}{
		{"garbage", []byte("not an age file\n")},
		{"empty", nil},
		{"truncated", good[:len(good)-20]},
		{"flipped byte", func() []byte { b := append([]byte(nil), good...); b[len(b)-5] ^= 1; return b }()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := os.WriteFile(p, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := f.Get("k")
			if err == nil {
				t.Fatalf("Get of corrupt record = %q, want error", got)
			}
		})
	}
	t.Run("corrupt identity", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(dir, fileIdentity), []byte("junk"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, good, 0o600); err != nil {
			t.Fatal(err)
		}
		g, _ := newTestFile(t, dir, "pw")
		if _, err := g.Get("k"); err == nil || !strings.Contains(err.Error(), fileIdentity) {
			t.Fatalf("Get with corrupt identity: err = %v, want one naming %s", err, fileIdentity)
		}
	})
}

func TestFileKeyTooLong(t *testing.T) {
	f, _ := newTestFile(t, t.TempDir(), "pw")
	if err := f.Set(strings.Repeat("k", fileMaxKey+1), []byte("v")); err == nil {
		t.Fatal("Set with an over-long key succeeded")
	}
}
