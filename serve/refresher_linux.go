package serve

import (
	"net"
	"os"
	"syscall"
)

// peerIsUs reports whether the process at the other end of c runs as this
// user (SO_PEERCRED).
func peerIsUs(c *net.UnixConn) bool {
	rc, err := c.SyscallConn()
	if err != nil {
		return false
	}
	ok := false
	_ = rc.Control(func(fd uintptr) {
		cred, err := syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
		ok = err == nil && int(cred.Uid) == os.Geteuid()
	})
	return ok
}
