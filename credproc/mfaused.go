package credproc

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/stslib/stslib-proc/internal/atomicfile"
	"github.com/stslib/stslib-proc/keychain/kernel"
)

// STS refuses a TOTP code that was already used, and so does every
// emulator worth the name. stslib-proc never sends one twice: it
// remembers, for each MFA device, the TOTP time step in which it sent a
// code and an HMAC of the code, in this process and, for other processes,
// in a record in the cache directory (Cache.Dir/mfa, one 0600 file per
// device).
//
// The HMAC key is random and lives in the cache's durable backend (the
// keyring) under usedKeyName, never beside the records: a record alone
// does not tell which of the million 6-digit codes was sent. A record
// holds the time step and the HMAC only; it expires two TOTP steps after
// the step it was written in (STS accepts a code during its own step and
// the next one at most), and an expired record is removed when it is next
// read, or when any record is written.
//
// With Options.StateDir (cmd passes the per-user state directory) and the
// Linux kernel keyring, records and key are the user's: the records live
// in StateDir/mfa-used and the key in the kernel user keyring, shared by
// every data directory of that user. Elsewhere (macOS, Windows, no kernel
// keyring) they follow the data directory: the key in its keyring, the
// records in Cache.Dir/mfa, and one user with two data directories could
// send a code twice (STS then refuses it with a clear error).

// totpStep is the TOTP time step; usedSteps is how many steps a record
// lasts.
const (
	totpStep  = 30 * time.Second
	usedSteps = 2
)

// usedKeyName is the backend key of the HMAC key.
const usedKeyName = "mfa-used/hmac-key"

// usedRecord is what is kept of a code that was sent.
type usedRecord struct {
	V    int    `json:"v"`    // usedVersion
	Step int64  `json:"step"` // TOTP time step (Unix time / 30 s) when it was sent
	MAC  string `json:"mac"`  // hex HMAC-SHA256 of the device serial and the code
}

const usedVersion = 2

// usedCodes is the Core's record of codes sent. Its zero value is ready.
type usedCodes struct {
	mu      sync.Mutex
	loaded  bool
	key     []byte // HMAC key
	persist bool   // key comes from the backend: records go to disk
	perUser bool   // key is the user's (kernel keyring): records in StateDir
	mem     map[string]usedRecord
}

func stepOf(t time.Time) int64 { return t.Unix() / int64(totpStep/time.Second) }

// live reports whether r still covers now.
func (r usedRecord) live(now time.Time) bool {
	return r.V == usedVersion && stepOf(now) < r.Step+usedSteps
}

func usedMAC(key []byte, serial, code string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("stslib-proc used mfa code\x00" + serial + "\x00" + code))
	return hex.EncodeToString(m.Sum(nil))
}

