//go:build unix

package warm

import "syscall"

// unixSockets says whether background refreshers listen on Unix sockets.
const unixSockets = true

// handOver asks the background refresher listening on sock to renew
// profile, and reports whether the request was delivered. It never waits:
// the socket is non-blocking, so a refresher that is not accepting (gone,
// stopped, its backlog full) is a false, and the caller starts one.
func handOver(sock, profile string) bool {
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		return false
	}
	defer syscall.Close(fd)
	syscall.CloseOnExec(fd)
	if syscall.SetNonblock(fd, true) != nil {
		return false
	}
	if syscall.Connect(fd, &syscall.SockaddrUnix{Name: sock}) != nil {
		return false
	}
	msg := RefresherRequest + profile
	n, err := syscall.Write(fd, []byte(msg))
	return err == nil && n == len(msg)
}
