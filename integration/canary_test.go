//go:build integration

package integration_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/stsemu"
	"github.com/stslib/stslib-proc/internal/testenv"
)

// canarySecret is the emulator user's long-term secret key.
const canarySecret = "CANARYSECRETdoNotLeak/0123456789abcdefghijk"

// TestCanary runs every command and every error path with --debug and
// scans stderr (and the AWS CLI's stderr) for secrets: the long-term
// secret key, every secret key and session token stslib-proc printed on
// stdout, and the MFA codes passed in.
func TestCanary(t *testing.T) {
	testenv.AWS(t)
	testenv.Tool(t, "/usr/bin/oathtool")
	cfg := e2e.EmulatorConfig(nil, nil)
	cfg.Users[0].SecretAccessKey = canarySecret
	s := stsemu.StartTest(t, cfg)
	src := e2e.Source{SecretKey: canarySecret, MFASerial: stsemu.DefaultMFASerial}
	code, err := stsemu.TOTP(stsemu.DefaultTOTPSecret, s.Now())
	if err != nil {
		t.Fatal(err)
	}
	wrong := wrongCode(t, s, stsemu.DefaultTOTPSecret)

	secrets := map[string]string{canarySecret: "long-term secret key", code: "MFA code", wrong: "wrong MFA code"}
	var stderrs []string
	commands := 0
	keep := func(r e2e.Result) e2e.Result {
		commands++
		stderrs = append(stderrs, r.Stderr)
		return r
	}
	secretRE := regexp.MustCompile(`(?i)(secret_?access_?key|session_?token)["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{16,})`)
	harvest := func(out string) {
		for _, m := range secretRE.FindAllStringSubmatch(out, -1) {
			secrets[m[2]] = "issued " + strings.ToLower(m[1])
		}
	}

	w := e2e.New(t, bin, s)
	w.WriteProfiles(src, []e2e.RoleProfile{
		{Name: "DynamoDBRole-dev", Role: "DynamoDBRole", SessionName: "bob", Proc: "dev"},
		{Name: "CodeDeployRole-qa", Role: "CodeDeployRole", SessionName: "bob"},
	}, "")
	mustOK := func(r e2e.Result) e2e.Result {
		t.Helper()
		if r.Code != 0 {
			t.Fatalf("%v", r)
		}
		return keep(r)
	}
	mustOK(w.Run("--debug", "login", "BobSmith", "--mfa-code", code))
	harvest(mustOK(w.Run("--debug", "process", "DynamoDBRole-dev")).Stdout)
	harvest(mustOK(w.Run("DynamoDBRole-dev")).Stdout)
	for _, f := range []string{"process", "vault", "boto", "env", "ini"} {
		harvest(mustOK(w.Run("--debug", "get", "CodeDeployRole-qa", "--format", f)).Stdout)
	}
	harvest(mustOK(w.Run("--debug", "get", "CodeDeployRole-qa", "DynamoDBRole-dev", "--format", "ini")).Stdout)
	mustOK(w.Run("--debug", "status"))
	mustOK(w.Run("--debug", "status", "--json"))
	mustOK(w.Run("--debug", "sync", "--dry-run"))
	mustOK(w.Run("--debug", "sync"))
	harvest(w.Read(w.CredentialsFile))
	mustOK(w.Run("--debug", "configure", "DynamoDBRole-dev=dev2", "--dry-run"))
	mustOK(w.Run("--debug", "clear", "CodeDeployRole-qa"))
	harvest(mustOK(w.Run("--debug", "process", "CodeDeployRole-qa")).Stdout)
	aws := keep(w.AWS("sts", "get-caller-identity", "--profile", "dev"))
	if aws.Code != 0 {
		t.Errorf("aws: %v", aws)
	}
	mustOK(w.Run("--debug", "clear", "--all", "--sections"))

	// Every error path, with --debug and the canary source.
	for _, c := range errorCases(wrong) {
		ew := e2e.New(t, bin, s)
		c.setup(ew, src)
		args := c.args
		if len(args) == 1 {
			args = []string{"process", args[0]}
		}
		r := keep(ew.RunEnv(c.env, append([]string{"--debug"}, args...)...))
		if r.Code == 0 {
			t.Errorf("%s: succeeded", c.name)
		}
	}

	issued := 0
	for _, what := range secrets {
		if strings.HasPrefix(what, "issued") {
			issued++
		}
	}
	if issued < 4 {
		t.Fatalf("harvested only %d issued secrets from stdout: the scan would prove little", issued)
	}
	leaks := 0
	for i, e := range stderrs {
		for v, what := range secrets {
			if strings.Contains(e, v) {
				leaks++
				t.Errorf("command %d: stderr contains the %s", i, what)
			}
		}
	}
	if !strings.Contains(strings.Join(stderrs, ""), "stslib-proc: debug: sts ") {
		t.Errorf("no debug line was logged: --debug did nothing")
	}
	figures, _ := json.Marshal(map[string]int{"commands": commands, "secrets_scanned": len(secrets), "issued_secrets": issued, "leaks": leaks})
	t.Logf("canary: %s", figures)
	summary(t, "canary", commands, len(secrets), 0, leaks)
}