// usedKey returns the HMAC key, loading or creating it in the backend on
// first use. When the backend cannot keep it (a locked keyring), the key
// is this process's own and nothing is written to disk. Called with mu
// held.
func (c *Core) usedKey() []byte {
	u := &c.usedMFA
	if u.loaded {
		return u.key
	}
	u.loaded = true
	key, perUser, err := c.loadUsedKey()
	u.perUser = perUser
	if err != nil {
		c.opts.Debug("mfa: used codes are remembered in this process only: " + err.Error())
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	u.key, u.persist = key, err == nil
	return u.key
}

// userKeyName is the HMAC key's name in the kernel user keyring: one per
// user, shared by every data directory (unlike the cache's namespaces).
var userKeyName = "mfa-used-hmac-key" // a variable for tests

// UserKeyName is the kernel-keyring name of the per-user HMAC key for the
// state directory stateDir: "user/" + the directory's namespace + the
// name. The state directory is the user's (it does not follow the data
// directory), so every data directory of a user shares the key; a test's
// private HOME gets its own, which it removes.
func UserKeyName(stateDir string) string { return kernel.StateKey(stateDir, userKeyName) }

// userKeyTTL: the kernel drops the key after a week without use (it is
// renewed on every write); records last a minute, so nothing is lost.
const userKeyTTL = 7 * 24 * time.Hour

func (c *Core) loadUsedKey() (key []byte, perUser bool, err error) {
	if c.opts.StateDir != "" {
		key, err := loadUserKey(c.opts.StateDir)
		if err == nil {
			return key, true, nil
		}
		c.opts.Debug("mfa: no per-user key (" + err.Error() + "); used codes follow the data directory")
	}
	key, err = c.loadDataDirKey()
	return key, false, err
}

// loadDataDirKey reads (or makes) the HMAC key in the cache's keyring.
func (c *Core) loadDataDirKey() ([]byte, error) {
	ch := c.opts.Cache
	if ch == nil || ch.Backend == nil || ch.Dir == "" {
		return nil, errors.New("no cache")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	unlock, err := ch.Lock(ctx, usedKeyName) // two processes must not make two keys
	if err != nil {
		return nil, err
	}
	defer unlock()
	key, err := ch.Backend.Get(usedKeyName)
	if err == nil && len(key) == 32 {
		return key, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := ch.Backend.Set(usedKeyName, key); err != nil {
		return nil, err
	}
	return key, nil
}

// loadUserKey reads (or makes) the per-user HMAC key in the kernel user
// keyring, under a lock in stateDir so two processes never make two keys.
func loadUserKey(stateDir string) ([]byte, error) {
	k, err := kernel.NewKernel()
	if err != nil {
		return nil, err
	}
	name := UserKeyName(stateDir)
	if key, err := k.Get(name); err == nil && len(key) == 32 {
		return key, nil
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, err
	}
	fl := flock.New(filepath.Join(stateDir, "mfa-used.lock"), flock.SetPermissions(0o600))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if ok, err := fl.TryLockContext(ctx, 20*time.Millisecond); !ok {
		return nil, fmt.Errorf("lock: %v", err)
	}
	defer fl.Unlock()
	if key, err := k.Get(name); err == nil && len(key) == 32 {
		return key, nil
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := k.SetWithTTL(name, key, userKeyTTL); err != nil {
		return nil, err
	}
	return key, nil
}

// usedDir is where the records are: the per-user state directory when the
// key is per user, else the cache directory; "" when there is neither.
func (c *Core) usedDir() string {
	if c.opts.StateDir != "" && c.usedMFA.perUser {
		return filepath.Join(c.opts.StateDir, "mfa-used")
	}
	if c.opts.Cache == nil || c.opts.Cache.Dir == "" {
		return ""
	}
	return filepath.Join(c.opts.Cache.Dir, "mfa")
}

func usedFile(serial string) string {
	sum := sha256.Sum256([]byte(serial))
	return hex.EncodeToString(sum[:8]) + ".json"
}

// readUsed returns the live record in file p; an expired, foreign or
// unreadable one is removed.
func readUsed(p string, now time.Time) (usedRecord, bool) {
	b, err := os.ReadFile(p)
	if err != nil {
		return usedRecord{}, false
	}
	var r usedRecord
	if json.Unmarshal(b, &r) != nil || !r.live(now) {
		os.Remove(p)
		return usedRecord{}, false
	}
	return r, true
}

// codeUsed reports whether code was sent for serial within the last two
// TOTP steps, by this process or another one sharing the cache directory.
func (c *Core) codeUsed(serial, code string) bool {
	now := c.opts.Now()
	c.usedMFA.mu.Lock()
	defer c.usedMFA.mu.Unlock()
	key := c.usedKey()
	mac := usedMAC(key, serial, code)
	if r, ok := c.usedMFA.mem[serial]; ok && r.live(now) && hmac.Equal([]byte(r.MAC), []byte(mac)) {
		return true
	}
	dir := c.usedDir()
	if !c.usedMFA.persist || dir == "" {
		return false
	}
	r, ok := readUsed(filepath.Join(dir, usedFile(serial)), now)
	return ok && hmac.Equal([]byte(r.MAC), []byte(mac))
}

// markUsed records that code is about to be sent for serial, and removes
// the expired records of every device.
func (c *Core) markUsed(serial, code string) {
	now := c.opts.Now()
	c.usedMFA.mu.Lock()
	defer c.usedMFA.mu.Unlock()
	r := usedRecord{V: usedVersion, Step: stepOf(now), MAC: usedMAC(c.usedKey(), serial, code)}
	if c.usedMFA.mem == nil {
		c.usedMFA.mem = map[string]usedRecord{}
	}
	c.usedMFA.mem[serial] = r
	for s, old := range c.usedMFA.mem {
		if !old.live(now) {
			delete(c.usedMFA.mem, s)
		}
	}
	dir := c.usedDir()
	if !c.usedMFA.persist || dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return
	}
	sweepUsed(dir, now)
	b, _ := json.Marshal(r)
	_ = atomicfile.Write(filepath.Join(dir, usedFile(serial)), b, 0o600, "") // best effort
}

// sweepUsed removes the expired (and older-format) records in dir.
func sweepUsed(dir string, now time.Time) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".json") && !strings.HasPrefix(e.Name(), ".") {
			readUsed(filepath.Join(dir, e.Name()), now)
		}
	}
}
