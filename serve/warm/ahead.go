package warm

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"
)

// RefreshCommand is the (hidden) stslib-proc command a background refresh
// runs: "stslib-proc refresh-ahead -- PROFILE".
const RefreshCommand = "refresh-ahead"

// spawnGap is how long after starting a background refresh for a profile
// no other is started (unless it finished: it removes its marker): the
// first takes the refresh lock and the others would only wait for it.
const spawnGap = 10 * time.Second

// refreshMarker is the file that says a background refresh of profile is
// running.
func refreshMarker(dataDir, profile string) string {
	return filepath.Join(dataDir, "refreshing", hash(profile))
}

// RefreshDone removes the marker of a finished background refresh.
func RefreshDone(dataDir, profile string) { os.Remove(refreshMarker(dataDir, profile)) }

// StartRefresh starts one detached stslib-proc (full, the full binary)
// that refreshes profile's role credentials ahead of their window, unless
// one was started for it in the last 30 s. The caller has already served
// the current record and does not wait: the refresh runs in its own
// session, with no terminal and no standard streams, and logs failures
// itself. It reports whether it started one.
func StartRefresh(full, dataDir, profile string, now time.Time) bool {
	dir := filepath.Join(dataDir, "refreshing")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false
	}
	marker := refreshMarker(dataDir, profile)
	if st, err := os.Stat(marker); err == nil && now.Sub(st.ModTime()) < spawnGap && !now.Before(st.ModTime()) {
		return false
	}
	if err := os.WriteFile(marker, nil, 0o600); err != nil {
		return false
	}
	_ = os.Chtimes(marker, now, now)
	cmd := exec.Command(full, RefreshCommand, "--", profile)
	cmd.Env = append(os.Environ(), "STSLIB_NONINTERACTIVE=1")
	cmd.Dir = os.TempDir()
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return false
	}
	_ = cmd.Process.Release()
	return true
}

// FullBinary finds stslib-proc: this program when it is stslib-proc, else
// the one beside this executable, else on PATH.
func FullBinary() (string, error) {
	name := "stslib-proc"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	exe, err := os.Executable()
	if err == nil {
		if filepath.Base(exe) == name {
			return exe, nil
		}
		p := filepath.Join(filepath.Dir(exe), name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return exec.LookPath("stslib-proc")
}
