//go:build unix

package readfile

import (
	"os"
	"syscall"
)

// open opens path for reading with O_NONBLOCK: opening a FIFO then returns
// at once instead of waiting for a writer. Reads of a regular file ignore
// the flag.
func open(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
