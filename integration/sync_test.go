//go:build integration

package integration_test

import (
	"strings"
	"testing"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/stsemu"
	"github.com/stslib/stslib-proc/internal/testenv"
)

// userCredentials is a credentials file a person wrote: comments, odd
// spacing, a quoted value and an inline "#" that botocore keeps.
const userCredentials = `# my long-term keys: do not touch
[BobSmith]
aws_access_key_id = ` + stsemu.DefaultAccessKeyID + `
aws_secret_access_key = ` + stsemu.DefaultSecretAccessKey + `

; a second account
[personal]
aws_access_key_id=AKIAPERSONAL00000000
aws_secret_access_key = "quoted/secret"   # kept by botocore
region	=	eu-west-1
`

// syncWorld has two good role profiles and the user's credentials file.
func syncWorld(t *testing.T, extraConfig string) *e2e.World {
	t.Helper()
	cfg := e2e.EmulatorConfig(nil, nil)
	cfg.Roles = append(cfg.Roles, stsemu.Role{
		ARN: e2e.RoleARN("UntrustedRole"), TrustedPrincipals: []string{"arn:aws:iam::999999999999:root"}, MaxSessionDuration: 3600,
	})
	w := world(t, cfg)
	w.WriteProfiles(e2e.DefaultSource(), []e2e.RoleProfile{
		{Name: "DynamoDBRole-dev", Role: "DynamoDBRole", SessionName: "bob"},
		{Name: "CodeDeployRole-qa", Role: "CodeDeployRole", SessionName: "bob"},
	}, extraConfig)
	w.Write(w.CredentialsFile, userCredentials)
	return w
}

