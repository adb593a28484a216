package atomicfile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// StaleAge is how old a temporary file must be before it is taken for a
// dead writer's: writes take milliseconds, so a minute is far past any
// live one.
const StaleAge = time.Minute

// TempPattern is the default name of temporary files.
const TempPattern = ".tmp-*"

// Write replaces path with data so that a reader (or a crash) sees the old
// content or the new, never a mix: a temporary file in the same directory
// named by pattern (TempPattern when empty), with mode perm, written and
// fsynced, renamed over path, then the directory fsynced. Temporary files
// a killed writer left behind (older than StaleAge) are removed.
func Write(path string, data []byte, perm fs.FileMode, pattern string) error {
	if pattern == "" {
		pattern = TempPattern
	}
	dir := filepath.Dir(path)
	tmp, err := writeTemp(dir, pattern, data, perm)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	RemoveStale(dir, pattern, time.Now())
	return syncDir(dir)
}

// Create writes a new file at path with data, complete or not at all, and
// fails with an error matching fs.ErrExist when path exists: of two
// writers racing to create it, one wins and the other sees its file.
func Create(path string, data []byte, perm fs.FileMode, pattern string) error {
	if pattern == "" {
		pattern = TempPattern
	}
	dir := filepath.Dir(path)
	tmp, err := writeTemp(dir, pattern, data, perm)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	return syncDir(dir)
}

// writeTemp writes data to a new temporary file in dir named by pattern,
// with mode perm, fsynced and closed, and returns its name. On failure it
// leaves nothing behind.
func writeTemp(dir, pattern string, data []byte, perm fs.FileMode) (tmp string, err error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	tmp = f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// Windows has no mode bits beyond read-only; the directory's ACL rules.
	if err = f.Chmod(perm); err != nil && runtime.GOOS != "windows" {
		return "", err
	}
	if _, err = f.Write(data); err != nil {
		return "", err
	}
	if err = f.Sync(); err != nil {
		return "", fmt.Errorf("sync: %w", err)
	}
	if err = f.Close(); err != nil {
		return "", err
	}
	return tmp, nil
}

// syncDir makes a rename in dir durable. Windows cannot open a directory
// for syncing, and NTFS journals renames.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// RemoveStale removes the files in dir matching pattern (a filepath.Match
// pattern such as ".tmp-*") that are older than StaleAge. Errors are
// ignored: this is housekeeping.
func RemoveStale(dir, pattern string, now time.Time) {
	matches, _ := filepath.Glob(filepath.Join(dir, pattern))
	for _, m := range matches {
		if st, err := os.Lstat(m); err == nil && st.Mode().IsRegular() && now.Sub(st.ModTime()) > StaleAge {
			os.Remove(m)
		}
	}
}
