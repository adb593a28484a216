//go:build unix

package cache

import (
	"syscall"
	"testing"
)

// umask0 sets the process umask to 0 for the test, so modes must come from
// the code. Tests using it must not be parallel.
func umask0(t *testing.T) {
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
}
