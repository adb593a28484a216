package warm

import (
	"encoding/hex"
	"errors"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
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

// backgroundNice is the nice value of a background refresh: it still runs
// on a busy machine (CPU weight about a tenth of a foreground process's),
// long before its record reaches the window where a caller would wait.
const backgroundNice = 10

// Start says how [StartRefresh] went.
type Start int

const (
	// NotStarted: a renewal is already on its way, or none could start.
	NotStarted Start = iota
	// Spawned: a new background refresher was started.
	Spawned
	// HandedOver: the running background refresher took the profile.
	HandedOver
)

func (s Start) String() string {
	switch s {
	case Spawned:
		return "started a background refresher"
	case HandedOver:
		return "handed to the running background refresher"
	}
	return "not started"
}

// StartRefresh renews profile's role credentials in the background, ahead
// of their window, unless a renewal of profile was started less than
// spawnGap ago and has not finished. The caller has already served the
// current record and does not wait.
//
// A background refresher that is still running for this caller's
// environment (same variables, working directory and stslib-proc binary)
// takes the profile over a Unix socket in the data directory, which costs
// the caller a connect and a write. Otherwise it starts one: the full
// binary (full), detached in a session of its own, with no terminal,
// standard streams on the null device and a low CPU priority, which
// refreshes the profile, logs failures itself, and stays for later
// profiles until it has been idle a while (see serve.Refresher).
//
// It runs on the warm path, so it costs one open when no refresh is
// running: the marker is created exclusively (which also keeps two callers
// from both starting one), the directory only made when missing.
func StartRefresh(full, dataDir, profile string) Start {
	marker := refreshMarker(dataDir, profile)
	ok, stale := claim(marker)
	if !ok {
		return NotStarted
	}
	wd, err := os.Getwd()
	if err != nil {
		wd = "" // gone: the refresher runs in the temporary directory
	}
	environ := os.Environ()
	sock := RefresherSocket(dataDir, full, wd, environ)
	if stale {
		// The last renewal of profile never finished: the refresher that
		// took it may be stopped or hung. This one runs alone.
		sock = ""
	}
	if sock != "" && handOver(sock, profile) {
		return HandedOver
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		os.Remove(marker)
		return NotStarted
	}
	defer null.Close()
	env := append(environ, "STSLIB_NONINTERACTIVE=1")
	if sock != "" {
		// In the environment, not on the command line, which other users
		// can read: the name hashes this environment.
		env = append(env, RefresherEnv+"="+sock)
	}
	if wd == "" {
		wd = os.TempDir()
	}
	p, err := os.StartProcess(full, []string{full, RefreshCommand, "--", profile}, &os.ProcAttr{
		Dir:   wd, // relative AWS_CONFIG_FILE and the like mean what they mean to the caller
		Env:   env,
		Files: []*os.File{null, null, null},
		Sys:   detached(),
	})
	if err != nil {
		os.Remove(marker)
		return NotStarted
	}
	background(p.Pid)
	_ = p.Release()
	return Spawned
}

// RefresherEnv names, in a background refresh's environment, the socket
// on which it stays as the refresher of its caller's environment.
const RefresherEnv = "STSLIB_REFRESHER_SOCKET"

// RefresherRequest starts what a caller writes to a background
// refresher's socket; the profile name follows, up to the end of the
// stream.
const RefresherRequest = "stslib-proc refresh-ahead 1\n"

// maxSocketPath is the longest Unix socket path every platform takes
// (sun_path is 104 bytes on macOS and the BSDs, 108 on Linux).
const maxSocketPath = 103

// RefresherSocket is where the background refresher for this environment
// listens: a name in dataDir/refresher that hashes the full binary (path,
// size and time, so an upgrade starts a new one), the working directory and
// every environment variable, because the refresher resolves each profile
// it is given with its own. It is "" where there is none: no Unix sockets
// (Windows) or a path too long for one.
func RefresherSocket(dataDir, full, wd string, environ []string) string {
	if !unixSockets {
		return ""
	}
	// The same length-prefixed FNV as Fingerprint's, written out: a shared
	// helper would hold the hash as an interface, and Fingerprint's 16 KiB
	// buffer would escape to the heap on the warm path.
	h := fnv.New128a()
	field := func(s string) {
		h.Write(strconv.AppendInt(nil, int64(len(s)), 10))
		h.Write([]byte{':'})
		io.WriteString(h, s)
	}
	field(full)
	if st, err := os.Stat(full); err == nil {
		field(strconv.FormatInt(st.Size(), 10) + "@" + strconv.FormatInt(st.ModTime().UnixNano(), 10))
	}
	field(wd)
	for _, kv := range environ {
		field(kv)
	}
	// 64 bits of the hash tell environments apart and keep the path short:
	// a socket's is bounded (maxSocketPath).
	p := filepath.Join(dataDir, "refresher", hex.EncodeToString(h.Sum(nil)[:8])+".sock")
	if len(p) > maxSocketPath || !filepath.IsAbs(p) {
		return ""
	}
	return p
}

// claim creates marker, or reports false when another renewal holds it:
// created less than spawnGap ago. A marker that is older (or from the
// future) is stale: its renewal died or hangs; claim replaces it and says
// so.
func claim(marker string) (ok, stale bool) {
	create := func() error {
		f, err := os.OpenFile(marker, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			err = f.Close()
		}
		return err
	}
	err := create()
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if os.MkdirAll(filepath.Dir(marker), 0o700) != nil {
			return false, false
		}
		err = create()
	case errors.Is(err, fs.ErrExist):
		st, serr := os.Stat(marker)
		if serr == nil {
			if age := time.Since(st.ModTime()); age >= 0 && age < spawnGap {
				return false, false
			}
		}
		stale = true
		os.Remove(marker)
		err = create()
	}
	return err == nil, stale
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
