//go:build unix

package warm

import "syscall"

// detached is how a background refresh starts: in a session of its own,
// with no terminal, so the caller's process group (the AWS CLI) can exit
// or be killed without taking it.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }

// background lowers the CPU priority of the refresh started as pid (the
// leader of its own process group: every thread of the group, those its
// runtime already started included) to backgroundNice, so that it never
// competes with the credential_process calls in the foreground.
func background(pid int) {
	_ = syscall.Setpriority(syscall.PRIO_PGRP, pid, backgroundNice)
}
