//go:build !unix

package fastpath

func umask(int) int { return 0 }
