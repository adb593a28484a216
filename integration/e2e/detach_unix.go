//go:build unix

package e2e

import (
	"os/exec"
	"syscall"
)

// detach starts cmd in a new session, without a controlling terminal, so
// no process of a test can ever prompt on /dev/tty.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }
