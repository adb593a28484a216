package credproc

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/stslib/stslib-proc/internal/record"
)

// EnvActive is set in the environment of every process stslib-proc starts
// (mfa_process, a source's credential_process). A stslib-proc that finds it
// set refuses to run, so a misconfigured loop fails at once instead of
// forking until the SDK's timeout.
const EnvActive = "STSLIB_PROC_ACTIVE"

// SplitCommand splits a command line the way botocore splits
// credential_process: POSIX shell quoting (single and double quotes,
// backslash escapes) on Unix, and Windows-style quoting (backslashes are
// literal except before a quote) on Windows. No shell is involved.
func SplitCommand(s string) ([]string, error) {
	return splitCommand(s, runtime.GOOS == "windows")
}

func splitCommand(s string, windows bool) ([]string, error) {
	var args []string
	var cur strings.Builder
	inArg := false
	var quote rune
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				cur.WriteRune(c)
			}
		case quote == '"':
			switch {
			case c == '"':
				quote = 0
			case c == '\\' && i+1 < len(rs) && (rs[i+1] == '"' || (!windows && (rs[i+1] == '\\' || rs[i+1] == '$' || rs[i+1] == '`'))):
				i++
				cur.WriteRune(rs[i])
			default:
				cur.WriteRune(c)
			}
		case c == '\'' && !windows, c == '"':
			quote = c
			inArg = true
		case c == '\\' && !windows:
			if i+1 < len(rs) {
				i++
				cur.WriteRune(rs[i])
			}
			inArg = true
		case c == '\\' && windows && i+1 < len(rs) && rs[i+1] == '"':
			i++
			cur.WriteRune('"')
			inArg = true
		case unicode.IsSpace(c):
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(c)
			inArg = true
		}
	}
	if quote != 0 {
		return nil, errors.New("unclosed quote in command")
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args, nil
}

// Bounds of the programs stslib-proc runs (mfa_process, a source's
// credential_process).
const (
	// processTimeout bounds each run; the caller's context may end it sooner.
	processTimeout = 30 * time.Second
	// mfaOutputLimit bounds what mfa_process may print (a code is 6
	// digits); credentialOutputLimit bounds credential_process JSON.
	mfaOutputLimit        = 4 << 10
	credentialOutputLimit = 64 << 10
	// stderrLimit is how much of a child's stderr is kept, for one line
	// of explanation when it fails.
	stderrLimit = 4 << 10
	// waitDelay is how long a child's processes may keep its stdout or
	// stderr open after it exited or was killed. Past it, stslib-proc
	// stops reading and kills the child's process group.
	waitDelay = time.Second
)

// scrubbedEnv lists stslib-proc's own secrets: no child inherits them.
var scrubbedEnv = []string{"STSLIB_FILE_PASSPHRASE", "STSLIB_MFA_CODE"}

// SecretEnv returns the names of stslib-proc's own secret variables, which
// no program it starts may inherit.
func SecretEnv() []string { return slices.Clone(scrubbedEnv) }

// errTimedOut and errFlood are the causes runCommand cancels a child with.
var (
	errTimedOut = errors.New("timed out")
	errFlood    = errors.New("output limit exceeded")
)

// child is one run of another program.
type child struct {
	profile string // named in errors
	key     string // "mfa_process" or "credential_process", named in errors
	line    string // the command line; never in errors
	environ []string

	timeout   time.Duration // processTimeout when 0
	limit     int           // stdout limit in bytes
	waitDelay time.Duration // waitDelay when 0
	// warn, when set, is told in one line what a failing child said on
	// stderr (its last line, escaped and with long tokens redacted), and
	// that processes it left holding its output were killed.
	warn func(string)
}

// runCommand runs mfa_process or a source's credential_process for
// profile with the Core's environment and warnings, and the key's output
// limit.
func (c *Core) runCommand(ctx context.Context, profile, key, cmdline string) ([]byte, error) {
	limit := credentialOutputLimit
	if key == "mfa_process" {
		limit = mfaOutputLimit
	}
	ch := child{profile: profile, key: key, line: cmdline, environ: c.opts.Environ(), limit: limit, warn: c.opts.Warn}
	return ch.run(ctx)
}

