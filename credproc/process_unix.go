//go:build unix

package credproc

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// ownGroup starts cmd in a new session: a process group of its own, which
// killGroup can kill whole, and no controlling terminal. (Setpgid alone
// would leave the terminal reachable from a background group, where a
// tool that reads /dev/tty is stopped by SIGTTIN until the deadline.)
func ownGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }

// killGroup sends SIGKILL to the process group that p leads. A group that
// is already gone is os.ErrProcessDone, which exec.Cmd ignores.
func killGroup(p *os.Process) error {
	if p == nil {
		return os.ErrProcessDone
	}
	err := syscall.Kill(-p.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return os.ErrProcessDone
	}
	return err
}
