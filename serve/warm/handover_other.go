//go:build !unix

package warm

// unixSockets says whether background refreshers listen on Unix sockets:
// not here, so every background refresh starts its own process.
const unixSockets = false

func handOver(sock, profile string) bool { return false }
