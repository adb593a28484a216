//go:build unix

package signin

import (
	"os/exec"
	"syscall"
)

// detach starts the opener in a new session: no controlling terminal, so
// the terminal's signals never reach the browser it starts.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }
