package kernel

import (
	"encoding/hex"
	"hash/fnv"
	"time"
)

// Store is the kernel keyring namespaced by a data directory: the user
// keyring is shared by every HOME and data directory of one user, and two
// data directories must never see each other's records. It is the one
// kernel-keyring store of the program: the cache's hot tier, and the
// durable store when nothing else can hold secrets on a headless host.
type Store struct {
	k  *Kernel
	ns string
}

// NewStore returns the store of dataDir, or an error matching
// ErrUnsupported where the kernel keyring is unavailable.
func NewStore(dataDir string) (*Store, error) {
	k, err := NewKernel()
	if err != nil {
		return nil, err
	}
	return &Store{k: k, ns: Namespace(dataDir)}, nil
}

// Namespace is the key prefix of a data directory: a hash, so no path
// shows in /proc/keys and any path fits.
func Namespace(dataDir string) string {
	h := fnv.New128a() // not crypto/sha256: start-up time on the warm path
	h.Write([]byte(dataDir))
	return hex.EncodeToString(h.Sum(nil))[:12] + "/"
}

// Name returns "kernel".
func (*Store) Name() string { return "kernel" }

// Get reads key.
func (s *Store) Get(key string) ([]byte, error) { return s.k.Get(s.ns + key) }

// Set stores data with the default timeout (one hour).
func (s *Store) Set(key string, data []byte) error { return s.k.Set(s.ns+key, data) }

// SetWithTTL stores data until ttl passes; the cache gives each record its
// own remaining life.
func (s *Store) SetWithTTL(key string, data []byte, ttl time.Duration) error {
	return s.k.SetWithTTL(s.ns+key, data, ttl)
}

// Delete removes key.
func (s *Store) Delete(key string) error { return s.k.Delete(s.ns + key) }

// StateKey is the name of a per-user record kept for a state directory
// (not a data directory): "user/" + the directory's namespace + name.
func StateKey(stateDir, name string) string { return "user/" + Namespace(stateDir) + name }
