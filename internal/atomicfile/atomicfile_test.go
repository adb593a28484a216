package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	old, fresh, other := filepath.Join(dir, ".tmp-old"), filepath.Join(dir, ".tmp-new"), filepath.Join(dir, "record")
	for _, p := range []string{old, fresh, other} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-2 * StaleAge)
	os.Chtimes(old, past, past)
	os.Chtimes(other, past, past)
	RemoveStale(dir, ".tmp-*", time.Now())
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Error("a dead writer's temp file was kept")
	}
	for _, p := range []string{fresh, other} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: a live writer's temp file or a record must stay", filepath.Base(p))
		}
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := Write(p, []byte("one"), 0o600, ""); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, []byte("two"), 0o640, ""); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	st, _ := os.Stat(p)
	if string(b) != "two" || (runtime.GOOS != "windows" && st.Mode().Perm() != 0o640) {
		t.Errorf("content %q mode %v", b, st.Mode())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d entries: temporary files left behind", len(ents))
	}
	if err := Write(filepath.Join(dir, "missing", "f"), nil, 0o600, ""); err == nil {
		t.Error("a write into a missing directory succeeded")
	}
}

func TestCreate(t *testing.T) {
	p := filepath.Join(t.TempDir(), "id")
	if err := Create(p, []byte("first"), 0o600, ""); err != nil {
		t.Fatal(err)
	}
	if err := Create(p, []byte("second"), 0o600, ""); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second Create: %v, want fs.ErrExist", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "first" {
		t.Errorf("content %q", b)
	}
	if ents, _ := os.ReadDir(filepath.Dir(p)); len(ents) != 1 {
		t.Errorf("%d entries: temporary files left behind", len(ents))
	}
}
