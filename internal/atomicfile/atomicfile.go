package atomicfile

import (
	"os"
	"path/filepath"
	"time"
)

// StaleAge is how old a temporary file must be before it is taken for a
// dead writer's: writes take milliseconds, so a minute is far past any
// live one.
const StaleAge = time.Minute

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
