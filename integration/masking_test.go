//go:build integration

package integration_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/stsemu"
)

// secretLine matches a diff line that sets a secret key; its value must be
// the mask.
var secretLine = regexp.MustCompile(`^[-+ ]\s*([A-Za-z_]*(secret|token|password|passphrase|private)[A-Za-z_]*)\s*[=:]\s*(.*)$`)

// TestMasking: every dry run (configure, sync, sync --force) over AWS files
// that hold canary secrets, a TOTP seed in an mfa_process, a token in a
// credential_process and an escape sequence prints a diff that shows none
// of them raw, and writes nothing.
func TestMasking(t *testing.T) {
	t.Parallel()
	trials, failures, leaks := 0, 0, 0
	w := world(t, e2e.EmulatorConfig(nil, nil))
	roles := []e2e.RoleProfile{{Name: "DynamoDBRole-dev", Role: "DynamoDBRole"}, {Name: "CodeDeployRole-qa", Role: "CodeDeployRole"}}
	const (
		seed  = "CANARYSEEDJBSWY3DPEHPK3PXP"
		token = "CANARYVAULTTOKEN"
		sess  = "CANARYSESSIONTOKEN"
		esc   = "\x1b]0;pwned\x07\x1b[2J"
	)
	w.WriteProfiles(e2e.Source{MFASerial: stsemu.DefaultMFASerial}, roles,
		"\n[profile vaulted]\ncredential_process = /usr/local/bin/vault-helper --token "+token+"\n"+
			"\n[profile seeded]\n# "+esc+"\nmfa_process = oathtool --totp -b "+seed+"\n")
	w.Write(w.CredentialsFile, w.Read(w.CredentialsFile)+"\n[old-session]\n# "+esc+"\naws_session_token = "+sess+"\n")
	code, err := stsemu.TOTP(stsemu.DefaultTOTPSecret, w.STS.Now())
	if err != nil {
		t.Fatal(err)
	}
	w.MustRun("login", "BobSmith", "--mfa-code", code)
	config, creds := w.Read(w.ConfigFile), w.Read(w.CredentialsFile)

	canaries := []string{seed, token, sess, stsemu.DefaultSecretAccessKey, "\x1b", "\x07"}
	for _, tc := range []struct {
		args []string
		want []string // lines of the diff
	}{
		{[]string{"configure", "DynamoDBRole-dev", "--name", "dev", "--dry-run"},
			[]string{" mfa_process = oathtool ****", `+credential_process = stslib-proc process -- DynamoDBRole-dev`, ` # \x1b]0;pwned\x07\x1b[2J`}},
		{[]string{"sync", "--dry-run"},
			[]string{"+aws_secret_access_key = ****", "+aws_session_token = ****", " aws_session_token = ****", ` # \x1b]0;pwned\x07\x1b[2J`}},
		{[]string{"sync", "DynamoDBRole-dev", "--dry-run", "--force"},
			[]string{"+aws_secret_access_key = ****", "+aws_session_token = ****"}},
	} {
		trials++
		r := w.Run(tc.args...)
		if r.Code != 0 {
			failures++
			t.Errorf("%v", r)
			continue
		}
		// Every issued secret too: the role calls of the dry runs.
		issued := []string{}
		for _, c := range w.STS.Calls() {
			issued = append(issued, c.Params.Get("TokenCode"))
		}
		for _, s := range append(canaries, issued...) {
			if s != "" && (strings.Contains(r.Stdout, s) || strings.Contains(r.Stderr, s)) {
				leaks++
				t.Errorf("%v shows %q", tc.args, s)
			}
		}
		lines := strings.Split(r.Stdout, "\n")
		for _, l := range lines {
			if m := secretLine.FindStringSubmatch(l); m != nil && m[3] != "****" && m[3] != "" {
				leaks++
				t.Errorf("%v: %s is not masked", tc.args, m[1])
			}
		}
		for _, want := range tc.want {
			if !contains(lines, want) {
				failures++
				t.Errorf("%v: diff lacks %q:\n%s", tc.args, want, r.Stdout)
			}
		}
	}
	if w.Read(w.ConfigFile) != config || w.Read(w.CredentialsFile) != creds {
		failures++
		t.Error("a dry run wrote a file")
	}
	summary(t, "masking (configure/sync dry runs over canary secrets, seeds, tokens, escapes)", trials, 0, failures, leaks)
}

func contains(lines []string, s string) bool {
	for _, l := range lines {
		if l == s {
			return true
		}
	}
	return false
}
