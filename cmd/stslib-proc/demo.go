package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/stslib/stslib-proc/credproc"
	"github.com/stslib/stslib-proc/internal/stsemu"
	"github.com/stslib/stslib-proc/keychain/kernel"
)

type demoCmd struct {
	Keep bool `help:"Keep the temporary HOME and print its path."`
}

func (c *demoCmd) Help() string {
	return "Starts the built-in STS emulator, writes stslib's example profiles into a temporary HOME,\n" +
		"and runs login, get (vault and boto), a credential_process call, sync, status and console --print.\n\n" +
		"Example:\n  go run ./cmd/stslib-proc demo"
}

// demoConfig is stslib's example layout: one source, three roles, and the
// profile the AWS CLI would use.
const demoConfig = `[profile BobSmith]
mfa_serial = %s
region = us-east-1
%s
[profile DynamoDBRole-dev]
role_arn = arn:aws:iam::444455556666:role/DynamoDBRole
source_profile = BobSmith
role_session_name = bob-dev

[profile CodeDeployRole-qa]
role_arn = arn:aws:iam::444455556666:role/CodeDeployRole
source_profile = BobSmith

[profile S3ReadOnlyRole-prod]
role_arn = arn:aws:iam::444455556666:role/S3ReadOnlyRole
source_profile = BobSmith

# what the AWS CLI and SDKs point at: only credential_process here
[profile dev]
credential_process = stslib-proc DynamoDBRole-dev
`

const demoCredentials = `# long-term keys of the source profile (emulator's example user)
[BobSmith]
aws_access_key_id = %s
aws_secret_access_key = %s
`

