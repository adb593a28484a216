//go:build !unix

package warm

import "syscall"

// detached is how a background refresh starts: without a console, in a
// process group of its own, below normal priority so that it never
// competes with the credential_process calls in the foreground.
func detached() *syscall.SysProcAttr {
	const createNewProcessGroup, detachedProcess, belowNormalPriorityClass = 0x00000200, 0x00000008, 0x00004000
	return &syscall.SysProcAttr{CreationFlags: createNewProcessGroup | detachedProcess | belowNormalPriorityClass}
}

// background is done by detached's priority class.
func background(int) {}
