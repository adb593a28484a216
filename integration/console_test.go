//go:build integration

package integration_test

import (
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/stsemu"
)

// signinCanary starts every SigninToken the emulator hands out.
const signinCanary = "CANARYSIGNINdoNotLeak"

// consoleWorld is a world whose emulator also answers getSigninToken
// (STSLIB_FEDERATION_URL), with a fake xdg-open on PATH that records its
// arguments in opened, and a display.
func consoleWorld(t *testing.T) (w *e2e.World, opened string) {
	t.Helper()
	s := stsemu.StartTest(t, e2e.EmulatorConfig(nil, nil))
	s.SetSigninTokenPrefix(signinCanary)
	w = e2e.New(t, bin, s)
	w.WriteProfiles(e2e.Source{MFASerial: stsemu.DefaultMFASerial}, []e2e.RoleProfile{
		{Name: "DynamoDBRole-dev", Role: "DynamoDBRole", SessionName: "bob"},
		{Name: "CodeDeployRole-qa", Role: "CodeDeployRole", SessionName: "bob"},
	}, "")
	opened = filepath.Join(w.Dir, "opened")
	dir := filepath.Join(w.Dir, "opener")
	// The opener also prints the URL on its stderr, as a failing xdg-open
	// does: stslib-proc must not pass that on.
	w.Write(filepath.Join(dir, "xdg-open"), "#!/bin/sh\nprintf '%s\\n' \"$#\" \"$1\" > "+opened+"\necho \"xdg-open: opening $1\" >&2\n")
	if err := os.Chmod(filepath.Join(dir, "xdg-open"), 0o700); err != nil {
		t.Fatal(err)
	}
	w.Env = append(w.Env, "STSLIB_FEDERATION_URL="+s.URL()+stsemu.FederationPath, "DISPLAY=:99",
		"PATH="+filepath.Dir(bin)+":"+dir+":/usr/bin:/bin")
	code, err := stsemu.TOTP(stsemu.DefaultTOTPSecret, s.Now())
	if err != nil {
		t.Fatal(err)
	}
	w.MustRun("login", "BobSmith", "--mfa-code", code)
	return w, opened
}

