//go:build unix

package main

import (
	"os/exec"
	"syscall"
)

// detach starts cmd in a new session, without a controlling terminal.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }
