package keychain

import (
	"errors"
	"testing"
	"time"
)

// TestOSKeyringDeadline: a keyring that never answers fails each call
// with ErrTimeout instead of hanging the caller (and the lock it holds).
func TestOSKeyringDeadline(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	get, set, del := keyringGet, keyringSet, keyringDelete
	t.Cleanup(func() { keyringGet, keyringSet, keyringDelete = get, set, del })
	keyringGet = func(string, string) (string, error) { <-block; return "", nil }
	keyringSet = func(string, string, string) error { <-block; return nil }
	keyringDelete = func(string, string) error { <-block; return nil }

	s := &OS{Timeout: 20 * time.Millisecond}
	if _, err := s.Get("k"); !errors.Is(err, ErrTimeout) {
		t.Errorf("Get: %v, want ErrTimeout", err)
	}
	if err := s.Set("k", []byte("v")); !errors.Is(err, ErrTimeout) {
		t.Errorf("Set: %v, want ErrTimeout", err)
	}
	if err := s.Delete("k"); !errors.Is(err, ErrTimeout) {
		t.Errorf("Delete: %v, want ErrTimeout", err)
	}
}
