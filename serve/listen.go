package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/stslib/stslib-proc/credproc"
	"github.com/stslib/stslib-proc/internal/atomicfile"
)

// ListenOptions are the serve command's.
type ListenOptions struct {
	// Listen is HOST:PORT; default 127.0.0.1:0 (a free port).
	Listen string
	// AllowRemote allows a non-loopback listen address and clients (the
	// token is still required).
	AllowRemote bool
	// TokenFile is where the token is written (0600); default
	// StateDir/serve.token.
	TokenFile string
	// Out receives the two start-up lines: the base URL, the token file.
	Out  io.Writer
	Tick time.Duration
}

// ErrNonLoopback refuses to listen on an address other users can reach.
var ErrNonLoopback = errors.New("not a loopback address")

// Listen runs the credential endpoint as a long-lived service, one path
// per role (/role/ROLE), until ctx ends (SIGTERM). It never prompts: with
// no session it answers an error naming 'stslib-proc login', which the
// SDKs show.
func Listen(ctx context.Context, env Env, o ListenOptions) error {
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	if _, _, err := net.SplitHostPort(o.Listen); err != nil {
		return fmt.Errorf("--listen %s: want HOST:PORT", o.Listen)
	}
	if !o.AllowRemote && !loopback(o.Listen) {
		return fmt.Errorf("--listen %s: %w; other machines and containers on a bridge network could ask for credentials (the token is still required): pass --allow-remote to do it anyway", o.Listen, ErrNonLoopback)
	}
	r, err := Open(env)
	if err != nil {
		return err
	}
	core := r.Core("", nil)
	token, err := NewToken()
	if err != nil {
		return err
	}
	if o.TokenFile == "" {
		o.TokenFile = filepath.Join(r.StateDir, "serve.token")
	}
	if err := mkdirPrivate(filepath.Dir(o.TokenFile)); err != nil {
		return err
	}
	// No newline: some SDKs read the file verbatim.
	if err := atomicfile.Write(o.TokenFile, []byte(token), 0o600, ""); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", o.Listen, err)
	}
	logf := func(f string, a ...any) { fmt.Fprintf(env.Stderr, "stslib-proc: "+f+"\n", a...) }
	ep := &Endpoint{Token: token, AllowRemote: o.AllowRemote, Logf: logf,
		Role: func(ctx context.Context, profile string) (*credproc.Credentials, error) {
			return core.Role(credproc.WithoutPrompt(ctx), profile)
		}}
	srv := &http.Server{Handler: ep, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(o.Out, "http://%s\n%s\n", ln.Addr(), o.TokenFile)
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	go keep(ctx, env, r, core, ep.Roles, o.Tick, logf)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		logf("serve stopped")
		return nil
	case err := <-errc:
		return err
	}
}
