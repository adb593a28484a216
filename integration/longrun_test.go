//go:build integration

package integration_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/stsemu"
	"github.com/stslib/stslib-proc/internal/testenv"
)

// roleLife is how long the emulator's role credentials last in these
// tests (whatever was asked): three lifetimes take a minute.
const roleLife = 20 * time.Second

// longJob is the child: for secs seconds it calls GetCallerIdentity once a
// second with one boto3 client (whose credentials must refresh by
// themselves) and every fourth second with the AWS CLI, and prints a JSON
// summary. It never sees a profile: only what exec or serve gives it.
const longJob = `
import json, subprocess, sys, time
import boto3, botocore
url, secs = sys.argv[1], float(sys.argv[2])
c = boto3.Session().client("sts", endpoint_url=url, region_name="us-east-1")
res = {"calls": 0, "failed": 0, "expired": 0, "cli_calls": 0, "cli_failed": 0, "keys": [], "errors": []}
end = time.time() + secs
i = 0
while time.time() < end:
    try:
        c.get_caller_identity()
        res["calls"] += 1
        k = c._request_signer._credentials.get_frozen_credentials().access_key
        if k not in res["keys"]:
            res["keys"].append(k)
    except Exception as e:
        res["failed"] += 1
        if "ExpiredToken" in str(e):
            res["expired"] += 1
        res["errors"].append(str(e)[:200])
    if i % 4 == 0:
        p = subprocess.run(["/usr/bin/aws", "sts", "get-caller-identity", "--endpoint-url", url, "--region", "us-east-1"], capture_output=True, text=True)
        res["cli_calls"] += 1
        if p.returncode != 0:
            res["cli_failed"] += 1
            if "ExpiredToken" in p.stderr:
                res["expired"] += 1
            res["errors"].append(p.stderr[-200:])
    i += 1
    time.sleep(1)
print(json.dumps(res))
`

type jobResult struct {
	Calls, Failed, Expired, CLICalls, CLIFailed int
	Keys, Errors                                []string
}

