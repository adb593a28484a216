package serve

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stslib/stslib-proc/cache"
	"github.com/stslib/stslib-proc/credproc"
	"github.com/stslib/stslib-proc/serve/warm"
)

// logName is the background refresh log in the state directory; it is
// rotated (to logName+".1") past maxLog bytes.
const (
	logName = "refresh.log"
	maxLog  = 64 << 10
)

// refreshAheadIfDue starts a background refresh when creds are inside
// their refresh-ahead band; the caller has served them already.
func refreshAheadIfDue(r *Runtime, profile string, creds *credproc.Credentials, def time.Duration) {
	now := r.Env.Now()
	if !cache.NeedsAhead(&cache.Entry{Start: creds.Start, Expires: creds.End}, def, now) {
		return
	}
	var debug io.Writer
	if r.Env.Debug {
		debug = r.Env.Stderr
	}
	warm.RefreshInBackground(r.DataDir, profile, debug)
}

// RefreshAhead is what a background refresh runs ("stslib-proc
// refresh-ahead -- PROFILE"): it renews the role when it is inside its
// refresh-ahead band, without any prompt, and logs a failure to the state
// directory's refresh.log (shown by status). It writes nothing else.
func RefreshAhead(ctx context.Context, env Env, profile string) error {
	r, err := Open(env)
	if err != nil {
		return err
	}
	defer warm.RefreshDone(r.DataDir, profile)
	_, err = r.Core("", nil).RefreshAhead(ctx, profile)
	if err != nil {
		r.logRefresh(profile, err)
	}
	return err
}

// logRefresh appends one line to the refresh log: time, profile, error
// (errors never hold secrets).
func (r *Runtime) logRefresh(profile string, err error) {
	if err := os.MkdirAll(r.StateDir, 0o700); err != nil {
		return
	}
	p := filepath.Join(r.StateDir, logName)
	if st, err := os.Stat(p); err == nil && st.Size() > maxLog {
		_ = os.Rename(p, p+".1")
	}
	f, ferr := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if ferr != nil {
		return
	}
	defer f.Close()
	msg := strings.Join(strings.Fields(err.Error()), " ")
	fmt.Fprintf(f, "%s\t%s\t%s\n", r.Env.Now().UTC().Format(time.RFC3339), profile, msg)
}

// RefreshFailure is one line of the refresh log.
type RefreshFailure struct {
	Time    time.Time
	Profile string
	Error   string
}

// RefreshFailures returns the background refresh failures logged since
// since, oldest first.
func (r *Runtime) RefreshFailures(since time.Time) []RefreshFailure {
	var out []RefreshFailure
	for _, name := range []string{logName + ".1", logName} {
		f, err := os.Open(filepath.Join(r.StateDir, name))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			parts := strings.SplitN(sc.Text(), "\t", 3)
			if len(parts) != 3 {
				continue
			}
			t, err := time.Parse(time.RFC3339, parts[0])
			if err != nil || t.Before(since) {
				continue
			}
			out = append(out, RefreshFailure{Time: t, Profile: parts[1], Error: parts[2]})
		}
		f.Close()
	}
	return out
}

// mkdirPrivate makes dir (0700) when missing.
func mkdirPrivate(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	return nil
}
