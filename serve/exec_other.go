//go:build !unix

package serve

import (
	"os"
	"os/exec"
)

// forwarded: the Windows console delivers Ctrl-C to every process
// attached to it, the child included; there is nothing to pass on.
var forwarded = []os.Signal{os.Interrupt}

func fromTerminal(os.Signal) bool { return true }

func signalOf(*exec.ExitError) (int, bool) { return 0, false }
