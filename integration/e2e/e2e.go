package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stslib/stslib-proc/internal/stsemu"
	"github.com/stslib/stslib-proc/internal/testenv"
)

// Passphrase is the file keyring's passphrase in every world.
const Passphrase = "e2e-file-keyring-passphrase"

// Build compiles ./cmd/stslib-proc of the enclosing module into dir and
// returns the binary's path. It is meant for TestMain: build once, run many
// times. The binary is built without -race.
func Build(dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "stslib-proc")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/stslib-proc")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/stslib-proc: %v\n%s", err, out)
	}
	return bin, nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside a Go module")
	}
	return filepath.Dir(mod), nil
}

// World is one test's private environment. Every path is under a fresh
// temporary directory.
type World struct {
	T   testing.TB
	Bin string // the stslib-proc binary
	STS *stsemu.Server

	Dir             string // root of the world
	Home            string
	ConfigFile      string // AWS config file
	CredentialsFile string // AWS credentials file
	DataDir         string // STSLIB_DATA_DIR
	StslibConfig    string // STSLIB_CONFIG (config.yml); written by WriteStslibConfig

	// Keyring is STSLIB_KEYRING ("file" by default).
	Keyring string
	// Env holds extra KEY=VALUE pairs appended to every process's
	// environment; later entries win.
	Env []string
}

// New returns a world around the emulator s, with empty AWS files.
func New(t testing.TB, bin string, s *stsemu.Server) *World {
	t.Helper()
	dir := t.TempDir()
	w := &World{
		T: t, Bin: bin, STS: s, Dir: dir,
		Home:         filepath.Join(dir, "home"),
		DataDir:      filepath.Join(dir, "data"),
		StslibConfig: filepath.Join(dir, "stslib", "config.yml"),
		Keyring:      "file",
	}
	w.ConfigFile = filepath.Join(w.Home, ".aws", "config")
	w.CredentialsFile = filepath.Join(w.Home, ".aws", "credentials")
	for _, d := range []string{filepath.Dir(w.ConfigFile), filepath.Dir(w.StslibConfig)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// The world's records in the kernel keyring go with it (the test may
	// have moved DataDir).
	t.Cleanup(func() {
		testenv.RemoveKernelRecords(w.DataDir)
		testenv.RemoveStateKernelRecords(filepath.Join(w.Home, ".local", "state", "stslib-proc"))
	})
	return w
}

// Environ is the environment of every process the world runs: a clean one,
// with PATH holding the binary's directory first.
func (w *World) Environ() []string {
	env := []string{
		"HOME=" + w.Home,
		"USER=e2e",
		"PATH=" + filepath.Dir(w.Bin) + ":/usr/bin:/bin",
		"LANG=C.UTF-8",
		"AWS_CONFIG_FILE=" + w.ConfigFile,
		"AWS_SHARED_CREDENTIALS_FILE=" + w.CredentialsFile,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
		"STSLIB_DATA_DIR=" + w.DataDir,
		"STSLIB_CONFIG=" + w.StslibConfig,
		"STSLIB_KEYRING=" + w.Keyring,
		"STSLIB_FILE_PASSPHRASE=" + Passphrase,
		"XDG_CONFIG_HOME=" + filepath.Join(w.Home, ".config"),
		// The state directory stays the world's even when a test changes
		// HOME (its kernel-keyring key is removed with the world).
		"XDG_STATE_HOME=" + filepath.Join(w.Home, ".local", "state"),
		"NO_COLOR=1",
	}
	if w.STS != nil {
		env = append(env, "AWS_ENDPOINT_URL_STS="+w.STS.URL())
	}
	if v := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); v != "" {
		env = append(env, "DBUS_SESSION_BUS_ADDRESS="+v)
	}
	return append(env, w.Env...)
}

// Write writes a file of the world (0600), creating its directory.
func (w *World) Write(path, text string) {
	w.T.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		w.T.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		w.T.Fatal(err)
	}
}

// Read returns a file's bytes ("" when it is missing).
func (w *World) Read(path string) string {
	w.T.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		w.T.Fatal(err)
	}
	return string(b)
}

// Result is how a process ended.
type Result struct {
	Args   []string
	Stdout string
	Stderr string
	Code   int // exit status; -1 when it did not start or was killed
	Took   time.Duration
}

func (r Result) String() string {
	return fmt.Sprintf("%q: exit %d\nstdout: %s\nstderr: %s", r.Args, r.Code, r.Stdout, r.Stderr)
}

// processTimeout bounds every process a world runs.
const processTimeout = 90 * time.Second

// Exec runs a program in the world with extra environment entries.
func (w *World) Exec(env []string, name string, args ...string) Result {
	w.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), processTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(w.Environ(), env...)
	cmd.Dir = w.Dir
	detach(cmd)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := Result{Args: append([]string{filepath.Base(name)}, args...), Stdout: stdout.String(), Stderr: stderr.String(), Took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
	default:
		r.Code = -1
		r.Stderr += "\n(harness: " + err.Error() + ")"
	}
	return r
}

// Run runs stslib-proc with args.
func (w *World) Run(args ...string) Result {
	w.T.Helper()
	return w.Exec(nil, w.Bin, args...)
}

// RunEnv runs stslib-proc with extra environment entries.
func (w *World) RunEnv(env []string, args ...string) Result {
	w.T.Helper()
	return w.Exec(env, w.Bin, args...)
}

// MustRun runs stslib-proc and fails the test unless it exits 0.
func (w *World) MustRun(args ...string) Result {
	w.T.Helper()
	r := w.Run(args...)
	if r.Code != 0 {
		w.T.Fatalf("stslib-proc failed: %v", r)
	}
	return r
}

// AWS runs /usr/bin/aws with --endpoint-url pointing at the emulator (the
// AWS CLI 2.9 ignores AWS_ENDPOINT_URL_STS), --region us-east-1 and
// --output json.
func (w *World) AWS(args ...string) Result {
	w.T.Helper()
	args = append(args, "--endpoint-url", w.STS.URL(), "--region", "us-east-1", "--output", "json")
	return w.Exec(nil, "/usr/bin/aws", args...)
}

// CallerARN runs "aws sts get-caller-identity --profile profile" and
// returns the ARN, failing the test if the call fails.
func (w *World) CallerARN(profile string) string {
	w.T.Helper()
	r := w.AWS("sts", "get-caller-identity", "--profile", profile)
	if r.Code != 0 {
		w.T.Fatalf("aws sts get-caller-identity --profile %s: %v", profile, r)
	}
	var id struct{ Arn string }
	if err := json.Unmarshal([]byte(r.Stdout), &id); err != nil {
		w.T.Fatalf("get-caller-identity output: %v\n%s", err, r.Stdout)
	}
	return id.Arn
}

// ProcessOutput is credential_process JSON.
type ProcessOutput struct {
	Version         int
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      string
	AccountID       string `json:"AccountId,omitempty"`
}

// ParseProcess parses and checks credential_process output: Version 1, an
// ASIA key, a secret, a token and an RFC 3339 expiry in the future.
func ParseProcess(out string) (ProcessOutput, error) {
	var p ProcessOutput
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, fmt.Errorf("not credential_process JSON: %v", err)
	}
	if dec.More() {
		return p, errors.New("more than one JSON value on stdout")
	}
	exp, err := time.Parse(time.RFC3339, p.Expiration)
	switch {
	case p.Version != 1:
		return p, fmt.Errorf("version field is %d, want 1", p.Version)
	case !strings.HasPrefix(p.AccessKeyID, "ASIA"):
		return p, fmt.Errorf("AccessKeyId %q is not a temporary key", p.AccessKeyID)
	case p.SecretAccessKey == "" || p.SessionToken == "":
		return p, errors.New("secret access key or session token is empty")
	case err != nil:
		return p, fmt.Errorf("expiration: %v", err)
	case !exp.After(time.Now()):
		return p, fmt.Errorf("expiration %s is in the past", p.Expiration)
	}
	return p, nil
}

// OK counts the emulator's successful calls of an action.
func OK(s *stsemu.Server, action string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Action == action && c.Status == 200 {
			n++
		}
	}
	return n
}

// CallsOf returns the emulator's successful calls of an action.
func CallsOf(s *stsemu.Server, action string) []stsemu.Call {
	var out []stsemu.Call
	for _, c := range s.Calls() {
		if c.Action == action && c.Status == 200 {
			out = append(out, c)
		}
	}
	return out
}
