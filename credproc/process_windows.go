//go:build windows

package credproc

import (
	"os"
	"os/exec"
	"syscall"
)

// ownGroup starts cmd in a new process group (so a console Ctrl+C does not
// reach it through stslib-proc's group).
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

// killGroup kills p. Windows has no signal for a process group: processes
// p started are not killed (that needs a job object), but exec.Cmd's
// WaitDelay still closes the pipes they hold, so stslib-proc returns.
func killGroup(p *os.Process) error {
	if p == nil {
		return os.ErrProcessDone
	}
	return p.Kill()
}
