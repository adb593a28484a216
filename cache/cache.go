package cache

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/stslib/stslib-proc/internal/atomicfile"
)

// ErrMiss reports that the cache holds no usable record for a key: absent,
// expired, corrupt, truncated or written for another key.
var ErrMiss = errors.New("cache: miss")

// ErrLockTimeout reports that another process held a key's refresh lock for
// longer than Cache.LockTimeout.
var ErrLockTimeout = errors.New("cache: timed out waiting for lock")

// DefaultWindow is botocore's advisory refresh time: credentials are
// refreshed when they have less than 15 minutes left.
const DefaultWindow = 15 * time.Minute

// DefaultLockTimeout bounds how long a process waits for another one's
// refresh (which may include a person typing an MFA code).
const DefaultLockTimeout = 20 * time.Second

// Backend stores secret byte strings by key. A missing key is reported as
// an error matching [fs.ErrNotExist]. keychain.Store satisfies it.
type Backend interface {
	Get(key string) ([]byte, error)
	Set(key string, data []byte) error
	Delete(key string) error
}

// ttlSetter is implemented by hot tiers that expire keys themselves
// (package keychain/kernel).
type ttlSetter interface {
	SetWithTTL(key string, data []byte, ttl time.Duration) error
}

// namer is implemented by backends that report their name (keychain.Store).
type namer interface{ Name() string }

// Entry is one cached record.
type Entry struct {
	// Key identifies the record, e.g. "vault/DynamoDBRole-dev/<hash>". It
	// is built by the caller from names only and is stored in the index,
	// so it must not contain secrets.
	Key string
	// Kind is "session" or "vault".
	Kind string
	// Profile is the profile name, for status output.
	Profile string
	// Data is the opaque secret payload. It goes only to the backends.
	Data []byte
	// Start and Expires bound the credentials' life.
	Start, Expires time.Time
}

// IndexEntry is the non-secret description of a record kept in the index.
type IndexEntry struct {
	Key     string    `json:"key"`
	Kind    string    `json:"kind,omitempty"`
	Profile string    `json:"profile,omitempty"`
	Start   time.Time `json:"start"`
	Expires time.Time `json:"expires"`
	// Backend names the durable store ("os", "file", …), if it has a name.
	Backend string `json:"backend,omitempty"`
}

// Cache is a two-tier store of expiring records with a non-secret index
// and cross-process locks in Dir. Backend is required. With Dir empty, the
// index, locks and failure memory live in this process's memory (nothing
// is written to disk; processes do not share them).
type Cache struct {
	// Dir holds the index and lock files; it is created with mode 0700.
	Dir string
	// Backend is the durable store.
	Backend Backend
	// Hot is an optional fast tier read before Backend.
	Hot Backend
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// LockTimeout bounds Lock; 0 means DefaultLockTimeout.
	LockTimeout time.Duration
	// AdvisoryTimeout bounds a refresh (lock wait included) while a
	// still-valid record exists; 0 means DefaultAdvisoryTimeout. Only an
	// expired or absent record waits for the whole of ctx.
	AdvisoryTimeout time.Duration
	// FailureMemory is how long a failed advisory refresh is remembered:
	// until then, Fetch serves the valid record at once without trying
	// again. 0 means DefaultFailureMemory.
	FailureMemory time.Duration

	memOnce sync.Once
	mem     *memState // Dir == ""
}

// memState is the index, locks and failure memory of a Cache without Dir.
type memState struct {
	mu     sync.Mutex
	index  map[string]IndexEntry
	locks  map[string]chan struct{}
	failed map[string]time.Time
}

// inMemory returns the memory state when Dir is empty, else nil.
func (c *Cache) inMemory() *memState {
	if c.Dir != "" {
		return nil
	}
	c.memOnce.Do(func() {
		c.mem = &memState{index: map[string]IndexEntry{}, locks: map[string]chan struct{}{}, failed: map[string]time.Time{}}
	})
	return c.mem
}

// Defaults of the advisory refresh.
const (
	DefaultAdvisoryTimeout = 4 * time.Second
	DefaultFailureMemory   = time.Minute
)

// StoreError reports that a record was fetched but could not be stored;
// Fetch returns it as a warning alongside the new record. It is never a
// refresh failure.
type StoreError struct{ Err error }

func (e *StoreError) Error() string { return "could not cache: " + e.Err.Error() }
func (e *StoreError) Unwrap() error { return e.Err }

// ErrBackoff is the warning Fetch returns when it serves a valid record
// without trying to refresh it, because a refresh failed less than
// FailureMemory ago (that failure was reported then).
var ErrBackoff = errors.New("cache: refresh failed recently; serving the valid record")

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Window returns the refresh window for credentials that live lifetime:
// def (DefaultWindow when def <= 0) for lifetimes of at least 2*def, and
// lifetime/2 for shorter ones, so short-lived roles are not refreshed on
// every call. An unknown lifetime (<= 0) gets def.
func Window(lifetime, def time.Duration) time.Duration {
	if def <= 0 {
		def = DefaultWindow
	}
	if lifetime <= 0 || lifetime >= 2*def {
		return def
	}
	return lifetime / 2
}

// Ahead returns the refresh-ahead band for credentials that live
// lifetime: a record with less than this left is still served, and a
// refresh is started in the background, so that it is replaced before
// it reaches Window (where a caller would wait for the refresh). It is
// Window plus a third of the rest of the lifetime, at most 5 minutes more:
// 20 min for a 1-hour role with the default window, 40 s for a 60-s one.
func Ahead(lifetime, def time.Duration) time.Duration {
	w := Window(lifetime, def)
	if lifetime <= w {
		return w
	}
	return w + min((lifetime-w)/3, aheadMax)
}

// aheadMax bounds the head start of a background refresh: a renewal takes
// seconds, and an earlier one only shortens the life a record serves.
const aheadMax = 5 * time.Minute

// band picks Window or Ahead.
type band func(lifetime, def time.Duration) time.Duration

// fresh reports whether e may be served without refreshing at now: more
// than the band of its own lifetime (Expires - Start, as STS issued it,
// never the duration asked for) is left.
func fresh(e *Entry, b band, def time.Duration, now time.Time) bool {
	w := b(e.Expires.Sub(e.Start), def)
	if w < 0 {
		w = 0
	}
	return now.Before(e.Expires.Add(-w))
}

// NeedsAhead reports whether e is inside its refresh-ahead band at now
// (def is the configured window, as for Fetch).
func NeedsAhead(e *Entry, def time.Duration, now time.Time) bool {
	return !fresh(e, Ahead, def, now)
}

// name is the file name stem for key: fixed length, no path characters.
func name(key string) string {
	// FNV-1a (128 bits), not SHA-256: keys are not chosen by an adversary,
	// and crypto/sha256's package set costs the warm path ~0.3 ms of start-up.
	h := fnv.New128a()
	h.Write([]byte(key))
	return hex.EncodeToString(h.Sum(nil))
}

// storeKey is the name a record has in the backends: derived from the key,
// so any key fits every backend's naming rules (length, "#" in the OS
// keyring, the kernel's description limit). The envelope keeps the key.
func storeKey(key string) string { return "r/" + name(key) }

func (c *Cache) indexPath(key string) string {
	return filepath.Join(c.Dir, "index", name(key)+".json")
}

// mkdir creates dir (and Dir) with mode 0700 whatever the umask.
func (c *Cache) mkdir(sub string) (string, error) {
	if c.Dir == "" {
		return "", errors.New("cache: no directory configured")
	}
	p := filepath.Join(c.Dir, sub)
	for _, d := range []string{c.Dir, p} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return "", fmt.Errorf("cache: %v", err)
		}
		if st, err := os.Stat(d); err == nil && st.Mode().Perm() != 0o700 {
			if err := os.Chmod(d, 0o700); err != nil {
				return "", fmt.Errorf("cache: %v", err)
			}
		}
	}
	return p, nil
}

// readIndex returns the index entry for key, ErrMiss when there is none or
// it is unreadable.
func (c *Cache) readIndex(key string) (*IndexEntry, error) {
	if m := c.inMemory(); m != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		ie, ok := m.index[key]
		if !ok {
			return nil, ErrMiss
		}
		return &ie, nil
	}
	b, err := os.ReadFile(c.indexPath(key))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrMiss
		}
		return nil, fmt.Errorf("cache: index for %q: %v", key, err)
	}
	var ie IndexEntry
	if err := json.Unmarshal(b, &ie); err != nil || ie.Key != key {
		return nil, ErrMiss
	}
	return &ie, nil
}

func (c *Cache) writeIndex(ie *IndexEntry) error {
	if m := c.inMemory(); m != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.index[ie.Key] = *ie
		return nil
	}
	dir, err := c.mkdir("index")
	if err != nil {
		return err
	}
	b, err := json.Marshal(ie)
	if err != nil {
		return fmt.Errorf("cache: index for %q: %v", ie.Key, err)
	}
	return writeAtomic(dir, name(ie.Key)+".json", b)
}

// writeAtomic writes file in dir (0600) through the one atomic writer.
func writeAtomic(dir, file string, data []byte) error {
	if err := atomicfile.Write(filepath.Join(dir, file), data, 0o600, ""); err != nil {
		return fmt.Errorf("cache: %v", err)
	}
	return nil
}

// envelope is the backend representation of an Entry.
type envelope struct {
	V       int       `json:"v"`
	Key     string    `json:"key"`
	Kind    string    `json:"kind,omitempty"`
	Profile string    `json:"profile,omitempty"`
	Start   time.Time `json:"start"`
	Expires time.Time `json:"expires"`
	Data    []byte    `json:"data"`
	CRC     uint32    `json:"crc"`
}

const envelopeVersion = 1

func encode(e *Entry) ([]byte, error) {
	return json.Marshal(envelope{
		V: envelopeVersion, Key: e.Key, Kind: e.Kind, Profile: e.Profile,
		Start: e.Start, Expires: e.Expires, Data: e.Data, CRC: crc32.ChecksumIEEE(e.Data),
	})
}

// decode parses a backend record for key; anything unexpected is ErrMiss.
func decode(b []byte, key string) (*Entry, error) {
	var v envelope
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, ErrMiss
	}
	if v.V != envelopeVersion || v.Key != key || v.Expires.IsZero() || crc32.ChecksumIEEE(v.Data) != v.CRC {
		return nil, ErrMiss
	}
	return &Entry{Key: v.Key, Kind: v.Kind, Profile: v.Profile, Data: v.Data, Start: v.Start, Expires: v.Expires}, nil
}

// setHot writes the hot tier, best effort: on failure the key is removed so
// the tier never serves an older record than Backend.
func (c *Cache) setHot(key string, b []byte, expires, now time.Time) {
	if c.Hot == nil {
		return
	}
	ttl := expires.Sub(now)
	var err error
	switch {
	case ttl <= 0:
		err = errors.New("expired")
	case hasTTL(c.Hot):
		err = c.Hot.(ttlSetter).SetWithTTL(storeKey(key), b, ttl)
	default:
		err = c.Hot.Set(storeKey(key), b)
	}
	if err != nil {
		_ = c.Hot.Delete(storeKey(key))
	}
}

func hasTTL(b Backend) bool { _, ok := b.(ttlSetter); return ok }

// load reads the record for key from Hot, then Backend, refilling Hot from
// Backend. accept filters records (freshness); a Hot record it rejects falls
// through to Backend. Every failure matches ErrMiss; a Backend error other
// than "not found" is wrapped too.
func (c *Cache) load(key string, now time.Time, accept func(*Entry) bool) (*Entry, error) {
	if c.Hot != nil {
		if b, err := c.Hot.Get(storeKey(key)); err == nil {
			if e, err := decode(b, key); err == nil && accept(e) {
				return e, nil
			}
		}
	}
	if c.Backend == nil {
		return nil, errors.New("cache: no backend configured")
	}
	b, err := c.Backend.Get(storeKey(key))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrMiss
		}
		// Unreadable (torn chunks, locked keyring…): still a miss, with
		// the cause kept for callers that want to show it.
		return nil, fmt.Errorf("%w: read %q: %w", ErrMiss, key, err)
	}
	e, err := decode(b, key)
	if err != nil || !accept(e) {
		return nil, ErrMiss
	}
	c.setHot(key, b, e.Expires, now)
	return e, nil
}

