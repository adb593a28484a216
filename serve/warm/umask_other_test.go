//go:build !unix

package warm

func umask(int) int { return 0 }
