//go:build !unix

package warm

import (
	"os/exec"
	"syscall"
)

// detach starts cmd without a console, in a process group of its own.
func detach(cmd *exec.Cmd) {
	const createNewProcessGroup, detachedProcess = 0x00000200, 0x00000008
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: createNewProcessGroup | detachedProcess}
}
