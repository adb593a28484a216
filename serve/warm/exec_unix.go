//go:build unix

package warm

import (
	"fmt"
	"os"
	"syscall"
)

// execFull replaces this process with stslib-proc, so stdin, stdout,
// stderr and the exit status are its own.
func execFull(full string, args []string) int {
	err := syscall.Exec(full, append([]string{full}, args...), os.Environ())
	fmt.Fprintf(os.Stderr, "stslib-proc-fast: error: run %s: %v\n", full, err)
	return 1
}
