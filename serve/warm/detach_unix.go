//go:build unix

package warm

import (
	"os/exec"
	"syscall"
)

// detach runs cmd in a session of its own: no terminal, and the caller's
// process group (the AWS CLI) can exit or be killed without taking it.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }
