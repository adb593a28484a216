package signin

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"time"
)

// ErrNoOpener is the error when there is no program to open a browser
// with: none for the platform, none on PATH, or no display.
var ErrNoOpener = errors.New("no browser opener")

// Command returns the program and arguments that open url on goos. The
// URL is one argument, given to the program as it is: no shell sees it.
func Command(goos, url string) ([]string, error) {
	switch goos {
	case "darwin":
		return []string{"open", url}, nil
	case "windows":
		return []string{"rundll32", "url.dll,FileProtocolHandler", url}, nil
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly", "solaris", "illumos":
		return []string{"xdg-open", url}, nil
	}
	return nil, fmt.Errorf("%w for %s", ErrNoOpener, goos)
}

// Opener opens a URL in the user's browser.
type Opener func(ctx context.Context, url string) error

// Launcher finds the platform's opener and runs it.
type Launcher struct {
	GOOS   string              // runtime.GOOS
	Getenv func(string) string // DISPLAY and WAYLAND_DISPLAY on X11/Wayland systems
	// LookPath finds a program on PATH; nil for exec.LookPath.
	LookPath func(string) (string, error)
	// Environ is the opener's environment, without stslib-proc's own
	// secrets (credproc.ChildEnv).
	Environ []string
	// Start runs argv (argv[0] a path) with env, without a shell; nil for
	// [StartDetached].
	Start func(ctx context.Context, argv, env []string) error
}

// Opener returns the platform's opener, or an error wrapping
// [ErrNoOpener] that says what is missing.
func (l Launcher) Opener() (Opener, error) {
	argv, err := Command(l.GOOS, "")
	if err != nil {
		return nil, err
	}
	if l.GOOS != "darwin" && l.GOOS != "windows" && l.Getenv != nil &&
		l.Getenv("DISPLAY") == "" && l.Getenv("WAYLAND_DISPLAY") == "" {
		// xdg-open without a display falls back to a text browser, which
		// would fight stslib-proc for the terminal.
		return nil, fmt.Errorf("%w: neither DISPLAY nor WAYLAND_DISPLAY is set", ErrNoOpener)
	}
	lookPath := l.LookPath
	if lookPath == nil {
		lookPath = exec.LookPath
	}
	path, err := lookPath(argv[0])
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not on PATH", ErrNoOpener, argv[0])
	}
	start := l.Start
	if start == nil {
		start = StartDetached
	}
	env := l.Environ
	return func(ctx context.Context, url string) error {
		argv, err := Command(l.GOOS, url)
		if err != nil {
			return err
		}
		argv[0] = path
		return start(ctx, argv, env)
	}, nil
}

// openWait is how long [StartDetached] waits for the opener to finish.
const openWait = 5 * time.Second

// StartDetached runs argv without a shell, in a session of its own (a
// browser it starts outlives stslib-proc and the terminal's ^C), with
// stdin, stdout and stderr on the null device (an opener's error message
// may quote the URL). It waits up to 5 s: an opener that fails within them
// is an error naming its exit status; one still running (xdg-open running
// a browser in the foreground) is left running, never killed.
func StartDetached(ctx context.Context, argv, env []string) error {
	return startDetached(ctx, argv, env, openWait)
}

func startDetached(ctx context.Context, argv, env []string, wait time.Duration) error {
	name := filepath.Base(argv[0])
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	detach(cmd)
	if err := cmd.Start(); err != nil {
		// exec's errors name the program, never its arguments.
		if u := errors.Unwrap(err); u != nil {
			err = u
		}
		return fmt.Errorf("cannot run %s: %v", name, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("%s exited with status %d", name, ee.ExitCode())
		}
		if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		return nil
	case <-t.C:
	case <-ctx.Done():
	}
	return nil
}
