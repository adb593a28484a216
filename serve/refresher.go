package serve

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/stslib/stslib-proc/serve/warm"
)

// A background refresher stays after its first refresh, so that the next
// calls in the refresh-ahead band hand their profile over a socket (a
// connect and a write) instead of starting a process each (a fork, an
// exec and the full binary's start-up, on the warm path and then on the
// machine's CPUs). refresherLimits bound its life.
type refresherLimits struct {
	// idle: it exits this long after the last profile it was given.
	idle time.Duration
	// max: it stops taking profiles this long after it started, whatever
	// comes, so that no refresher outlives a change it cannot see (a new
	// session; a new binary is another socket anyway).
	max time.Duration
	// check: how often it checks that its socket is still its own (gone
	// with the data directory: it exits).
	check time.Duration
}

var defaultRefresherLimits = refresherLimits{idle: time.Minute, max: 30 * time.Minute, check: 2 * time.Second}

const (
	// refresherParallel bounds the renewals it runs at once.
	refresherParallel = 4
	// maxRequest bounds what it reads of one request.
	maxRequest = 4 << 10
)

// Refresher is a background refresh that stays ("stslib-proc
// refresh-ahead -- PROFILE" with the socket in [warm.RefresherEnv], started
// by [warm.StartRefresh]): it listens on sock, renews first as
// [RefreshAhead] does, then every profile that a later call of the same
// environment hands over, until it has been idle for a minute (or up for
// 30 minutes, or its socket is removed, or ctx ends). Only the user who
// runs it can reach it: the socket lives in a directory of theirs that
// nobody else may enter, and on Linux every peer's user ID is checked.
//
// When the socket cannot be had (another refresher holds it, or its
// directory is not private), it renews first and returns, as RefreshAhead.
func Refresher(ctx context.Context, env Env, sock, first string) error {
	return refresher(ctx, env, sock, first, defaultRefresherLimits)
}

func refresher(ctx context.Context, env Env, sock, first string, lim refresherLimits) error {
	l, err := listenRefresher(sock)
	if err != nil {
		return RefreshAhead(ctx, env, first)
	}
	defer l.Close()
	mine, err := os.Lstat(sock)
	if err != nil {
		return RefreshAhead(ctx, env, first)
	}
	var (
		wg   sync.WaitGroup
		sem  = make(chan struct{}, refresherParallel)
		ferr error
	)
	renew := func(profile string, keep *error) {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			err := RefreshAhead(ctx, env, profile)
			if keep != nil {
				*keep = err
			}
		})
	}
	renew(first, &ferr)
	start, last := time.Now(), time.Now()
	for ctx.Err() == nil && time.Since(start) < lim.max && time.Since(last) < lim.idle {
		_ = l.SetDeadline(time.Now().Add(lim.check))
		c, err := l.AcceptUnix()
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				if st, err := os.Lstat(sock); err != nil || !os.SameFile(st, mine) {
					return wait(&wg, &ferr) // removed or replaced: not ours to take down
				}
				continue
			}
			break
		}
		if p, ok := readRefreshRequest(c); ok {
			renew(p, nil)
			last = time.Now()
		}
	}
	// Unlink first, so that new callers start their own refresher, then
	// take what was already queued: a caller whose connect succeeded
	// counts on its profile being renewed.
	if st, err := os.Lstat(sock); err == nil && os.SameFile(st, mine) {
		os.Remove(sock)
	}
	for ctx.Err() == nil { // stopped (SIGTERM): their markers go stale, and callers start their own
		_ = l.SetDeadline(time.Now().Add(50 * time.Millisecond))
		c, err := l.AcceptUnix()
		if err != nil {
			break
		}
		if p, ok := readRefreshRequest(c); ok {
			renew(p, nil)
		}
	}
	return wait(&wg, &ferr)
}

// RunningRefreshers counts dataDir's background refreshers that answer on
// their socket (status); a socket left by a killed one does not count.
func RunningRefreshers(dataDir string) int {
	socks, _ := filepath.Glob(filepath.Join(dataDir, "refresher", "*.sock"))
	n := 0
	for _, s := range socks {
		if c, err := net.DialTimeout("unix", s, 200*time.Millisecond); err == nil {
			c.Close() // an empty request, which it drops
			n++
		}
	}
	return n
}

// StopRefreshers removes the sockets of dataDir's background refreshers
// (clear --all): each exits within seconds, once its renewals in flight are
// done, and the next renewal starts a new one. It returns how many there
// were.
func StopRefreshers(dataDir string) int {
	socks, _ := filepath.Glob(filepath.Join(dataDir, "refresher", "*.sock"))
	n := 0
	for _, s := range socks {
		if os.Remove(s) == nil {
			n++
		}
	}
	return n
}

// wait waits for the renewals in flight, then returns the first one's
// error (what RefreshAhead would have returned).
func wait(wg *sync.WaitGroup, err *error) error {
	wg.Wait()
	return *err
}

// listenRefresher listens on sock, in a directory it makes private (0700)
// and checks is the user's. A socket file that no refresher answers (one
// was killed) is replaced; a live one is left to its owner.
func listenRefresher(sock string) (*net.UnixListener, error) {
	dir := filepath.Dir(sock)
	if err := mkdirPrivate(dir); err != nil {
		return nil, err
	}
	if err := privateDir(dir); err != nil {
		return nil, err
	}
	addr := &net.UnixAddr{Name: sock, Net: "unix"}
	l, err := net.ListenUnix("unix", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		c, derr := net.DialTimeout("unix", sock, time.Second)
		if derr == nil {
			c.Close()
			return nil, err
		}
		if !errors.Is(derr, syscall.ECONNREFUSED) {
			return nil, err
		}
		os.Remove(sock)
		l, err = net.ListenUnix("unix", addr)
	}
	if err != nil {
		return nil, err
	}
	// Close must not remove a socket that another refresher made after
	// this one's was removed: Refresher removes its own.
	l.SetUnlinkOnClose(false)
	return l, nil
}

// readRefreshRequest reads one caller's profile ([warm.RefresherRequest],
// then the name, to the end of the stream) and closes c. A peer of another
// user, a malformed or oversized request, or one that is not sent within
// a second, is dropped.
func readRefreshRequest(c *net.UnixConn) (string, bool) {
	defer c.Close()
	if !peerIsUs(c) {
		return "", false
	}
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	b, err := io.ReadAll(io.LimitReader(c, maxRequest+1))
	if err != nil {
		return "", false
	}
	return parseRefreshRequest(b)
}

// parseRefreshRequest returns the profile of a request: at most
// maxRequest bytes, [warm.RefresherRequest] then a name that is not empty
// and holds no NUL or line break.
func parseRefreshRequest(b []byte) (string, bool) {
	if len(b) > maxRequest {
		return "", false
	}
	p, ok := strings.CutPrefix(string(b), warm.RefresherRequest)
	if !ok || p == "" || strings.ContainsAny(p, "\x00\n\r") {
		return "", false
	}
	return p, true
}