// run runs the command line without a shell and returns its stdout.
//
// The child runs in a process group of its own (a new session on Unix, so
// it has no controlling terminal either: a tool that would prompt on
// /dev/tty fails at once instead of being stopped in the background), with
// stdin on the null device and an environment without [scrubbedEnv] but
// with EnvActive set. When the deadline (the shorter of the timeout and
// ctx's) passes or the output limit is exceeded, the whole group is
// killed, and run returns even when a process that escaped the group
// still holds the output pipe. Errors name the profile and the key and say
// what happened, never what the child printed.
func (ch child) run(ctx context.Context) ([]byte, error) {
	args, err := SplitCommand(ch.line)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %s: %v", ch.profile, ch.key, err)
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("profile %s: %s is empty", ch.profile, ch.key)
	}
	timeout := cmp.Or(ch.timeout, processTimeout)
	within := timeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < within {
		within = time.Until(dl)
	}
	parent := ctx
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errTimedOut)
	defer cancel()

	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = childEnv(ch.environ)
	cmd.Stdin = nil // the null device
	out := &limitWriter{limit: ch.limit, full: func() { stop(errFlood) }}
	stderr := &tailWriter{limit: stderrLimit}
	cmd.Stdout, cmd.Stderr = out, stderr
	ownGroup(cmd)
	cmd.Cancel = func() error { return killGroup(cmd.Process) }
	cmd.WaitDelay = cmp.Or(ch.waitDelay, waitDelay)

	err = cmd.Run()
	if cmd.Process != nil && err != nil {
		// Whatever went wrong, nothing the child started outlives it
		// holding its pipes (ErrWaitDelay) or running past the deadline.
		_ = killGroup(cmd.Process)
	}
	fail := func(what string) ([]byte, error) {
		if ch.warn != nil {
			if note := stderrNote(stderr.bytes()); note != "" {
				ch.warn(fmt.Sprintf("profile %s: %s said on stderr: %s", ch.profile, ch.key, note))
			}
		}
		return nil, fmt.Errorf("profile %s: %s %s", ch.profile, ch.key, what)
	}
	switch cause := context.Cause(ctx); {
	case out.over:
		return fail("printed more than " + byteSize(ch.limit))
	case errors.Is(cause, errTimedOut):
		return fail("did not finish within " + roundDuration(timeout))
	case parent.Err() != nil:
		if errors.Is(parent.Err(), context.DeadlineExceeded) {
			return fail("did not finish within " + roundDuration(within))
		}
		return fail("was stopped: " + parent.Err().Error())
	}
	if errors.Is(err, exec.ErrWaitDelay) {
		// It exited successfully but left processes holding its output:
		// they were killed above, and what it printed stands.
		if ch.warn != nil {
			ch.warn(fmt.Sprintf("profile %s: %s left processes running that held its output; they were killed", ch.profile, ch.key))
		}
		err = nil
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if code := ee.ExitCode(); code >= 0 {
				return fail(fmt.Sprintf("exited with status %d", code))
			}
			return fail("was killed (" + ee.ProcessState.String() + ")")
		}
		return nil, fmt.Errorf("profile %s: %s: cannot run %s: %v", ch.profile, ch.key, args[0], cmp.Or(errors.Unwrap(err), err))
	}
	return out.buf.Bytes(), nil
}

// childEnv is environ without stslib-proc's secrets, with EnvActive set.
func childEnv(environ []string) []string {
	return append(WithoutEnv(environ, append(slices.Clip(scrubbedEnv), EnvActive)...), EnvActive+"=1")
}

// WithoutEnv returns environ less the variables named, compared the way
// the system compares names (without regard to case on Windows).
func WithoutEnv(environ []string, names ...string) []string {
	env := make([]string, 0, len(environ)+1)
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if slices.ContainsFunc(names, func(s string) bool { return envKeyEqual(k, s) }) {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// envKeyEqual compares environment variable names the way the system does.
func envKeyEqual(a, b string) bool {
	if runtime.GOOS == "windows" {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// limitWriter keeps at most limit bytes; past them it records that the
// limit was exceeded, calls full once and fails every write, which ends
// the copy from the child's stdout.
type limitWriter struct {
	limit int
	full  func()
	buf   bytes.Buffer
	over  bool
}

func (w *limitWriter) Write(p []byte) (int, error) {
	if w.over {
		return 0, errFlood
	}
	if w.buf.Len()+len(p) > w.limit {
		w.buf.Write(p[:w.limit-w.buf.Len()])
		w.over = true
		w.full()
		return 0, errFlood
	}
	return w.buf.Write(p)
}

// tailWriter keeps the last limit bytes written to it.
type tailWriter struct {
	limit int
	buf   []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) > w.limit {
		p = p[len(p)-w.limit:]
	}
	if over := len(w.buf) + len(p) - w.limit; over > 0 {
		w.buf = w.buf[over:]
	}
	w.buf = append(w.buf, p...)
	return n, nil
}

func (w *tailWriter) bytes() []byte { return w.buf }

// longToken matches what may be a secret in a child's message: a run of
// 16 or more characters from the base32, base64 and hex alphabets.
var longToken = regexp.MustCompile(`[A-Za-z0-9+/=_-]{16,}`)

// stderrNote is the last non-empty line of a child's stderr, at most 200
// bytes, with long tokens redacted and control characters escaped; "" when
// there is none.
func stderrNote(b []byte) string {
	lines := strings.Split(strings.ToValidUTF8(string(b), "\ufffd"), "\n")
	line := ""
	for i := len(lines) - 1; i >= 0 && line == ""; i-- {
		line = strings.TrimSpace(lines[i])
	}
	line = longToken.ReplaceAllString(line, "[redacted]")
	var sb strings.Builder
	for _, r := range line {
		if sb.Len() >= 200 {
			sb.WriteString("...")
			break
		}
		if unicode.IsControl(r) {
			fmt.Fprintf(&sb, "\\x%02x", r)
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// byteSize prints a limit: "4 KiB", "64 KiB", "100 bytes".
func byteSize(n int) string {
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// roundDuration prints a deadline: whole seconds, or milliseconds below
// one second.
func roundDuration(d time.Duration) string {
	if d >= time.Second {
		return d.Round(time.Second).String()
	}
	return d.Round(time.Millisecond).String()
}

// processCredentials parses another tool's credential_process output.
// A parse error never quotes the output (the SDK's does; it leaks secrets).
func processCredentials(profile string, out []byte) (*Credentials, error) {
	r, err := record.ReadProcessJSON(out)
	if err != nil {
		return nil, fmt.Errorf("profile %s: credential_process %w", profile, err)
	}
	return &Credentials{Profile: profile, AccessKey: r.AccessKey, SecretKey: Secret(r.SecretKey), Session: Secret(r.Session),
		End: r.End, AccountID: r.AccountID}, nil
}

// ValidMFACode reports whether s is a 6-digit code.
func ValidMFACode(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