// TestConsoleCanary runs console with --debug, printing and opening, and
// proves that the sign-in URL and the SigninToken (which carries a
// canary) reach stdout with --print and the opener's argument, and
// nothing else: not stderr, not a file stslib-proc writes.
func TestConsoleCanary(t *testing.T) {
	w, opened := consoleWorld(t)

	printed := w.MustRun("--debug", "console", "DynamoDBRole-dev", "--print")
	u, err := url.Parse(strings.TrimSpace(printed.Stdout))
	if err != nil {
		t.Fatal(err)
	}
	token := u.Query().Get("SigninToken")
	if u.Host != "signin.aws.amazon.com" || !strings.HasPrefix(token, signinCanary) {
		t.Fatalf("printed %q: want the real sign-in host and the emulator's token", printed.Stdout)
	}
	g, ok := w.STS.SigninToken(token)
	if !ok || g.RoleARN != e2e.RoleARN("DynamoDBRole") || g.Duration != 0 {
		t.Errorf("token grant %+v %v: want DynamoDBRole's, with no SessionDuration (role chaining)", g, ok)
	}
	if !strings.Contains(printed.Stderr, "stslib-proc: debug: getSigninToken host=127.0.0.1:") {
		t.Errorf("--debug logged no getSigninToken line: %q", printed.Stderr)
	}

	browsed := w.MustRun("--debug", "console", "CodeDeployRole-qa", "--destination", "s3")
	if browsed.Stdout != "" {
		t.Errorf("console without --print wrote stdout: %q", browsed.Stdout)
	}
	lines := strings.Split(strings.TrimSpace(w.Read(opened)), "\n")
	if len(lines) != 2 || lines[0] != "1" || !strings.Contains(lines[1], "SigninToken="+signinCanary) ||
		!strings.HasPrefix(lines[1], "https://signin.aws.amazon.com/federation?Action=login&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fs3%2Fhome") {
		t.Errorf("the opener got %q: want one argument, the sign-in URL", lines)
	}

	// Every refusal, with --debug, says nothing of the token either.
	refused := []e2e.Result{
		w.Run("--debug", "console", "DynamoDBRole-dev", "--print", "--destination", "https://example.com/"),
		// No opener on PATH (unless the host has xdg-open: then it is
		// refused for another reason, or opens; either way the scan holds).
		w.RunEnv([]string{"PATH=/nonexistent"}, "--debug", "console", "DynamoDBRole-dev"),
	}
	for _, r := range refused {
		if r.Code != 1 && r.Code != 2 {
			t.Errorf("%v: succeeded", r)
		}
	}

	leaks := 0
	for _, r := range append([]e2e.Result{printed, browsed}, refused...) {
		for _, s := range []string{signinCanary, "SigninToken=", "Action=login", "xdg-open: opening"} {
			if strings.Contains(r.Stderr, s) {
				leaks++
				t.Errorf("%q: stderr holds %q:\n%s", r.Args, s, r.Stderr)
			}
		}
	}
	// No file stslib-proc keeps (the data directory, HOME: index, keyring,
	// aliases, anything like a log) holds the canary.
	for _, root := range []string{w.DataDir, w.Home} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), signinCanary) {
				leaks++
				t.Errorf("%s holds the sign-in token", p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	summary(t, "console canary", 2+len(refused), 0, 0, leaks)
}

// TestConsoleRefused: the emulator refuses credentials that expired and
// credentials it never issued (another emulator's); console exits 1 and
// says so without the credentials.
func TestConsoleRefused(t *testing.T) {
	w, _ := consoleWorld(t)
	w.MustRun("console", "DynamoDBRole-dev", "--print")

	// Another emulator never issued these credentials.
	other := stsemu.StartTest(t, stsemu.DefaultConfig())
	r := w.RunEnv([]string{"STSLIB_FEDERATION_URL=" + other.URL() + stsemu.FederationPath}, "console", "DynamoDBRole-dev", "--print")
	if r.Code != 1 || r.Stdout != "" || !strings.Contains(r.Stderr, "getSigninToken at 127.0.0.1:") || !strings.Contains(r.Stderr, "HTTP 400 (the federation endpoint refuses these credentials") {
		t.Errorf("foreign credentials: %v", r)
	}
	if got := other.Calls(); len(got) != 1 || got[0].Code != "InvalidCredentials" {
		t.Errorf("the other emulator saw %+v, want one refused getSigninToken", got)
	}

	// Expired at the emulator, still cached by stslib-proc.
	w.STS.ExpireAll()
	r = w.Run("console", "DynamoDBRole-dev", "--print")
	if r.Code != 1 || r.Stdout != "" || !strings.Contains(r.Stderr, "HTTP 400") {
		t.Errorf("expired credentials: %v", r)
	}
	calls := w.STS.Calls()
	if last := calls[len(calls)-1]; last.Action != "getSigninToken" || last.Code != "ExpiredCredentials" {
		t.Errorf("emulator's last call %+v: want getSigninToken refused as expired", last)
	}
	if strings.Contains(r.Stderr, "ASIA") || strings.Contains(r.Stderr, "sessionKey") {
		t.Errorf("refusal names credentials: %s", r.Stderr)
	}
}

// TestConsoleOverTLS: the federation endpoint is reached through the same
// trust as STS: AWS_CA_BUNDLE (or the profile's ca_bundle) is honoured by
// getSigninToken too, and without it the emulator's private CA is refused
// with a certificate error that holds no token.
func TestConsoleOverTLS(t *testing.T) {
	s, err := stsemu.StartTLS(e2e.EmulatorConfig(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.SetSigninTokenPrefix(signinCanary)
	w := e2e.New(t, bin, s)
	ca := filepath.Join(w.Dir, "ca.pem")
	w.Write(ca, string(s.CACertPEM()))
	w.WriteProfiles(e2e.Source{MFASerial: stsemu.DefaultMFASerial}, []e2e.RoleProfile{
		{Name: "DynamoDBRole-dev", Role: "DynamoDBRole", SessionName: "bob"},
	}, "[profile Bundled]\nrole_arn = "+e2e.RoleARN("DynamoDBRole")+"\nsource_profile = BobSmith\nrole_session_name = bob\nca_bundle = "+ca+"\n")
	w.Env = append(w.Env, "STSLIB_FEDERATION_URL="+s.URL()+stsemu.FederationPath)
	code, err := stsemu.TOTP(stsemu.DefaultTOTPSecret, s.Now())
	if err != nil {
		t.Fatal(err)
	}
	withCA := []string{"AWS_CA_BUNDLE=" + ca}
	if r := w.RunEnv(withCA, "login", "BobSmith", "--mfa-code", code); r.Code != 0 {
		t.Fatalf("login over TLS: %v", r)
	}
	for _, c := range []struct {
		env     []string
		profile string
	}{
		{withCA, "DynamoDBRole-dev"},
		{nil, "Bundled"}, // ca_bundle of the profile asked for
	} {
		r := w.RunEnv(c.env, "console", c.profile, "--print")
		if r.Code != 0 || !strings.Contains(r.Stdout, "SigninToken="+signinCanary) {
			t.Errorf("console %s over TLS: %v", c.profile, r)
		}
	}
	// The role's credentials are cached: only getSigninToken goes out, and
	// without the bundle it must not trust the private CA.
	r := w.Run("console", "DynamoDBRole-dev", "--print")
	if r.Code != 1 || !strings.Contains(r.Stderr, "certificate") || strings.Contains(r.Stderr, signinCanary) || r.Stdout != "" {
		t.Errorf("console without the CA bundle: %v; want exit 1 and a certificate error", r)
	}
}
