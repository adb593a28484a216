//go:build integration

package integration_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/stsemu"
	"github.com/stslib/stslib-proc/internal/testenv"
)

// TestMFAPromptThroughAWSCLI: with no mfa_process and no code given, a
// person at a terminal is asked on /dev/tty — even though the AWS CLI
// captures credential_process's stdin, stdout and stderr — and the answer
// makes the AWS CLI call succeed. tmux plays the terminal.
func TestMFAPromptThroughAWSCLI(t *testing.T) {
	tmux := testenv.Tool(t, "tmux")
	aws := testenv.AWS(t)
	t.Parallel()
	w := world(t, e2e.EmulatorConfig(nil, nil))
	src := e2e.DefaultSource()
	src.MFAProcess = "" // nothing but a person can answer
	w.WriteProfiles(src, []e2e.RoleProfile{{Name: "DynamoDBRole-dev", Role: "DynamoDBRole", Proc: "dev"}}, "")

	out := filepath.Join(w.Dir, "aws.out")
	script := filepath.Join(w.Dir, "run.sh")
	var env strings.Builder
	for _, kv := range w.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env.WriteString("export " + k + "='" + strings.ReplaceAll(v, "'", `'\''`) + "'\n")
	}
	body := env.String() + aws + " sts get-caller-identity --profile dev --region us-east-1 --output text --endpoint-url " +
		w.STS.URL() + " > " + out + " 2>&1; echo rc=$? >> " + out + "\nsleep 60\n"
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	session := "stslib-" + filepath.Base(w.Dir)
	sock := filepath.Join(w.Dir, "tmux.sock")
	tm := func(args ...string) string {
		b, err := exec.Command(tmux, append([]string{"-S", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v: %s", args, err, b)
		}
		return string(b)
	}
	tm("new-session", "-d", "-s", session, "-x", "200", "-y", "20", "bash "+script)
	t.Cleanup(func() { exec.Command(tmux, "-S", sock, "kill-server").Run() })

	var screen string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if screen = tm("capture-pane", "-t", session, "-p"); strings.Contains(screen, "MFA code for BobSmith") {
			break
		}
	}
	if !strings.Contains(screen, "stslib-proc: MFA code for BobSmith ("+stsemu.DefaultMFASerial+"):") {
		t.Fatalf("no prompt on the terminal; screen:\n%s", screen)
	}
	code, err := stsemu.TOTP(stsemu.DefaultTOTPSecret, w.STS.Now())
	if err != nil {
		t.Fatal(err)
	}
	tm("send-keys", "-t", session, code, "Enter")
	var got string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if b, err := os.ReadFile(out); err == nil && strings.Contains(string(b), "rc=") {
			got = string(b)
			break
		}
	}
	if !strings.Contains(got, "assumed-role/DynamoDBRole/") || !strings.Contains(got, "rc=0") {
		t.Fatalf("AWS CLI after answering the prompt:\n%s", got)
	}
	if strings.Contains(got, code) {
		t.Error("the MFA code reached the AWS CLI's output")
	}
	if n := e2e.OK(w.STS, "GetSessionToken"); n != 1 {
		t.Errorf("GetSessionToken %d, want 1", n)
	}
}
