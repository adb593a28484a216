package warm

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/stslib/stslib-proc/cache"
	"github.com/stslib/stslib-proc/internal/atomicfile"
	"github.com/stslib/stslib-proc/internal/paths"
	"github.com/stslib/stslib-proc/internal/record"
	"github.com/stslib/stslib-proc/keychain/kernel"
)

// Env is what the fast path reads from the process.
type Env struct {
	Getenv func(string) string
	Home   string
	Now    func() time.Time
	// Debug, when not nil, receives the fast path's debug lines
	// (STSLIB_DEBUG=1); they never hold a secret.
	Debug io.Writer
}

type alias struct {
	Profile string `json:"profile"`
	Key     string `json:"key"`
	FP      string `json:"fp"`
	// WindowMS is the refresh window in milliseconds.
	WindowMS int64 `json:"window_ms"`
}

// fingerprintEnv are the variables that change how a profile resolves:
// which files are read, the STS region and endpoint (part of the cache
// key), the default role_session_name and credential_source keys.
var fingerprintEnv = []string{
	"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "STSLIB_CONFIG", "XDG_CONFIG_HOME", "HOME",
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_STS_REGIONAL_ENDPOINTS",
	"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	"AWS_ACCESS_KEY_ID", "USER", "USERNAME", "LOGNAME",
}

// maxFingerprintFile bounds what the fast path reads of one input; a
// larger file is never served from the alias (the full path decides).
const maxFingerprintFile = 1 << 20

// Fingerprint summarises every input of a profile's cache key and window:
// the content of the AWS config and credentials files and of config.yml
// (not their size and time: two files can share both), and every
// environment variable that changes resolution. It never holds a secret:
// it is a hash.
func Fingerprint(env Env) string {
	cfg, creds := paths.AWS(env.Getenv, env.Home)
	h := fnv.New128a() // not crypto/sha256: its packages cost start-up time
	buf := make([]byte, 0, 16<<10)
	field := func(s string) { // length-prefixed, so fields cannot run together
		h.Write(strconv.AppendInt(buf[:0], int64(len(s)), 10))
		h.Write([]byte{':'})
		io.WriteString(h, s)
	}
	for _, p := range []string{cfg, creds, paths.ConfigYML(env.Getenv, env.Home)} {
		field(p)
		b, ok := readSmall(p, buf[:0])
		switch {
		case ok:
			h.Write(strconv.AppendInt(nil, int64(len(b)), 10))
			h.Write([]byte{':'})
			h.Write(b)
			buf = b
		case b == nil:
			h.Write([]byte("-"))
		default:
			// Unreadable or too large: a value no alias can hold.
			return ""
		}
	}
	for _, k := range fingerprintEnv {
		field(k)
		field(env.Getenv(k))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// readSmall reads a regular file of at most maxFingerprintFile bytes into
// buf. A missing file returns (nil, false); any other failure (not a
// regular file, too large, unreadable) returns a non-nil empty slice and
// false.
func readSmall(path string, buf []byte) (b []byte, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false
		}
		return []byte{}, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() > maxFingerprintFile {
		return []byte{}, false
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, true
		}
		if err != nil {
			return []byte{}, false
		}
		if len(buf) > maxFingerprintFile {
			return []byte{}, false
		}
	}
}

func aliasPath(dataDir, profile string) string {
	return filepath.Join(dataDir, "alias", hash(profile)+".json")
}

// Remember records that profile is served from cache key key with refresh
// window window, as long as the fingerprint fp holds. It writes a small
// non-secret file (0600, in a 0700 directory) atomically.
func Remember(dataDir, profile, key, fp string, window time.Duration) error {
	dir := filepath.Join(dataDir, "alias")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(alias{Profile: profile, Key: key, FP: fp, WindowMS: window.Milliseconds()})
	if err != nil {
		return err
	}
	return atomicfile.Write(aliasPath(dataDir, profile), b, 0o600, ".alias-*")
}

// Forget removes a profile's alias.
func Forget(dataDir, profile string) {
	os.Remove(aliasPath(dataDir, profile))
}

// Serve prints credential_process JSON for profile to w when the fast path
// can answer, and reports whether it did. It never fails: a miss of any
// kind returns false with nothing written.
func Serve(w io.Writer, env Env, profile string) bool {
	dataDir := paths.DataDir(env.Getenv, env.Home)
	b, err := os.ReadFile(aliasPath(dataDir, profile))
	if err != nil {
		return false
	}
	var a alias
	if json.Unmarshal(b, &a) != nil || a.Profile != profile || a.Key == "" || a.FP == "" || a.FP != Fingerprint(env) {
		return false
	}
	hot := HotTier(dataDir)
	if hot == nil {
		return false
	}
	c := &cache.Cache{Dir: dataDir, Hot: hot, Now: env.Now}
	e, err := c.Peek(a.Key, time.Duration(a.WindowMS)*time.Millisecond)
	if err != nil {
		return false
	}
	r, err := record.Decode(e.Data)
	if err != nil {
		return false
	}
	if record.WriteProcessJSON(w, r) != nil {
		return false
	}
	// Inside the refresh-ahead band: the record is served, and stslib-proc
	// renews it in the background for the next call.
	if now := env.Now(); cache.NeedsAhead(e, time.Duration(a.WindowMS)*time.Millisecond, now) {
		RefreshInBackground(dataDir, profile, env.Debug)
	}
	return true
}

// RefreshInBackground has profile renewed ahead of its window by the full
// binary ([StartRefresh]) and writes how that went to debug (nil: no debug
// output).
func RefreshInBackground(dataDir, profile string, debug io.Writer) {
	full, err := FullBinary()
	if err != nil {
		return
	}
	if s := StartRefresh(full, dataDir, profile); debug != nil && s != NotStarted {
		fmt.Fprintf(debug, "stslib-proc: debug: %s: refresh-ahead %s\n", profile, s)
	}
}

// HotTier is the data directory's kernel-keyring store ([kernel.Store]),
// or nil where the kernel keyring is unavailable.
func HotTier(dataDir string) cache.Backend {
	s, err := kernel.NewStore(dataDir)
	if err != nil {
		return nil
	}
	return s
}

func hash(s string) string {
	h := fnv.New128a()
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil))
}
