package atomicfile

import (
	"os"
	"path/filepath"
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
