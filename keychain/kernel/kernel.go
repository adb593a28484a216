package kernel

import (
	"errors"
	"fmt"
	"io/fs"
	"time"
)

// Prefix starts the description of every key this package puts into the
// kernel keyring.
const Prefix = "stslib-proc:"

const kernelPrefix = Prefix

// ErrNotFound reports an absent (or expired) key; it matches fs.ErrNotExist.
var ErrNotFound = fmt.Errorf("kernel keyring: not found (%w)", fs.ErrNotExist)

// ErrUnsupported reports that the kernel keyring is not available here.
var ErrUnsupported = fmt.Errorf("kernel keyring: %w", errors.ErrUnsupported)

// kernelDefaultTTL is the timeout of keys written by Kernel.Set.
const kernelDefaultTTL = time.Hour

// ttlSeconds converts a TTL to the kernel's whole seconds: rounded down so
// the kernel never keeps a key past its record's life, but at least 1 (0
// would mean "never expires").
func ttlSeconds(ttl time.Duration) int {
	s := int(ttl / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}
