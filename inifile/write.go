package inifile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
	"github.com/stslib/stslib-proc/internal/atomicfile"
)

// DefaultLockTimeout is used when [Options.LockTimeout] is zero.
const DefaultLockTimeout = 10 * time.Second

// ErrLockTimeout is returned when another writer holds the lock for longer
// than the timeout.
var ErrLockTimeout = errors.New("timed out waiting for lock")

// Options configure the Write functions.
type Options struct {
	// Force replaces or removes sections that exist without the marker.
	Force bool
	// LockTimeout bounds the wait for the sidecar lock; zero means
	// [DefaultLockTimeout].
	LockTimeout time.Duration
	// DryRun, when non-nil, receives a unified diff (secrets masked) of the
	// change and the file is left alone.
	DryRun io.Writer
}

// resolve follows symlinks so the file is written through to its target
// and the link is kept. A missing file resolves to itself.
func resolve(path string) (string, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		// The parent may itself be a link; resolve it if it exists.
		dir, base := filepath.Split(path)
		if dir == "" {
			return path, nil
		}
		if rd, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(rd, base), nil
		}
		return path, nil
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if fi.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("%s: symlink cannot be resolved (dangling link?): %w", path, err)
	}
	return target, nil
}

// Lock takes the sidecar lock "<file>.lock" that every writer of path
// shares (the lock of a symlink's target). It waits at most timeout (zero
// means [DefaultLockTimeout]) or until ctx is done. The lock file is created
// 0600 and its directory 0700 if missing.
func Lock(ctx context.Context, path string, timeout time.Duration) (unlock func() error, err error) {
	target, err := resolve(path)
	if err != nil {
		return nil, err
	}
	return lockResolved(ctx, target, timeout)
}

func lockResolved(ctx context.Context, target string, timeout time.Duration) (func() error, error) {
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return nil, fmt.Errorf("create directory for %s: %w", target, err)
	}
	lockPath := target + ".lock"
	fl := flock.New(lockPath, flock.SetPermissions(0o600))
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ok, err := fl.TryLockContext(ctx, 2*time.Millisecond)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return nil, fmt.Errorf("lock %s: %w", lockPath, err)
	}
	if !ok {
		if cerr := context.Cause(ctx); errors.Is(cerr, context.DeadlineExceeded) {
			return nil, fmt.Errorf("lock %s: %w after %v (another stslib-proc may be writing; remove the lock file only if no other process runs)", lockPath, ErrLockTimeout, timeout)
		}
		return nil, fmt.Errorf("lock %s: %w", lockPath, ctx.Err())
	}
	return fl.Unlock, nil
}

// Update applies [Splice] to the file at path under the sidecar lock and
// replaces the file atomically. It reports whether the content changed
// (with DryRun: would change). A missing file is treated as empty and
// created 0600; an unchanged file is not written.
func Update(ctx context.Context, path string, set []Section, remove []string, opts Options) (changed bool, err error) {
	if err := checkSections(set, remove); err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	return update(ctx, path, opts, func(old []byte) ([]byte, error) {
		return Splice(old, set, remove, SpliceOptions{Force: opts.Force, Path: path})
	})
}

// update runs splice on the file's content under the lock and writes the
// result atomically if it differs.
func update(ctx context.Context, path string, opts Options, splice func(old []byte) ([]byte, error)) (changed bool, err error) {
	target, err := resolve(path)
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return false, fmt.Errorf("create directory for %s: %w", path, err)
	}
	if err := checkDir(filepath.Dir(target)); err != nil {
		return false, err
	}
	unlock, err := lockResolved(ctx, target, opts.LockTimeout)
	if err != nil {
		return false, err
	}
	defer func() {
		if uerr := unlock(); uerr != nil && err == nil {
			err = fmt.Errorf("unlock %s: %w", path, uerr)
		}
	}()
	old, mode, err := readExisting(target)
	if err != nil {
		return false, err
	}
	res, err := splice(old)
	if err != nil {
		return false, err
	}
	if string(res) == string(old) {
		return false, nil
	}
	if opts.DryRun != nil {
		_, err := io.WriteString(opts.DryRun, Diff(path, old, res))
		return true, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	removeStaleTemps(target)
	if err := writeAtomic(target, res, mode); err != nil {
		return false, err
	}
	return true, nil
}

func tempPattern(target string) string { return "." + filepath.Base(target) + ".tmp-*" }

// removeStaleTemps deletes temp files left by writers that died before
// their rename. Only called under the lock, so no live writer owns one.
func removeStaleTemps(target string) {
	stale, _ := filepath.Glob(filepath.Join(filepath.Dir(target), tempPattern(target)))
	for _, f := range stale {
		os.Remove(f)
	}
}

// readExisting returns the file's content and the mode to write it with:
// the existing mode if stricter than 0600, else 0600.
func readExisting(path string) ([]byte, fs.FileMode, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0o600, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%s: not a regular file", path)
	}
	if err := checkOwner(path, fi); err != nil {
		return nil, 0, err
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", path, err)
	}
	return b, fi.Mode().Perm() & 0o600, nil
}

// writeAtomic replaces path with data through the one atomic writer.
func writeAtomic(path string, data []byte, mode fs.FileMode) error {
	return atomicfile.Write(path, data, mode, tempPattern(path))
}

// WriteSection writes one owned section (replacing an owned one of the same
// name, or appending it) into the file at path.
func WriteSection(ctx context.Context, path, name string, kv []KV, opts Options) error {
	_, err := Update(ctx, path, []Section{{Name: name, Keys: kv}}, nil, opts)
	return err
}

// RemoveOwned removes the named owned sections (all owned sections when
// names is nil) and returns the names it removed (with DryRun: would
// remove), in the order given or, for nil, in file order. Names that do not
// exist are skipped. A named section without the marker is refused with
// [ErrNotOwned] unless opts.Force is set.
func RemoveOwned(ctx context.Context, path string, names []string, opts Options) (removed []string, err error) {
	if err := checkSections(nil, names); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	_, err = update(ctx, path, opts, func(old []byte) ([]byte, error) {
		p, err := parse(old, path)
		if err != nil {
			return nil, err
		}
		list := names
		if list == nil {
			for i := range p.sections {
				if p.sections[i].owned() {
					list = append(list, p.sections[i].name)
				}
			}
		}
		removed = nil
		for _, n := range list {
			if p.find(n) >= 0 {
				removed = append(removed, n)
			}
		}
		return Splice(old, nil, removed, SpliceOptions{Force: opts.Force, Path: path})
	})
	if err != nil {
		return nil, err
	}
	return removed, nil
}