func (r *jobResult) UnmarshalJSON(b []byte) error {
	var m struct {
		Calls     int      `json:"calls"`
		Failed    int      `json:"failed"`
		Expired   int      `json:"expired"`
		CLICalls  int      `json:"cli_calls"`
		CLIFailed int      `json:"cli_failed"`
		Keys      []string `json:"keys"`
		Errors    []string `json:"errors"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*r = jobResult{m.Calls, m.Failed, m.Expired, m.CLICalls, m.CLIFailed, m.Keys, m.Errors}
	return nil
}

func longWorld(t *testing.T) (*e2e.World, string) {
	testenv.AWS(t)
	testenv.Tool(t, "/usr/bin/oathtool")
	w := world(t, e2e.EmulatorConfig(nil, nil))
	w.STS.SetRoleLifetime(roleLife)
	w.WriteProfiles(e2e.DefaultSource(), []e2e.RoleProfile{{Name: "DynamoDBRole-dev", Role: "DynamoDBRole", SessionName: "bob"}}, "")
	w.MustRun("login", "BobSmith")
	script := filepath.Join(w.Dir, "longjob.py")
	w.Write(script, longJob)
	return w, script
}

func checkJob(t *testing.T, name string, out string, w *e2e.World) {
	t.Helper()
	var r jobResult
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &r); err != nil {
		t.Fatalf("child output %q: %v", out, err)
	}
	lifetimes := len(r.Keys)
	t.Logf("%s: %d boto3 calls (%d failed), %d AWS CLI calls (%d failed), %d ExpiredToken, %d role credentials seen; errors %q",
		name, r.Calls, r.Failed, r.CLICalls, r.CLIFailed, r.Expired, lifetimes, r.Errors)
	if r.Failed+r.CLIFailed+r.Expired != 0 {
		t.Errorf("%s: failed calls", name)
	}
	if lifetimes < 3 {
		t.Errorf("%s: the job saw %d role credentials, want at least 3 lifetimes", name, lifetimes)
	}
	if n := w.STS.Stats()["GetSessionToken"]; n != 1 {
		t.Errorf("%s: GetSessionToken %d, want 1 (no new MFA)", name, n)
	}
	summary(t, "long-job-"+name, r.Calls+r.CLICalls, 0, r.Failed+r.CLIFailed+r.Expired, 0)
}

// TestExecAcrossRoleLifetimes: boto3 and the AWS CLI run under exec for
// more than three role lifetimes and never see an expired credential.
func TestExecAcrossRoleLifetimes(t *testing.T) {
	t.Parallel()
	w, script := longWorld(t)
	secs := fmt.Sprint(int((3*roleLife + 10*time.Second).Seconds()))
	r := w.Run("exec", "DynamoDBRole-dev", "--", "/usr/bin/python3", script, w.STS.URL(), secs)
	if r.Code != 0 {
		t.Fatalf("exec: %v", r)
	}
	checkJob(t, "exec", r.Stdout, w)
}

// TestServeAcrossRoleLifetimes: the same job as a container would run it,
// against 'stslib-proc serve' with the token file.
func TestServeAcrossRoleLifetimes(t *testing.T) {
	t.Parallel()
	w, script := longWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, w.Bin, "serve")
	cmd.Env = w.Environ()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer // read while serve runs
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	sc := bufio.NewScanner(stdout)
	var lines []string
	for len(lines) < 2 && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "http://127.0.0.1:") {
		t.Fatalf("serve printed %q; stderr %s", lines, stderr.String())
	}
	if st, err := os.Stat(lines[1]); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file %s: %v %v", lines[1], st, err)
	}
	token, err := os.ReadFile(lines[1])
	if err != nil || len(token) < 32 {
		t.Fatalf("token file: %q %v", token, err)
	}
	secs := fmt.Sprint(int((3*roleLife + 10*time.Second).Seconds()))
	// botocore 1.29 and the AWS CLI 2.9 predate
	// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: the token goes in the variable.
	r := w.Exec([]string{
		"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + lines[0] + "/role/DynamoDBRole-dev",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN=" + string(token),
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_CONFIG_FILE=/dev/null",
	}, "/usr/bin/python3", script, w.STS.URL(), secs)
	if r.Code != 0 {
		t.Fatalf("job: %v\nserve stderr: %s", r, stderr.String())
	}
	checkJob(t, "serve", r.Stdout, w)
	if strings.Contains(stderr.String(), "CANARY") || strings.Contains(stderr.String(), stsemu.DefaultSecretAccessKey) {
		t.Error("serve's log shows a secret")
	}
}

// TestExecPassesSignals: a SIGTERM to exec reaches the child, and the
// child's exit status is exec's.
func TestExecPassesSignals(t *testing.T) {
	t.Parallel()
	testenv.Tool(t, "/usr/bin/oathtool")
	w := world(t, e2e.EmulatorConfig(nil, nil))
	w.WriteProfiles(e2e.DefaultSource(), []e2e.RoleProfile{{Name: "CodeDeployRole-dev", Role: "CodeDeployRole"}}, "")
	ready := filepath.Join(w.Dir, "ready")
	cmd := exec.Command(w.Bin, "exec", "CodeDeployRole-dev", "--", "/bin/sh", "-c",
		`trap 'echo got TERM; exit 3' TERM; touch `+ready+`; while :; do sleep 0.1; done`)
	cmd.Env = w.Environ()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var out strings.Builder
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the child did not start")
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || !strings.Contains(out.String(), "got TERM") {
		t.Errorf("exec after SIGTERM: %v, output %q; want the child's status 3 and its message", err, out.String())
	}
}

// TestRefreshAheadInTheBackground: credential_process calls for two roles
// once a second across three role lifetimes never wait on STS after the
// first: each call inside the refresh-ahead band serves the current record
// and a detached stslib-proc renews it for the next call; that refresher
// stays, and takes the later renewals over its socket.
func TestRefreshAheadInTheBackground(t *testing.T) {
	t.Parallel()
	testenv.Tool(t, "/usr/bin/oathtool")
	w := world(t, e2e.EmulatorConfig(nil, nil))
	w.STS.SetRoleLifetime(roleLife)
	roles := []string{"CodeDeployRole-dev", "DynamoDBRole-dev"}
	w.WriteProfiles(e2e.DefaultSource(), []e2e.RoleProfile{{Name: roles[0], Role: "CodeDeployRole"}, {Name: roles[1], Role: "DynamoDBRole"}}, "")
	w.MustRun("login", "BobSmith")
	for _, role := range roles {
		first := w.MustRun("--debug", role)
		if !strings.Contains(first.Stderr, "sts AssumeRole") {
			t.Fatalf("first call of %s did not assume the role: %s", role, first.Stderr)
		}
	}
	waited, keys, handed := 0, map[string]bool{}, 0
	end := time.Now().Add(3*roleLife + 5*time.Second)
	calls := 0
	for time.Now().Before(end) {
		for _, role := range roles {
			r := w.Run("--debug", role)
			calls++
			if r.Code != 0 {
				t.Fatalf("call %d: %v", calls, r)
			}
			if strings.Contains(r.Stderr, "sts AssumeRole") || strings.Contains(r.Stderr, "sts GetSessionToken") {
				waited++
			}
			if strings.Contains(r.Stderr, "refresh-ahead handed to the running background refresher") {
				handed++
			}
			p, err := e2e.ParseProcess(r.Stdout) // refuses an expired credential
			if err != nil {
				t.Fatalf("call %d: %v", calls, err)
			}
			keys[p.AccessKeyID] = true
		}
		time.Sleep(time.Second)
	}
	t.Logf("%d calls over %s: %d waited on STS, %d role credentials, %d renewals handed to the running refresher, %d AssumeRole in all",
		calls, 3*roleLife, waited, len(keys), handed, e2e.OK(w.STS, "AssumeRole"))
	if waited != 0 {
		t.Errorf("%d calls waited on STS after the first", waited)
	}
	if len(keys) < 6 {
		t.Errorf("%d role credentials for two roles across three lifetimes: the background refresh did not run", len(keys))
	}
	if handed == 0 {
		t.Error("every renewal started a process: the background refresher did not stay")
	}
	summary(t, "refresh-ahead", calls, 0, waited, 0)
}

// refresherPIDs are the processes whose environment names a background
// refresher socket under dataDir.
func refresherPIDs(dataDir string) []int {
	procs, _ := filepath.Glob("/proc/[0-9]*/environ")
	var pids []int
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || !strings.Contains(string(b), "STSLIB_REFRESHER_SOCKET="+filepath.Join(dataDir, "refresher")) {
			continue
		}
		var pid int
		if _, err := fmt.Sscanf(p, "/proc/%d/environ", &pid); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestRefresherStopped: the background refresher is
// stopped (SIGSTOP: a hung process) while it holds its socket. Calls go on
// once a second for two more role lifetimes: every one succeeds with
// credentials that have not expired, and the roles keep being renewed,
// by a refresh of its own once a renewal handed over has not finished in
// 10 s.
func TestRefresherStopped(t *testing.T) {
	t.Parallel()
	testenv.Tool(t, "/usr/bin/oathtool")
	w := world(t, e2e.EmulatorConfig(nil, nil))
	w.STS.SetRoleLifetime(roleLife)
	w.WriteProfiles(e2e.DefaultSource(), []e2e.RoleProfile{{Name: "CodeDeployRole-dev", Role: "CodeDeployRole"}}, "")
	w.MustRun("login", "BobSmith")
	w.MustRun("CodeDeployRole-dev")
	var stopped []int
	// Killed, not continued, before the world's cleanup: continued, it
	// would take the profiles queued while it was stopped, find the
	// world's records gone, and log in again with mfa_process, leaving
	// records the cleanup has already swept.
	t.Cleanup(func() {
		for _, pid := range stopped {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	call := func(i int) string {
		r := w.Run("CodeDeployRole-dev")
		if r.Code != 0 {
			t.Fatalf("call %d: %v", i, r)
		}
		p, err := e2e.ParseProcess(r.Stdout) // refuses an expired credential
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		return p.AccessKeyID
	}
	for i := 0; len(stopped) == 0; i++ {
		if i > 2*int(roleLife/time.Second) {
			t.Fatal("no background refresher started within two role lifetimes")
		}
		call(i)
		time.Sleep(time.Second)
		for _, pid := range refresherPIDs(w.DataDir) {
			if syscall.Kill(pid, syscall.SIGSTOP) == nil {
				stopped = append(stopped, pid)
			}
		}
	}
	keys := map[string]bool{}
	calls := 0
	for end := time.Now().Add(2 * roleLife); time.Now().Before(end); time.Sleep(time.Second) {
		keys[call(calls)] = true
		calls++
	}
	t.Logf("refresher %v stopped; then %d calls over %s, %d role credentials", stopped, calls, 2*roleLife, len(keys))
	if len(keys) < 3 {
		t.Errorf("%d role credentials across two lifetimes with the refresher stopped: renewals stalled", len(keys))
	}
	summary(t, "refresh-ahead, refresher stopped", calls, 1, 0, 0)
}
