//go:build integration

package stsemu

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stslib/stslib-proc/internal/testenv"
)

// cliEnv is a clean environment for the AWS CLI and boto3: no config or
// credentials files, no metadata service, the given keys.
func cliEnv(t *testing.T, akid, secret, token string) []string {
	t.Helper()
	dir := t.TempDir()
	cfg, creds := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	for _, p := range []string{cfg, creds} {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{
		"HOME=" + dir, "PATH=/usr/bin:/bin",
		"AWS_CONFIG_FILE=" + cfg, "AWS_SHARED_CREDENTIALS_FILE=" + creds,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=",
		"AWS_ACCESS_KEY_ID=" + akid, "AWS_SECRET_ACCESS_KEY=" + secret,
	}
	if token != "" {
		env = append(env, "AWS_SESSION_TOKEN="+token)
	}
	return env
}

type cliCreds struct {
	Credentials struct {
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string
		SessionToken    string
		Expiration      string
	}
	AssumedRoleUser struct {
		AssumedRoleID string `json:"AssumedRoleId"`
		Arn           string
	}
}

func runCLI(t *testing.T, aws string, env []string, args ...string) ([]byte, string, error) {
	t.Helper()
	cmd := exec.Command(aws, args...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	return out, stderr.String(), err
}

func TestAWSCLI(t *testing.T) {
	aws := testenv.AWS(t)
	s := StartTest(t, DefaultConfig())
	common := []string{"--endpoint-url", s.URL(), "--region", "us-east-1", "--output", "json"}
	awayFromStepEdge(s)
	code, err := TOTP(DefaultTOTPSecret, s.Now())
	if err != nil {
		t.Fatal(err)
	}

	t.Run("wrong code", func(t *testing.T) {
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		_, stderr, err := runCLI(t, aws, cliEnv(t, DefaultAccessKeyID, DefaultSecretAccessKey, ""),
			append([]string{"sts", "get-session-token", "--serial-number", DefaultMFASerial, "--token-code", wrong}, common...)...)
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() == 0 {
			t.Fatalf("CLI exit %v, want failure", err)
		}
		if !strings.Contains(stderr, "AccessDenied") {
			t.Fatalf("stderr lacks AccessDenied: %s", stderr)
		}
	})

	out, stderr, err := runCLI(t, aws, cliEnv(t, DefaultAccessKeyID, DefaultSecretAccessKey, ""),
		append([]string{"sts", "get-session-token", "--serial-number", DefaultMFASerial, "--token-code", code, "--duration-seconds", "3600"}, common...)...)
	if err != nil {
		t.Fatalf("get-session-token: %v\n%s", err, stderr)
	}
	var sess cliCreds
	if err := json.Unmarshal(out, &sess); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sess.Credentials.AccessKeyID, "ASIA") || sess.Credentials.SessionToken == "" {
		t.Fatalf("session %+v", sess.Credentials.AccessKeyID)
	}
	exp, err := time.Parse(time.RFC3339, sess.Credentials.Expiration)
	if err != nil || exp.Sub(s.Now()) < 59*time.Minute || exp.Sub(s.Now()) > time.Hour {
		t.Fatalf("Expiration %q: %v", sess.Credentials.Expiration, err)
	}
	senv := cliEnv(t, sess.Credentials.AccessKeyID, sess.Credentials.SecretAccessKey, sess.Credentials.SessionToken)

	out, stderr, err = runCLI(t, aws, senv, append([]string{"sts", "assume-role", "--role-arn", "arn:aws:iam::444455556666:role/DynamoDBRole", "--role-session-name", "cli-session"}, common...)...)
	if err != nil {
		t.Fatalf("assume-role: %v\n%s", err, stderr)
	}
	var role cliCreds
	if err := json.Unmarshal(out, &role); err != nil {
		t.Fatal(err)
	}
	if role.AssumedRoleUser.Arn != "arn:aws:sts::444455556666:assumed-role/DynamoDBRole/cli-session" || !strings.HasPrefix(role.Credentials.AccessKeyID, "ASIA") {
		t.Fatalf("assume-role output %+v", role.AssumedRoleUser)
	}

	out, stderr, err = runCLI(t, aws, cliEnv(t, role.Credentials.AccessKeyID, role.Credentials.SecretAccessKey, role.Credentials.SessionToken),
		append([]string{"sts", "get-caller-identity"}, common...)...)
	if err != nil {
		t.Fatalf("get-caller-identity: %v\n%s", err, stderr)
	}
	var id struct{ UserId, Account, Arn string }
	if err := json.Unmarshal(out, &id); err != nil {
		t.Fatal(err)
	}
	if id.Arn != role.AssumedRoleUser.Arn || id.Account != "444455556666" || !strings.HasSuffix(id.UserId, ":cli-session") {
		t.Fatalf("identity %+v", id)
	}
}

func TestBoto3(t *testing.T) {
	py := testenv.Python(t)
	s := StartTest(t, DefaultConfig())
	awayFromStepEdge(s)
	code, err := TOTP(DefaultTOTPSecret, s.Now())
	if err != nil {
		t.Fatal(err)
	}
	script := `
import json, sys, boto3
url, serial, code = sys.argv[1:4]
sts = boto3.client('sts', endpoint_url=url, region_name='us-east-1')
c = sts.get_session_token(SerialNumber=serial, TokenCode=code, DurationSeconds=900)['Credentials']
s2 = boto3.client('sts', endpoint_url=url, region_name='us-east-1', aws_access_key_id=c['AccessKeyId'],
                  aws_secret_access_key=c['SecretAccessKey'], aws_session_token=c['SessionToken'])
r = s2.assume_role(RoleArn='arn:aws:iam::444455556666:role/CodeDeployRole', RoleSessionName='boto@3', ExternalId='unused-ok')
rc = r['Credentials']
s3 = boto3.client('sts', endpoint_url=url, region_name='us-east-1', aws_access_key_id=rc['AccessKeyId'],
                  aws_secret_access_key=rc['SecretAccessKey'], aws_session_token=rc['SessionToken'])
print(json.dumps({'session': s2.get_caller_identity()['Arn'], 'role': s3.get_caller_identity()['Arn'],
                  'assumed': r['AssumedRoleUser']['Arn'], 'key': rc['AccessKeyId']}))
`
	cmd := exec.Command(py, "-c", script, s.URL(), DefaultMFASerial, code)
	cmd.Env = cliEnv(t, DefaultAccessKeyID, DefaultSecretAccessKey, "")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, stderr.String())
	}
	var got struct{ Session, Role, Assumed, Key string }
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := "arn:aws:sts::444455556666:assumed-role/CodeDeployRole/boto@3"
	if got.Session != DefaultUserARN || got.Role != want || got.Assumed != want || !strings.HasPrefix(got.Key, "ASIA") {
		t.Fatalf("boto3 results %+v", got)
	}
	if st := s.Stats(); st["GetSessionToken"] != 1 || st["AssumeRole"] != 1 || st["GetCallerIdentity"] != 2 {
		t.Fatalf("stats %v", st)
	}
}
