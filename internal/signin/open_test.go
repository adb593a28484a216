package signin

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// hostile is a URL with everything a shell would act on.
const hostile = "https://signin.aws.amazon.com/federation?Action=login&Destination=x;touch${IFS}pwned&SigninToken=$(touch pwned)`id`|cat 'q\""

func TestCommand(t *testing.T) {
	tests := []struct {
		goos string
		want []string
	}{
		{"linux", []string{"xdg-open", hostile}},
		{"freebsd", []string{"xdg-open", hostile}},
		{"darwin", []string{"open", hostile}},
		{"windows", []string{"rundll32", "url.dll,FileProtocolHandler", hostile}},
	}
	for _, tt := range tests {
		t.Run(tt.goos, func(t *testing.T) {
			got, err := Command(tt.goos, hostile)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("argv (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := Command("plan9", hostile); !errors.Is(err, ErrNoOpener) {
		t.Errorf("plan9: %v, want ErrNoOpener", err)
	}
}

// recorder is a fake Start: it records argv and env.
type recorder struct {
	argv, env []string
	err       error
}

func (r *recorder) start(_ context.Context, argv, env []string) error {
	r.argv, r.env = argv, env
	return r.err
}

func TestLauncher(t *testing.T) {
	found := func(name string) (string, error) { return "/opt/bin/" + name, nil }
	missing := func(name string) (string, error) { return "", errors.New("not found") }
	display := func(k string) string { return map[string]string{"DISPLAY": ":0"}[k] }
	wayland := func(k string) string { return map[string]string{"WAYLAND_DISPLAY": "wayland-0"}[k] }
	none := func(string) string { return "" }
	tests := []struct {
		name     string
		l        Launcher
		wantArgv []string
		noOpener string // the ErrNoOpener error's text, when one is wanted
	}{
		{"linux X11", Launcher{GOOS: "linux", Getenv: display, LookPath: found},
			[]string{"/opt/bin/xdg-open", hostile}, ""},
		{"linux Wayland", Launcher{GOOS: "linux", Getenv: wayland, LookPath: found},
			[]string{"/opt/bin/xdg-open", hostile}, ""},
		{"darwin needs no DISPLAY", Launcher{GOOS: "darwin", Getenv: none, LookPath: found},
			[]string{"/opt/bin/open", hostile}, ""},
		{"windows", Launcher{GOOS: "windows", Getenv: none, LookPath: found},
			[]string{"/opt/bin/rundll32", "url.dll,FileProtocolHandler", hostile}, ""},
		{"linux without a display", Launcher{GOOS: "linux", Getenv: none, LookPath: found}, nil, "neither DISPLAY nor WAYLAND_DISPLAY"},
		{"xdg-open missing", Launcher{GOOS: "linux", Getenv: display, LookPath: missing}, nil, "xdg-open is not on PATH"},
		{"open missing", Launcher{GOOS: "darwin", Getenv: none, LookPath: missing}, nil, "open is not on PATH"},
		{"unknown system", Launcher{GOOS: "plan9", Getenv: display, LookPath: found}, nil, "for plan9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			tt.l.Start = rec.start
			tt.l.Environ = []string{"PATH=/opt/bin"}
			open, err := tt.l.Opener()
			if tt.noOpener != "" {
				if !errors.Is(err, ErrNoOpener) || !strings.Contains(err.Error(), tt.noOpener) {
					t.Fatalf("Opener: %v, want ErrNoOpener with %q", err, tt.noOpener)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := open(context.Background(), hostile); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantArgv, rec.argv); diff != "" {
				t.Errorf("argv (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"PATH=/opt/bin"}, rec.env); diff != "" {
				t.Errorf("env (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStartDetached runs a real opener: a script that records its
// arguments. The hostile URL arrives as one argument, byte for byte, and
// nothing in it ran.
func TestStartDetached(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("shell script opener")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "argv")
	opener := filepath.Join(dir, "xdg-open")
	script := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done > " + out + "\n" +
		"printf 'opener stderr %s\\n' \"$1\" >&2\nexit ${OPENER_EXIT:-0}\n"
	if err := os.WriteFile(opener, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=/usr/bin:/bin"}
	// The test's working directory is the package's: run the opener from
	// a temporary one, where a "pwned" file would show.
	t.Chdir(dir)
	if err := startDetached(context.Background(), []string{opener, hostile}, env, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{hostile}, strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")); diff != "" {
		t.Errorf("opener's arguments (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Error("a shell ran the URL")
	}

	// A failing opener is an error naming its status, not the URL.
	err = startDetached(context.Background(), []string{opener, hostile}, append(env, "OPENER_EXIT=3"), 10*time.Second)
	if err == nil || err.Error() != "xdg-open exited with status 3" {
		t.Errorf("failing opener: %v", err)
	}
	// A missing one names the program only.
	err = startDetached(context.Background(), []string{filepath.Join(dir, "nope"), hostile}, env, time.Second)
	if err == nil || strings.Contains(err.Error(), "SigninToken") || !strings.Contains(err.Error(), "cannot run nope") {
		t.Errorf("missing opener: %v", err)
	}
}

// TestStartDetachedLeavesABrowserRunning: an opener still running after
// the wait (xdg-open running a browser in the foreground) is left alone.
func TestStartDetachedLeavesABrowserRunning(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("shell script opener")
	}
	dir := t.TempDir()
	done := filepath.Join(dir, "done")
	opener := filepath.Join(dir, "browser")
	if err := os.WriteFile(opener, []byte("#!/bin/sh\nsleep 1\ntouch "+done+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := startDetached(context.Background(), []string{opener, "https://x"}, nil, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 900*time.Millisecond {
		t.Errorf("waited %s for a running opener", took)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(done); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the opener was killed")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
