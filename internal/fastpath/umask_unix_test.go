//go:build unix

package fastpath

import "syscall"

func umask(m int) int { return syscall.Umask(m) }