// Get returns the unexpired record for key (now < Expires), or ErrMiss when
// the index has none or the stored record is expired, corrupt, truncated or
// foreign. It takes no lock. Every error matches ErrMiss except an
// unreadable index file; a Backend failure (locked keyring) is wrapped
// alongside ErrMiss so its cause can be shown.
func (c *Cache) Get(key string) (*Entry, error) {
	now := c.now()
	ie, err := c.readIndex(key)
	if err != nil {
		return nil, err
	}
	if !now.Before(ie.Expires) {
		return nil, ErrMiss
	}
	return c.load(key, now, func(e *Entry) bool { return now.Before(e.Expires) })
}

// Index returns the non-secret index entry of key (its life, not its
// data), or ErrMiss.
func (c *Cache) Index(key string) (*IndexEntry, error) { return c.readIndex(key) }

// Put stores e in Backend and Hot, then publishes it in the index.
func (c *Cache) Put(e *Entry) error {
	if e == nil || e.Key == "" {
		return errors.New("cache: put: entry has no key")
	}
	if e.Expires.IsZero() {
		return fmt.Errorf("cache: put %q: entry has no expiry", e.Key)
	}
	if c.Backend == nil {
		return errors.New("cache: no backend configured")
	}
	b, err := encode(e)
	if err != nil {
		return fmt.Errorf("cache: put %q: %v", e.Key, err)
	}
	// A backend that expires records itself (the kernel keyring) keeps
	// each for the record's own lifetime.
	var err2 error
	if ttl := e.Expires.Sub(c.now()); hasTTL(c.Backend) && ttl > 0 {
		err2 = c.Backend.(ttlSetter).SetWithTTL(storeKey(e.Key), b, ttl)
	} else {
		err2 = c.Backend.Set(storeKey(e.Key), b)
	}
	if err2 != nil {
		return fmt.Errorf("cache: put %q: %w", e.Key, err2)
	}
	c.setHot(e.Key, b, e.Expires, c.now())
	ie := &IndexEntry{Key: e.Key, Kind: e.Kind, Profile: e.Profile, Start: e.Start, Expires: e.Expires}
	if n, ok := c.Backend.(namer); ok {
		ie.Backend = n.Name()
	}
	return c.writeIndex(ie)
}

// Delete removes key from the index and both tiers. Deleting an absent key
// is not an error.
func (c *Cache) Delete(key string) error {
	var errs []error
	if m := c.inMemory(); m != nil {
		m.mu.Lock()
		delete(m.index, key)
		m.mu.Unlock()
	} else if err := os.Remove(c.indexPath(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, fmt.Errorf("cache: delete %q: %v", key, err))
	}
	for _, b := range []Backend{c.Hot, c.Backend} {
		if b == nil {
			continue
		}
		if err := b.Delete(storeKey(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("cache: delete %q: %w", key, err))
		}
	}
	return errors.Join(errs...)
}

// List returns the index, sorted by key. It reads no secret and does not
// touch the backends; unreadable index files are skipped.
func (c *Cache) List() ([]IndexEntry, error) {
	if m := c.inMemory(); m != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		out := make([]IndexEntry, 0, len(m.index))
		for _, ie := range m.index {
			out = append(out, ie)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
		return out, nil
	}
	dir := filepath.Join(c.Dir, "index")
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("cache: list: %v", err)
	}
	var out []IndexEntry
	for _, d := range ents {
		if !strings.HasSuffix(d.Name(), ".json") || strings.HasPrefix(d.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, d.Name()))
		if err != nil {
			continue
		}
		var ie IndexEntry
		if json.Unmarshal(b, &ie) != nil || ie.Key == "" || d.Name() != name(ie.Key)+".json" {
			continue
		}
		out = append(out, ie)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Lock takes the exclusive cross-process lock for key, waiting at most
