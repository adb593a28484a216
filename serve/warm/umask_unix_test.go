//go:build unix

package warm

import "syscall"

func umask(m int) int { return syscall.Umask(m) }
