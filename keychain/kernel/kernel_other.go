//go:build !linux

package kernel

import (
	"fmt"
	"time"
)

// Kernel is the Linux kernel keyring hot tier. On this system it is not
// available: [NewKernel] reports ErrUnsupported and every method fails.
type Kernel struct {
	// DefaultTTL is the timeout Set gives keys; 0 means one hour.
	DefaultTTL time.Duration
}

// NewKernel reports ErrUnsupported: the kernel keyring exists only on Linux.
func NewKernel() (*Kernel, error) {
	return nil, fmt.Errorf("kernel keyring: %w", ErrUnsupported)
}

// Name returns "kernel".
func (*Kernel) Name() string { return "kernel" }

// Get reports ErrUnsupported.
func (*Kernel) Get(key string) ([]byte, error) { return nil, ErrUnsupported }

// Set reports ErrUnsupported.
func (*Kernel) Set(key string, data []byte) error { return ErrUnsupported }

// SetWithTTL reports ErrUnsupported.
func (*Kernel) SetWithTTL(key string, data []byte, ttl time.Duration) error {
	return ErrUnsupported
}

// Delete reports ErrUnsupported.
func (*Kernel) Delete(key string) error { return ErrUnsupported }

// List reports ErrUnsupported.
func (*Kernel) List() ([]string, error) { return nil, ErrUnsupported }

var _ = ttlSeconds