func TestSync(t *testing.T) {
	testenv.AWS(t)
	testenv.Tool(t, "/usr/bin/oathtool")

	t.Run("sync then aws", func(t *testing.T) {
		w := syncWorld(t, "")
		r := w.MustRun("sync")
		got := w.Read(w.CredentialsFile)
		if !strings.HasPrefix(got, userCredentials) {
			t.Errorf("the user's part of the credentials file changed:\n%s", got)
		}
		for _, s := range []string{"[sts-DynamoDBRole-dev]", "[sts-CodeDeployRole-qa]"} {
			if !strings.Contains(got, s) {
				t.Errorf("credentials file lacks %s", s)
			}
		}
		if want := "arn:aws:sts::444455556666:assumed-role/DynamoDBRole/bob"; w.CallerARN("sts-DynamoDBRole-dev") != want {
			t.Errorf("sts-DynamoDBRole-dev is not %s", want)
		}
		if want := "arn:aws:sts::444455556666:assumed-role/CodeDeployRole/bob"; w.CallerARN("sts-CodeDeployRole-qa") != want {
			t.Errorf("sts-CodeDeployRole-qa is not %s", want)
		}
		t.Logf("sync: %s", strings.TrimSpace(r.Stderr))

		// A second sync with fresh records changes nothing.
		w.MustRun("sync")
		if again := w.Read(w.CredentialsFile); again != got {
			t.Errorf("second sync changed the file")
		}
		if n := e2e.OK(w.STS, "AssumeRole"); n != 2 {
			t.Errorf("AssumeRole calls: %d, want 2", n)
		}

		// clear --sections removes the owned sections and nothing else; a
		// blank separator line may stay behind, but sync/clear cycles must
		// not grow the file. Naming the roles keeps the MFA session (a new
		// one would need the next TOTP step).
		w.MustRun("clear", "DynamoDBRole-dev", "CodeDeployRole-qa", "--sections")
		after := w.Read(w.CredentialsFile)
		if !strings.HasPrefix(after, userCredentials) || strings.TrimRight(after, "\n") != strings.TrimRight(userCredentials, "\n") {
			t.Errorf("after clear --sections the file is not the user's original:\n%s", after)
		}
		if after != userCredentials {
			t.Logf("clear --sections left %d extra byte(s) of blank lines", len(after)-len(userCredentials))
		}
		w.MustRun("sync")
		w.MustRun("clear", "--all", "--sections")
		again := w.Read(w.CredentialsFile)
		if !strings.HasPrefix(again, userCredentials) || strings.TrimRight(again, "\n") != strings.TrimRight(userCredentials, "\n") {
			t.Errorf("after clear --all --sections the file is not the user's original:\n%s", again)
		}
		// Known inifile bug: each cycle leaves one more blank line (the
		// separators between appended sections are not removed).
		t.Run("cycles do not grow the file", func(t *testing.T) {
			if again != after {
				t.Errorf("a sync / clear --sections cycle grew the file from %d to %d bytes (%q at the end)",
					len(after), len(again), again[len(strings.TrimRight(again, "\n")):])
			}
		})
	})

	t.Run("dry run", func(t *testing.T) {
		w := syncWorld(t, "")
		r := w.MustRun("sync", "--dry-run")
		if got := w.Read(w.CredentialsFile); got != userCredentials {
			t.Errorf("--dry-run wrote the credentials file")
		}
		if !strings.Contains(r.Stdout, "+[sts-DynamoDBRole-dev]") {
			t.Errorf("--dry-run diff lacks the new section:\n%s", r.Stdout)
		}
		// The same credentials, now cached, must not be in the diff.
		out := w.MustRun("get", "DynamoDBRole-dev", "--format", "env").Stdout + w.MustRun("get", "CodeDeployRole-qa", "--format", "env").Stdout
		if !strings.Contains(out, "AWS_SECRET_ACCESS_KEY") {
			t.Fatalf("get --format env printed no secret:\n%d bytes", len(out))
		}
		for _, line := range strings.Split(out, "\n") {
			k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
			v = strings.Trim(v, `'"`)
			if ok && (strings.Contains(k, "SECRET") || strings.Contains(k, "SESSION_TOKEN")) && len(v) > 8 {
				if strings.Contains(r.Stdout, v) || strings.Contains(r.Stderr, v) {
					t.Errorf("--dry-run output shows %s", k)
				}
			}
		}
		if strings.Contains(r.Stdout, stsemu.DefaultSecretAccessKey) {
			t.Errorf("--dry-run output shows the long-term secret")
		}
		t.Logf("dry-run diff:\n%s", r.Stdout)
	})

	t.Run("failing profile writes nothing", func(t *testing.T) {
		w := syncWorld(t, "\n[profile Untrusted-dev]\nrole_arn = "+e2e.RoleARN("UntrustedRole")+"\nsource_profile = BobSmith\n")
		r := w.Run("sync")
		if r.Code == 0 {
			t.Fatalf("sync with an untrusted role succeeded: %v", r)
		}
		if !strings.Contains(r.Stderr, "Untrusted-dev") || !strings.Contains(r.Stderr, "nothing written") {
			t.Errorf("error does not name the profile or say nothing was written:\n%s", r.Stderr)
		}
		if got := w.Read(w.CredentialsFile); got != userCredentials {
			t.Errorf("failed sync wrote the credentials file:\n%s", got)
		}

		// --partial writes the others and exits 0 with a warning.
		r = w.Run("sync", "--partial")
		got := w.Read(w.CredentialsFile)
		t.Logf("sync --partial: exit %d: %s", r.Code, strings.TrimSpace(r.Stderr))
		if r.Code != 0 || !strings.Contains(r.Stderr, "stslib-proc: warning: ") {
			t.Errorf("sync --partial: want exit 0 and a warning: %v", r)
		}
		if !strings.HasPrefix(got, userCredentials) {
			t.Errorf("--partial changed the user's part of the file")
		}
		for _, s := range []string{"[sts-DynamoDBRole-dev]", "[sts-CodeDeployRole-qa]"} {
			if !strings.Contains(got, s) {
				t.Errorf("--partial did not write %s", s)
			}
		}
		if strings.Contains(got, "[sts-Untrusted-dev]") {
			t.Errorf("--partial wrote the failing profile")
		}
		if !strings.Contains(r.Stderr, "Untrusted-dev") {
			t.Errorf("--partial does not name the failing profile:\n%s", r.Stderr)
		}
	})
}
