package cache

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// memBackend is a counting in-memory Backend.
type memBackend struct {
	mu      sync.Mutex
	m       map[string][]byte
	gets    int
	sets    int
	setErr  error
	backend string
}

func newMem() *memBackend { return &memBackend{m: map[string][]byte{}, backend: "memory"} }

func (b *memBackend) Name() string { return b.backend }

func (b *memBackend) Get(key string) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.gets++
	v, ok := b.m[key]
	if !ok {
		return nil, fmt.Errorf("mem: %q: %w", key, fs.ErrNotExist)
	}
	return append([]byte(nil), v...), nil
}

func (b *memBackend) Set(key string, data []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sets++
	if b.setErr != nil {
		return b.setErr
	}
	b.m[key] = append([]byte(nil), data...)
	return nil
}

func (b *memBackend) Delete(key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.m[key]; !ok {
		return fmt.Errorf("mem: %q: %w", key, fs.ErrNotExist)
	}
	delete(b.m, key)
	return nil
}

func (b *memBackend) counts() (gets, sets int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.gets, b.sets
}

func (b *memBackend) raw(key string) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.m[storeKey(key)]
}

func (b *memBackend) put(key string, data []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m[storeKey(key)] = data
}

// hotBackend is a memBackend that records the TTLs it is given.
type hotBackend struct {
	*memBackend
	ttls []time.Duration
}

func newHot() *hotBackend { return &hotBackend{memBackend: newMem()} }

func (h *hotBackend) SetWithTTL(key string, data []byte, ttl time.Duration) error {
	h.mu.Lock()
	h.ttls = append(h.ttls, ttl)
	h.mu.Unlock()
	return h.Set(key, data)
}

// dirBackend is a Backend shared between processes: one file per key.
type dirBackend struct{ dir string }

func (d dirBackend) Get(key string) ([]byte, error) {
	return os.ReadFile(filepath.Join(d.dir, name(key)))
}

func (d dirBackend) Set(key string, data []byte) error {
	if err := os.MkdirAll(d.dir, 0o700); err != nil {
		return err
	}
	return writeAtomic(d.dir, name(key), data)
}

func (d dirBackend) Delete(key string) error { return os.Remove(filepath.Join(d.dir, name(key))) }

// clock is a settable clock safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
