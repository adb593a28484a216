//go:build !unix

package warm

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// execFull runs stslib-proc with this process's standard streams and
// returns its exit status.
func execFull(full string, args []string) int {
	cmd := exec.Command(full, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		fmt.Fprintf(os.Stderr, "stslib-proc-fast: error: run %s: %v\n", full, err)
		return 1
	}
	return 0
}
