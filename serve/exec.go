package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stslib/stslib-proc/credproc"
)

// ExecEnv is set in exec's child to the role it runs as; a nested exec
// refuses to start unless told to.
const ExecEnv = "STSLIB_EXEC"

// ErrNested reports an exec inside another exec.
var ErrNested = errors.New("already inside 'stslib-proc exec'")

// ExecOptions are exec's command line.
type ExecOptions struct {
	Profile string
	Command []string // the program and its arguments
	// Env exports the credentials as variables instead of the endpoint;
	// they die at their expiry.
	Env bool
	// Nest allows exec inside another exec.
	Nest    bool
	MFACode string
	// The child's standard streams (exec's own, unfiltered).
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Tick is how often credentials are refreshed ahead of their window
	// (default 2 s; a check reads only the index).
	Tick time.Duration
}

// childVars are the variables exec removes from its child's environment,
// so that the child's SDK can only use the credentials exec gives it:
// profile choice, every credential and container-credential variable, and
// stslib-proc's own secrets.
var childVars = []string{
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE",
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
	"AWS_SHARED_CREDENTIALS_FILE", credproc.EnvActive,
}

// childEnv is environ less childVars and stslib-proc's secrets, plus set.
func childEnv(environ []string, set map[string]string) []string {
	keys := slices.Sorted(maps.Keys(set))
	out := credproc.WithoutEnv(environ, slices.Concat(childVars, credproc.SecretEnv(), keys)...)
	for _, k := range keys {
		out = append(out, k+"="+set[k])
	}
	return out
}

// Exec runs a command with credentials for a role that stay valid for the
// whole MFA session: by default a loopback credential endpoint that the
// child's SDK reads and refreshes by itself, renewed here ahead of each
// window; with Env, plain variables that die at their expiry. Signals are
// passed on to the child; its exit status is returned (128+N for a child
// killed by signal N).
func Exec(ctx context.Context, env Env, o ExecOptions) (int, error) {
	if len(o.Command) == 0 {
		return 2, errors.New("exec needs a command: stslib-proc exec ROLE -- COMMAND [ARGS...]")
	}
	if outer := env.Getenv(ExecEnv); outer != "" && !o.Nest {
		return 1, fmt.Errorf("%w %s: its child would get the outer role's credentials replaced; pass --nest to do it anyway", ErrNested, outer)
	}
	r, err := Open(env)
	if err != nil {
		return 1, err
	}
	core := r.Core(o.MFACode, nil)
	creds, err := core.Role(ctx, o.Profile) // may ask for an MFA code, once
	if err != nil {
		return 1, err
	}
	set := map[string]string{ExecEnv: o.Profile, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull}
	if region := profileRegion(core, o.Profile); region != "" && env.Getenv("AWS_REGION") == "" && env.Getenv("AWS_DEFAULT_REGION") == "" {
		set["AWS_REGION"], set["AWS_DEFAULT_REGION"] = region, region
	}
	warnf := func(format string, args ...any) {
		fmt.Fprintf(env.Stderr, "stslib-proc: "+format+"\n", args...)
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	if o.Env {
		set["AWS_ACCESS_KEY_ID"], set["AWS_SECRET_ACCESS_KEY"] = creds.AccessKey, string(creds.SecretKey)
		set["AWS_SESSION_TOKEN"] = string(creds.Session)
		set["AWS_CREDENTIAL_EXPIRATION"] = creds.End.UTC().Format(time.RFC3339)
		warnf("warning: --env: these credentials expire at %s (in %s) and the child cannot renew them; without --env it gets a credential endpoint that stays valid for the session",
			creds.End.UTC().Format(time.RFC3339), creds.End.Sub(env.Now()).Round(time.Second))
	} else {
		token, err := NewToken()
		if err != nil {
			return 1, err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 1, fmt.Errorf("exec: credential endpoint: %w", err)
		}
		ep := &Endpoint{Token: token, Profile: o.Profile, Logf: func(f string, a ...any) { warnf(f, a...) },
			Role: func(ctx context.Context, profile string) (*credproc.Credentials, error) {
				return core.Role(credproc.WithoutPrompt(ctx), profile)
			}}
		srv := &http.Server{Handler: ep, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		set["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://" + ln.Addr().String() + "/"
		set["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = token
		go keep(ctx, env, r, core, ep.Roles, o.Tick, warnf)
	}

	cmd := exec.Command(o.Command[0], o.Command[1:]...)
	cmd.Env = childEnv(env.Environ(), set)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.Stdin, o.Stdout, o.Stderr
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwarded...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 127, fmt.Errorf("exec: %s: %w", o.Command[0], err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case sig := <-sigs:
				// The terminal already sends its own signals (Ctrl-C) to
				// the child in the foreground group: never twice.
				if !fromTerminal(sig) {
					_ = cmd.Process.Signal(sig)
				}
			case <-done:
				return
			}
		}
	})
	err = cmd.Wait()
	close(done)
	wg.Wait()
	return exitStatus(err)
}

// profileRegion is the role profile's region, for a child that no longer
// sees the profile.
func profileRegion(core *credproc.Core, profile string) string {
	r, err := core.Resolver()
	if err != nil {
		return ""
	}
	p, err := r.Resolve(profile)
	if err != nil {
		return ""
	}
	return p.Region
}

// keep renews the endpoint's roles ahead of their windows until ctx ends,
// and says when the MFA session is about to end (at most every 5 min).
func keep(ctx context.Context, env Env, r *Runtime, core *credproc.Core, roles func(since time.Time) []string, tick time.Duration, warnf func(string, ...any)) {
	if tick <= 0 {
		tick = 2 * time.Second
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	var lastNotice, lastFail time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := env.Now()
		for _, p := range roles(now.Add(-10 * time.Minute)) {
			if _, err := core.RefreshAhead(ctx, p); err != nil && ctx.Err() == nil {
				r.logRefresh(p, err)
				if now.Sub(lastFail) > time.Minute {
					lastFail = now
					warnf("warning: %s", strings.Join(strings.Fields(err.Error()), " "))
				}
			}
			if src, end, ok, _ := core.SessionEnd(p); ok && end.Sub(now) < r.Config.SessionNotice && now.Sub(lastNotice) > 5*time.Minute {
				lastNotice = now
				left := end.Sub(now).Round(time.Minute)
				if left > 0 {
					warnf("the MFA session of %s ends in %s; run 'stslib-proc login %s' to keep going", src, left, src)
				} else {
					warnf("the MFA session of %s has ended; run 'stslib-proc login %s'", src, src)
				}
			}
		}
	}
}

// exitStatus turns the child's end into exec's exit status.
func exitStatus(err error) (int, error) {
	if err == nil {
		return 0, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if sig, ok := signalOf(ee); ok {
			return 128 + sig, nil
		}
		return ee.ExitCode(), nil
	}
	return 1, err
}
