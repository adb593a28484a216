//go:build integration

package integration_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/stsemu"
	"github.com/stslib/stslib-proc/internal/testenv"
)

// errorCase is one way stslib-proc must fail: a one-line error on stderr
// that names what is wrong, a non-zero exit and nothing on stdout.
type errorCase struct {
	name  string
	setup func(w *e2e.World, src e2e.Source) // writes the world's files
	args  []string
	env   []string
	// want are substrings of the error line; "$CONFIG" stands for the AWS
	// config file's path.
	want []string
	hint string // substring of a hint line; "" for none required
}

var devRole = e2e.RoleProfile{Name: "DynamoDBRole-dev", Role: "DynamoDBRole", SessionName: "bob"}

// wrongCode returns a 6-digit code that the emulator rejects now: none of
// the codes of the steps it accepts.
func wrongCode(t *testing.T, s *stsemu.Server, secret string) string {
	t.Helper()
	valid := map[string]bool{}
	for _, d := range []time.Duration{-60 * time.Second, -30 * time.Second, 0, 30 * time.Second, 60 * time.Second} {
		c, err := stsemu.TOTP(secret, s.Now().Add(d))
		if err != nil {
			t.Fatal(err)
		}
		valid[c] = true
	}
	for _, c := range []string{"000000", "111111", "222222"} {
		if !valid[c] {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

// errorCases lists the failures of issue "errors". src is the source
// profile to use (its keys match the emulator's user); noMFA is the same
// source without mfa_process; wrong is a code the emulator rejects.
func errorCases(wrong string) []errorCase {
	withoutProcess := func(src e2e.Source) e2e.Source { src.MFAProcess = ""; return src }
	return []errorCase{
		{
			name:  "unknown profile",
			setup: func(w *e2e.World, src e2e.Source) { w.WriteProfiles(src, []e2e.RoleProfile{devRole}, "") },
			args:  []string{"NoSuchProfile"},
			want:  []string{"NoSuchProfile", "not found", "$CONFIG"},
			hint:  "role_arn and source_profile",
		},
		{
			name:  "profile without role_arn",
			setup: func(w *e2e.World, src e2e.Source) { w.WriteProfiles(src, []e2e.RoleProfile{devRole}, "") },
			args:  []string{"BobSmith"},
			want:  []string{"profile BobSmith", "no role_arn", "$CONFIG"},
		},
		{
			name: "source without keys",
			setup: func(w *e2e.World, src e2e.Source) {
				w.WriteProfiles(src, []e2e.RoleProfile{{Name: "Keyless-dev", Role: "CodeDeployRole", Source: "Keyless"}},
					"\n[profile Keyless]\nregion = us-east-1\n")
			},
			args: []string{"Keyless-dev"},
			want: []string{"profile Keyless", "Keyless-dev", "aws_access_key_id"},
			hint: "long-term keys",
		},
		{
			name: "source_profile cycle",
			setup: func(w *e2e.World, src e2e.Source) {
				w.WriteProfiles(src, []e2e.RoleProfile{
					{Name: "LoopA", Role: "CodeDeployRole", Source: "LoopB"},
					{Name: "LoopB", Role: "S3ReadOnlyRole", Source: "LoopA"},
				}, "")
			},
			args: []string{"LoopA"},
			want: []string{"cycle", "LoopA -> LoopB -> LoopA", "$CONFIG"},
		},
		{
			name: "wrong MFA code by flag",
			setup: func(w *e2e.World, src e2e.Source) {
				w.WriteProfiles(withoutProcess(src), []e2e.RoleProfile{devRole}, "")
			},
			args: []string{"process", "DynamoDBRole-dev", "--mfa-code", wrong},
			want: []string{"BobSmith", "MFA code rejected"},
			hint: "each code works once",
		},
		{
			name: "wrong MFA code by environment",
			setup: func(w *e2e.World, src e2e.Source) {
				w.WriteProfiles(withoutProcess(src), []e2e.RoleProfile{devRole}, "")
			},
			args: []string{"DynamoDBRole-dev"},
			env:  []string{"STSLIB_MFA_CODE=" + wrong},
			want: []string{"BobSmith", "MFA code rejected"},
		},
		{
			name: "MFA code not 6 digits",
			setup: func(w *e2e.World, src e2e.Source) {
				w.WriteProfiles(withoutProcess(src), []e2e.RoleProfile{devRole}, "")
			},
			args: []string{"process", "DynamoDBRole-dev", "--mfa-code", "12345"},
			want: []string{"BobSmith", "6 digits"},
		},
		{
			name: "no way to get an MFA code",
			setup: func(w *e2e.World, src e2e.Source) {
				w.WriteProfiles(withoutProcess(src), []e2e.RoleProfile{devRole}, "")
			},
			args: []string{"DynamoDBRole-dev"},
			want: []string{"BobSmith", "needs an MFA code"},
			hint: "stslib-proc login BobSmith",
		},
		{
			name: "source whose credential_process is stslib-proc",
			setup: func(w *e2e.World, src e2e.Source) {
				w.WriteProfiles(src, []e2e.RoleProfile{{Name: "Self-dev", Role: "CodeDeployRole", Source: "selfsrc"}},
					"\n[profile selfsrc]\ncredential_process = "+w.Bin+" Self-dev\n")
			},
			args: []string{"Self-dev"},
			want: []string{"selfsrc", "recursion"},
			hint: "must not be used as a source_profile",
		},
		{
			name:  "started by stslib-proc",
			setup: func(w *e2e.World, src e2e.Source) { w.WriteProfiles(src, []e2e.RoleProfile{devRole}, "") },
			args:  []string{"DynamoDBRole-dev"},
			env:   []string{"STSLIB_PROC_ACTIVE=1"},
			want:  []string{"DynamoDBRole-dev", "recursion"},
		},
		{
			name: "malformed config file",
			setup: func(w *e2e.World, src e2e.Source) {
				w.WriteProfiles(src, []e2e.RoleProfile{devRole}, "\n[profile broken\nrole_arn = x\n")
			},
			args: []string{"DynamoDBRole-dev"},
			want: []string{"$CONFIG"},
		},
	}
}

// src is the default source profile (BobSmith with oathtool).
func src() e2e.Source { return e2e.DefaultSource() }

// checkError asserts the shape of a failure.
func checkError(t *testing.T, w *e2e.World, c errorCase, r e2e.Result) {
	t.Helper()
	if r.Code == 0 {
		t.Fatalf("exit 0, want failure: %v", r)
	}
	if r.Stdout != "" {
		t.Errorf("stdout not empty: %q", r.Stdout)
	}
	var errLines, other []string
	for _, l := range strings.Split(strings.TrimRight(r.Stderr, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "stslib-proc: error: "):
			errLines = append(errLines, l)
		case strings.HasPrefix(l, "hint: "), strings.HasPrefix(l, "stslib-proc: debug: "):
		default:
			other = append(other, l)
		}
	}
	if len(errLines) != 1 {
		t.Fatalf("want exactly one error line, got %d:\n%s", len(errLines), r.Stderr)
	}
	if len(other) > 0 {
		t.Errorf("stderr has lines that are neither error, hint nor debug: %q", other)
	}
	for _, s := range c.want {
		s = strings.ReplaceAll(s, "$CONFIG", w.ConfigFile)
		if !strings.Contains(errLines[0], s) {
			t.Errorf("error line lacks %q:\n%s", s, errLines[0])
		}
	}
	if c.hint != "" && !hasHint(r.Stderr, c.hint) {
		t.Errorf("stderr lacks hint %q:\n%s", c.hint, r.Stderr)
	}
}

// hasHint reports whether a "hint:" line of stderr contains s.
func hasHint(stderr, s string) bool {
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "hint: ") && strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func TestErrors(t *testing.T) {
	testenv.Tool(t, "/usr/bin/oathtool")
	s := stsemu.StartTest(t, e2e.EmulatorConfig(nil, nil))
	wrong := wrongCode(t, s, stsemu.DefaultTOTPSecret)
	for _, c := range errorCases(wrong) {
		t.Run(c.name, func(t *testing.T) {
			w := e2e.New(t, bin, s)
			c.setup(w, src())
			r := w.RunEnv(c.env, c.args...)
			checkError(t, w, c, r)
			t.Logf("%s", strings.TrimSpace(r.Stderr))
		})
	}
	if n := e2e.OK(s, "AssumeRole"); n != 0 {
		t.Errorf("AssumeRole succeeded %d times while every case fails", n)
	}
}