// Run runs the whole flow against the emulator in a temporary HOME, with
// the real command code paths, and no input.
func (c *demoCmd) Run(d *deps) error {
	start := time.Now()
	emu, err := stsemu.Start(stsemu.DefaultConfig())
	if err != nil {
		return fmt.Errorf("demo: start the STS emulator: %v", err)
	}
	defer emu.Close()
	home, err := os.MkdirTemp("", "stslib-proc-demo-")
	if err != nil {
		return err
	}
	if !c.Keep {
		defer os.RemoveAll(home)
	}
	aws := filepath.Join(home, ".aws")
	if err := os.MkdirAll(aws, 0o700); err != nil {
		return err
	}
	// MFA codes come from oathtool when it is installed, reading the seed
	// from a 0600 file: a seed on the command line is readable by every
	// local user (and refused). Without oathtool, the demo passes a code.
	oathtool, _ := exec.LookPath("oathtool")
	mfa := "# with oathtool installed: mfa_process = oathtool --totp -b @FILE (the TOTP seed in a 0600 file)\n"
	if oathtool != "" {
		seed := filepath.Join(home, ".config", "stslib", "BobSmith.totp")
		if err := os.MkdirAll(filepath.Dir(seed), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(seed, []byte(stsemu.DefaultTOTPSecret+"\n"), 0o600); err != nil {
			return err
		}
		mfa = "# the MFA device's seed is in a 0600 file, never on the command line\nmfa_process = " + oathtool + " --totp -b @" + seed + "\n"
	}
	files := map[string]string{
		filepath.Join(aws, "config"):      fmt.Sprintf(demoConfig, stsemu.DefaultMFASerial, mfa),
		filepath.Join(aws, "credentials"): fmt.Sprintf(demoCredentials, stsemu.DefaultAccessKeyID, stsemu.DefaultSecretAccessKey),
	}
	for p, body := range files {
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			return err
		}
	}
	env := map[string]string{
		"HOME":                        home,
		"USER":                        "demo",
		"AWS_CONFIG_FILE":             filepath.Join(aws, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(aws, "credentials"),
		"AWS_ENDPOINT_URL_STS":        emu.URL(),
		"STSLIB_CONFIG":               filepath.Join(home, ".config", "stslib", "config.yml"),
		"STSLIB_DATA_DIR":             filepath.Join(home, "data"),
		"XDG_STATE_HOME":              filepath.Join(home, "state"),
		"STSLIB_KEYRING":              "file",
		"STSLIB_FILE_PASSPHRASE":      "demo-passphrase",
		"NO_COLOR":                    d.Getenv("NO_COLOR"),
	}
	var stderr bytes.Buffer
	sub := &deps{
		Stdout: d.Stdout, Stderr: &stderr, Now: d.Now, Home: home,
		Getenv:      func(k string) string { return env[k] },
		Environ:     func() []string { return nil },
		Interactive: func() bool { return false },
	}
	// The temporary HOME goes at the end, and so does what the demo put in
	// the kernel keyring (the hot tier and the used-code key), which would
	// otherwise stay until it expires.
	defer func() {
		if !c.Keep {
			run([]string{"clear", "--all"}, &deps{Stdout: io.Discard, Stderr: io.Discard, Now: d.Now, Home: home, Getenv: sub.Getenv, Environ: sub.Environ, Interactive: sub.Interactive})
			if k, err := kernel.NewKernel(); err == nil {
				_ = k.Delete(credproc.UserKeyName(filepath.Join(home, "state", "stslib-proc")))
			}
		}
	}()
	out := d.Stdout
	step := func(title string, args ...string) error {
		fmt.Fprintf(out, "\n== %s\n$ stslib-proc %s\n", title, strings.Join(args, " "))
		stderr.Reset()
		code := run(args, sub)
		if s := strings.TrimSpace(stderr.String()); s != "" {
			fmt.Fprintln(out, s)
		}
		if code != 0 {
			return fmt.Errorf("demo: step %q failed (exit %d)", title, code)
		}
		return nil
	}

	fmt.Fprintf(out, "stslib-proc demo: STS emulator at %s, temporary HOME %s\n", emu.URL(), home)
	fmt.Fprintf(out, "\n== ~/.aws/config\n%s", files[filepath.Join(aws, "config")])

	title := "log in once: mfa_process prints the MFA code (oathtool, the seed read from a 0600 file)"
	if oathtool == "" {
		code, err := stsemu.TOTP(stsemu.DefaultTOTPSecret, emu.Now())
		if err != nil {
			return err
		}
		env["STSLIB_MFA_CODE"] = code
		title = "log in once with an MFA code (generated from the emulator's TOTP secret)"
	}
	if err := step(title, "login", "BobSmith"); err != nil {
		return err
	}
	delete(env, "STSLIB_MFA_CODE") // every later step reuses the session
	if err := step("credentials for three roles, stslib's vault format", "get", "DynamoDBRole-dev", "CodeDeployRole-qa", "S3ReadOnlyRole-prod", "--format", "vault"); err != nil {
		return err
	}
	if err := step("the same, boto format (served from the cache: no STS call)", "get", "DynamoDBRole-dev", "--format", "boto"); err != nil {
		return err
	}
	if err := step("what the AWS CLI runs: credential_process = stslib-proc DynamoDBRole-dev", "DynamoDBRole-dev"); err != nil {
		return err
	}
	if err := step("write sts-<profile> sections for tools that cannot run credential_process", "sync"); err != nil {
		return err
	}
	body, err := os.ReadFile(env["AWS_SHARED_CREDENTIALS_FILE"])
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n== ~/.aws/credentials after sync (the user's section is untouched)\n%s", body)
	if err := step("what is cached, and when it expires", "status"); err != nil {
		return err
	}
	// The emulator plays the federation endpoint too; the printed URL
	// names the real sign-in host, so it works only against real AWS.
	env[federationEnv] = emu.URL() + stsemu.FederationPath
	if err := step("a console sign-in URL for a role, from the cached credentials (the emulator answers getSigninToken)", "console", "DynamoDBRole-dev", "--print"); err != nil {
		return err
	}
	stats := emu.Stats()
	fmt.Fprintf(out, "\n== STS calls the emulator saw: GetSessionToken %d, AssumeRole %d (one MFA session, one AssumeRole per role)\n",
		stats["GetSessionToken"], stats["AssumeRole"])
	if err := step("clean up", "clear", "--all", "--sections"); err != nil {
		return err
	}
	if c.Keep {
		fmt.Fprintf(out, "\nkept %s\n", home)
	}
	fmt.Fprintf(out, "\ndemo finished in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}
