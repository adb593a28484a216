package keychain

import "time"

// kernelPrefix starts the description of every key this package puts into
// the kernel keyring.
const kernelPrefix = Service + ":"

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
