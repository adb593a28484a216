//go:build integration

package integration_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/stsemu"
	"github.com/stslib/stslib-proc/internal/testenv"
)

// sdkClient is an AWS SDK used as an application uses it: a program that
// resolves a named profile through the SDK's own credential chain (the
// profile's credential_process is stslib-proc), calls STS
// GetCallerIdentity at the emulator and prints {"arn": ...}; on error it
// shows the SDK's error on stderr and exits non-zero.
type sdkClient struct {
	name string
	// session is the role_session_name of the test's role (distinct per
	// client, so the ARN proves which profile resolved).
	session string
	// command checks that the client is installed (skip, or fail when
	// STSLIB_REQUIRE_TOOLS=1) and returns its command line for a profile.
	command func(t *testing.T, url, profile string) []string
}

// sdkDir is testdata/sdk: the clients' programs and their pinned
// dependencies.
func sdkDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs(filepath.Join("..", "testdata", "sdk"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// missing skips the test, or fails it when tools are required.
func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if testenv.Required() {
		t.Fatalf("%s (STSLIB_REQUIRE_TOOLS=1)", msg)
	}
	t.Skipf("%s; set STSLIB_REQUIRE_TOOLS=1 to make this a failure", msg)
}

// goClients builds testdata/sdk/go (its own module: the SDKs never enter
// stslib-proc's go.mod or binaries) once per test binary.
var goClients struct {
	once sync.Once
	dir  string
	err  error
}

func goClient(t *testing.T, name string) string {
	t.Helper()
	goTool := testenv.Tool(t, "go")
	goClients.once.Do(func() {
		dir, err := os.MkdirTemp("", "stslib-sdk-go-")
		if err != nil {
			goClients.err = err
			return
		}
		goClients.dir = dir
		cmd := exec.Command(goTool, "build", "-o", dir+string(filepath.Separator), "./gov1", "./gov2")
		cmd.Dir = filepath.Join(sdkDir(t), "go")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=readonly")
		if out, err := cmd.CombinedOutput(); err != nil {
			goClients.err = fmt.Errorf("go build in testdata/sdk/go: %v\n%s", err, out)
		}
	})
	if goClients.err != nil {
		missing(t, "the Go SDK clients do not build (module proxy unreachable?): %v", goClients.err)
	}
	return filepath.Join(goClients.dir, name)
}

// sdkClients is the matrix: every client people run credential_process
// from that CI can install. Each comment says how the client is pointed at
// the emulator.
var sdkClients = []sdkClient{
	{
		// AWS CLI v2 (Debian's awscli): --endpoint-url (it predates
		// AWS_ENDPOINT_URL_STS).
		name: "AWS CLI v2", session: "awscli",
		command: func(t *testing.T, url, profile string) []string {
			return []string{testenv.AWS(t), "sts", "get-caller-identity", "--profile", profile,
				"--endpoint-url", url, "--region", "us-east-1", "--output", "json"}
		},
	},
	{
		// boto3 (Debian's python3-boto3): the client's endpoint_url.
		name: "boto3", session: "boto3",
		command: func(t *testing.T, url, profile string) []string {
			return []string{testenv.Python(t), "-c", boto3Client, url, profile}
		},
	},
	{
		// aws-sdk-go-v2 config.LoadDefaultConfig: sts.Options.BaseEndpoint.
		name: "AWS SDK for Go v2", session: "go-v2",
		command: func(t *testing.T, url, profile string) []string {
			return []string{goClient(t, "gov2"), url, profile}
		},
	},
	{
		// aws-sdk-go (v1) session with SharedConfigEnable: aws.Config.Endpoint.
		name: "AWS SDK for Go v1", session: "go-v1",
		command: func(t *testing.T, url, profile string) []string {
			return []string{goClient(t, "gov1"), url, profile}
		},
	},
	{
		// @aws-sdk/client-sts with @aws-sdk/credential-providers fromIni
		// (testdata/sdk/js, pinned; .ci/run installs them with npm ci):
		// the client's endpoint option.
		name: "AWS SDK for JavaScript v3", session: "js-v3",
		command: func(t *testing.T, url, profile string) []string {
			node := testenv.Tool(t, "/usr/bin/node")
			js := filepath.Join(sdkDir(t), "js")
			if _, err := os.Stat(filepath.Join(js, "node_modules", "@aws-sdk", "credential-providers", "package.json")); err != nil {
				missing(t, "the JavaScript SDK is not installed: run 'npm ci' in testdata/sdk/js")
			}
			return []string{node, filepath.Join(js, "sts.mjs"), url, profile}
		},
	},
	{
		// aws-sdk-core (Debian's ruby-aws-sdk-core): the client's
		// :endpoint option.
		name: "AWS SDK for Ruby v3", session: "ruby-v3",
		command: func(t *testing.T, url, profile string) []string {
			ruby := testenv.Tool(t, "/usr/bin/ruby")
			if out, err := exec.Command(ruby, "-e", `require "aws-sdk-core"`).CombinedOutput(); err != nil {
				missing(t, "ruby cannot load aws-sdk-core (apt-get install ruby-aws-sdk-core): %v %s", err, out)
			}
			return []string{ruby, filepath.Join(sdkDir(t), "ruby", "sts.rb"), url, profile}
		},
	},
}

// boto3Client is the boto3 application of the matrix.
const boto3Client = `
import json, sys
import boto3
url, profile = sys.argv[1:3]
try:
    c = boto3.Session(profile_name=profile).client("sts", endpoint_url=url, region_name="us-east-1")
    print(json.dumps({"arn": c.get_caller_identity()["Arn"]}))
except Exception as e:
    print("boto3: %s: %s" % (type(e).__name__, e), file=sys.stderr)
    sys.exit(1)
`

// TestSDKMatrix: in every client, a profile whose credential_process is
// stslib-proc resolves to the assumed role (GetCallerIdentity); a second
// run of the client is served from stslib-proc's cache (credential_process
// runs again, 0 new STS calls); and when stslib-proc cannot get
// credentials (no session, no terminal, STSLIB_NONINTERACTIVE=1) the
// client shows stslib-proc's error and hint to its user, with no secret.
func TestSDKMatrix(t *testing.T) {
	testenv.Tool(t, "/usr/bin/oathtool")
	for _, c := range sdkClients {
		t.Run(c.name, func(t *testing.T) { testSDKClient(t, c) })
	}
}

func testSDKClient(t *testing.T, c sdkClient) {
	w := world(t, e2e.EmulatorConfig(nil, nil))
	argv := c.command(t, w.STS.URL(), "dev")

	failures, leaks := 0, 0
	defer func() {
		summary(t, "SDK matrix, "+c.name+" (identity, cached second run, error and hint reach the user)", 3, 1, failures, leaks)
	}()
	fail := func(format string, args ...any) {
		t.Helper()
		failures++
		t.Errorf(format, args...)
	}

	// A wrapper counts the credential_process runs.
	logFile := filepath.Join(w.Dir, "proc.log")
	wrapper := filepath.Join(w.Dir, "proc.sh")
	w.Write(wrapper, "#!/bin/sh\necho run >> '"+logFile+"'\nexec '"+w.Bin+"' \"$@\"\n")
	if err := chmodX(wrapper); err != nil {
		t.Fatal(err)
	}
	w.Write(logFile, "")
	runs := func() int { return strings.Count(w.Read(logFile), "run\n") }
	role := e2e.RoleProfile{Name: "DynamoDBRole-dev", Role: "DynamoDBRole", SessionName: c.session}
	devProfile := "\n[profile dev]\ncredential_process = " + wrapper + " process -- DynamoDBRole-dev\n"
	wantARN := "arn:aws:sts::444455556666:assumed-role/DynamoDBRole/" + c.session

	call := func(label string) (arn string, ok bool) {
		t.Helper()
		r := w.Exec(nil, argv[0], argv[1:]...)
		if r.Code != 0 {
			fail("%s: %s failed: %v", label, c.name, r)
			return "", false
		}
		var out struct{ Arn string }
		if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil {
			fail("%s: %s printed %q: %v", label, c.name, r.Stdout, err)
			return "", false
		}
		return out.Arn, true
	}

	// 1. The assumed role's identity.
	w.WriteProfiles(e2e.DefaultSource(), []e2e.RoleProfile{role}, devProfile)
	if arn, ok := call("first run"); ok && arn != wantARN {
		fail("first run: caller ARN %q, want %q", arn, wantARN)
	}
	gst, ar := e2e.OK(w.STS, "GetSessionToken"), e2e.OK(w.STS, "AssumeRole")
	if gst != 1 || ar != 1 {
		fail("first run: %d GetSessionToken and %d AssumeRole calls, want 1 and 1", gst, ar)
	}
	runsBefore := runs()
	if runsBefore < 1 {
		fail("first run: credential_process never ran")
	}

	// 2. A second run of the client: credential_process runs again and
	// stslib-proc answers from its cache, with the same role key.
	if arn, ok := call("second run"); ok && arn != wantARN {
		fail("second run: caller ARN %q, want %q", arn, wantARN)
	}
	if runs() <= runsBefore {
		fail("second run: credential_process did not run again (%d runs)", runs())
	}
	if n, m := e2e.OK(w.STS, "GetSessionToken")-gst, e2e.OK(w.STS, "AssumeRole")-ar; n != 0 || m != 0 {
		fail("second run: %d new GetSessionToken and %d new AssumeRole calls, want 0 (served from the cache)", n, m)
	}
	if ids := e2e.CallsOf(w.STS, "GetCallerIdentity"); len(ids) != 2 || ids[0].AccessKeyID != ids[1].AccessKeyID {
		fail("GetCallerIdentity: want 2 calls signed with one cached role key, got %+v", ids)
	}

	// 3. No session, no MFA source, no terminal: the client's user sees
	// stslib-proc's error and hint, and no secret.
	w = world(t, e2e.EmulatorConfig(nil, nil))
	w.Env = append(w.Env, "STSLIB_NONINTERACTIVE=1")
	noMFA := e2e.DefaultSource()
	noMFA.MFAProcess = ""
	w.WriteProfiles(noMFA, []e2e.RoleProfile{role}, "\n[profile dev]\ncredential_process = "+w.Bin+" process -- DynamoDBRole-dev\n")
	argv = c.command(t, w.STS.URL(), "dev")
	r := w.Exec(nil, argv[0], argv[1:]...)
	shown := r.Stdout + r.Stderr
	t.Logf("%s shows:\n%s", c.name, shown)
	if r.Code == 0 {
		fail("without a session: %s succeeded: %v", c.name, r)
	}
	for _, want := range []string{
		"stslib-proc: error: session for BobSmith needs an MFA code",
		"hint: run 'stslib-proc login BobSmith'",
	} {
		if !strings.Contains(shown, want) {
			fail("without a session: %s does not show %q:\n%s", c.name, want, shown)
		}
	}
	if n := len(w.STS.Calls()); n != 0 {
		fail("without a session: %d STS calls, want 0", n)
	}
	for _, secret := range []string{stsemu.DefaultSecretAccessKey, stsemu.DefaultTOTPSecret} {
		if strings.Contains(shown, secret) {
			leaks++
			t.Errorf("without a session: %s shows a secret", c.name)
		}
	}
}
