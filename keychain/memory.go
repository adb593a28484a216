package keychain

import (
	"fmt"
	"sync"
)

// Memory is an in-process map store for tests. Its zero value is ready.
type Memory struct {
	mu sync.Mutex
	m  map[string][]byte
}

// NewMemory returns an empty Memory store.
func NewMemory() *Memory { return &Memory{} }

// Name returns "memory".
func (*Memory) Name() string { return "memory" }

// Get returns a copy of the value for key.
func (s *Memory) Get(key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		return nil, fmt.Errorf("keychain: memory: get %q: %w", key, ErrNotFound)
	}
	return append([]byte(nil), v...), nil
}

// Set stores a copy of data under key.
func (s *Memory) Set(key string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string][]byte)
	}
	s.m[key] = append([]byte(nil), data...)
	return nil
}

// Delete removes key.
func (s *Memory) Delete(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[key]; !ok {
		return fmt.Errorf("keychain: memory: delete %q: %w", key, ErrNotFound)
	}
	delete(s.m, key)
	return nil
}

// List returns the keys.
func (s *Memory) List() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.m))
	for k := range s.m {
		keys = append(keys, k)
	}
	return keys, nil
}