// LockTimeout (and not past ctx). The error on timeout matches
// ErrLockTimeout and names the key.
func (c *Cache) Lock(ctx context.Context, key string) (unlock func(), err error) {
	timeout := c.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	lctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if m := c.inMemory(); m != nil {
		m.mu.Lock()
		ch, ok := m.locks[key]
		if !ok {
			ch = make(chan struct{}, 1)
			m.locks[key] = ch
		}
		m.mu.Unlock()
		select {
		case ch <- struct{}{}:
			return func() { <-ch }, nil
		case <-lctx.Done():
			if ctx.Err() != nil {
				return nil, fmt.Errorf("cache: lock %q: %w", key, ctx.Err())
			}
			return nil, fmt.Errorf("cache: lock %q: held for %v: %w", key, timeout, ErrLockTimeout)
		}
	}
	dir, err := c.mkdir("locks")
	if err != nil {
		return nil, err
	}
	fl := flock.New(filepath.Join(dir, name(key)+".lock"), flock.SetPermissions(0o600))
	ok, err := tryLock(lctx, fl)
	if ok {
		return func() { _ = fl.Unlock() }, nil
	}
	_ = fl.Close()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("cache: lock %q: %w", key, ctx.Err())
	}
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("cache: lock %q: another stslib-proc process held it for %v (is it waiting for an MFA code?): %w",
			key, timeout, ErrLockTimeout)
	}
	return nil, fmt.Errorf("cache: lock %q: %v", key, err)
}

// Lock polling: the first retry after lockPollMin, doubling up to
// lockPollMax, each delay with ±50 % jitter. A fixed 5 ms poll made 200
// waiting processes use both cores of a laptop, starving the one process
// that held the lock (and was deriving a scrypt key) past the lock timeout.
const (
	lockPollMin = 5 * time.Millisecond
	lockPollMax = 100 * time.Millisecond
)

// tryLock takes fl, polling with backoff until ctx is done.
func tryLock(ctx context.Context, fl *flock.Flock) (bool, error) {
	delay := lockPollMin
	for {
		ok, err := fl.TryLock()
		if ok || err != nil {
			return ok, err
		}
		jittered := delay/2 + time.Duration(rand.Int64N(int64(delay)))
		t := time.NewTimer(jittered)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, ctx.Err()
		case <-t.C:
		}
		delay = min(2*delay, lockPollMax)
	}
}

// Peek is Fetch's warm path on its own: the entry for key when the index
// says it is fresh (more than window left) and a tier holds it, without
// taking a lock or refreshing. It reads the index and the hot tier, and the
// durable backend only when the hot tier misses. Anything else is ErrMiss.
func (c *Cache) Peek(key string, def time.Duration) (*Entry, error) {
	return c.peek(key, Window, def, c.now())
}

// peek is Peek with band b at now.
func (c *Cache) peek(key string, b band, def time.Duration, now time.Time) (*Entry, error) {
	ie, err := c.readIndex(key)
	if err != nil || !fresh(&Entry{Start: ie.Start, Expires: ie.Expires}, b, def, now) {
		return nil, ErrMiss
	}
	e, err := c.load(key, now, func(e *Entry) bool { return fresh(e, b, def, now) })
	if err != nil {
		return nil, ErrMiss
	}
	return e, nil
}

// Fetch returns a fresh record for key (more than [Window] of its own
// lifetime left, def being the configured window), calling refresh at
// most once across all processes sharing Dir.
//
// Warm path: when the index names a fresh record, Fetch reads it from Hot
// (or Backend, refilling Hot) and returns without locking. Otherwise it
// takes the key's lock, reads again, and if the record is still not fresh
// calls refresh with the record it has (stale: possibly expired, nil when
// absent or unreadable), stores the result with Put and returns it.
//
// While the stale record is still valid (now < Expires), the lock wait and
// refresh are bounded by AdvisoryTimeout, and a failure is remembered for
// FailureMemory: Fetch returns the stale record and the failure as warn,
// and until the memory ends, later calls return the stale record at once
// with ErrBackoff as warn. If the record is expired, the failure is
// returned as err. If the new record cannot be stored, it is returned with
// a *StoreError as warn.
func (c *Cache) Fetch(ctx context.Context, key string, def time.Duration,
	refresh func(ctx context.Context, stale *Entry) (*Entry, error)) (e *Entry, warn error, err error) {
	return c.fetch(ctx, key, Window, def, refresh)
}

// FetchAhead is Fetch with the refresh-ahead band: it refreshes a record
// as soon as it enters [Ahead] of its lifetime. Background refreshers call
// it; since the record is still valid then, the refresh is bounded by
// AdvisoryTimeout, and single-flight across processes as Fetch is.
func (c *Cache) FetchAhead(ctx context.Context, key string, def time.Duration,
	refresh func(ctx context.Context, stale *Entry) (*Entry, error)) (e *Entry, warn error, err error) {
	return c.fetch(ctx, key, Ahead, def, refresh)
}

func (c *Cache) fetch(ctx context.Context, key string, b band, def time.Duration,
	refresh func(ctx context.Context, stale *Entry) (*Entry, error)) (e *Entry, warn error, err error) {
	now := c.now()
	if e, err := c.peek(key, b, def, now); err == nil {
		return e, nil, nil
	}
	valid, _ := c.Get(key) // nil unless a still-valid record exists
	if valid != nil {
		if c.failedRecently(key, now) {
			return valid, ErrBackoff, nil
		}
		timeout := c.AdvisoryTimeout
		if timeout <= 0 {
			timeout = DefaultAdvisoryTimeout
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}

	unlock, lerr := c.Lock(ctx, key)
	if lerr != nil {
		if st, err := c.Get(key); err == nil {
			return st, lerr, nil
		}
		return nil, nil, lerr
	}
	defer unlock()

	now = c.now()
	var stale *Entry
	if _, err := c.readIndex(key); err == nil {
		stale, _ = c.load(key, now, func(*Entry) bool { return true })
	}
	if stale != nil && fresh(stale, b, def, now) {
		return stale, nil, nil // another process refreshed it
	}
	e, rerr := refresh(ctx, stale)
	if rerr == nil && e == nil {
		rerr = fmt.Errorf("cache: refresh %q returned no entry", key)
	}
	if rerr != nil {
		if stale != nil && c.now().Before(stale.Expires) {
			c.rememberFailure(key, c.now())
			return stale, rerr, nil
		}
		return nil, nil, rerr
	}
	if e.Key == "" {
		e.Key = key
	}
	if e.Key != key {
		return nil, nil, fmt.Errorf("cache: refresh %q returned an entry for %q", key, e.Key)
	}
	c.forgetFailure(key)
	if err := c.Put(e); err != nil {
		return e, &StoreError{Err: err}, nil
	}
	return e, nil, nil
}

// failedPath is the marker of a failed advisory refresh: a file whose
// modification time is when it failed.
func (c *Cache) failedPath(key string) string {
	return filepath.Join(c.Dir, "failed", name(key))
}

func (c *Cache) failedRecently(key string, now time.Time) bool {
	var at time.Time
	if m := c.inMemory(); m != nil {
		m.mu.Lock()
		at = m.failed[key]
		m.mu.Unlock()
	} else if st, err := os.Stat(c.failedPath(key)); err == nil {
		at = st.ModTime()
	}
	if at.IsZero() {
		return false
	}
	memory := c.FailureMemory
	if memory <= 0 {
		memory = DefaultFailureMemory
	}
	return !now.Before(at) && now.Sub(at) < memory
}

func (c *Cache) rememberFailure(key string, now time.Time) {
	if m := c.inMemory(); m != nil {
		m.mu.Lock()
		m.failed[key] = now
		m.mu.Unlock()
		return
	}
	dir, err := c.mkdir("failed")
	if err != nil {
		return
	}
	p := filepath.Join(dir, name(key))
	if err := os.WriteFile(p, nil, 0o600); err == nil {
		_ = os.Chtimes(p, now, now)
	}
}

func (c *Cache) forgetFailure(key string) {
	if m := c.inMemory(); m != nil {
		m.mu.Lock()
		delete(m.failed, key)
		m.mu.Unlock()
		return
	}
	_ = os.Remove(c.failedPath(key))
}
