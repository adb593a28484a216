//go:build integration

package integration_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/testenv"
)

// boto3Script makes three calls on one session, forgets the role record
// with "stslib-proc clear", and makes one more. It prints, per call, the
// caller ARN, the access key botocore used and how often the process ran.
const boto3Script = `
import json, subprocess, sys
import boto3
url, log, binary = sys.argv[1:4]
s = boto3.Session(profile_name="dev")
c = s.client("sts", endpoint_url=url, region_name="us-east-1")
def runs():
    with open(log) as f:
        return len(f.read().splitlines())
out = []
def call():
    arn = c.get_caller_identity()["Arn"]
    out.append({"arn": arn, "key": s.get_credentials().get_frozen_credentials().access_key, "runs": runs()})
for _ in range(3):
    call()
subprocess.run([binary, "clear", "DynamoDBRole-dev"], check=True, stderr=subprocess.DEVNULL)
call()
print(json.dumps(out))
`

// TestBoto3Refresh: a boto3 session keeps working across refreshes. The
// role lasts 15 minutes, so botocore (which refreshes when less than 15
// minutes remain) re-runs credential_process before every call, and
// stslib-proc answers from its cache; once the record is cleared the next
// call still works, with a new AssumeRole.
func TestBoto3Refresh(t *testing.T) {
	py := testenv.Python(t)
	testenv.Tool(t, "/usr/bin/oathtool")
	w := world(t, e2e.EmulatorConfig(nil, nil))
	logFile := filepath.Join(w.Dir, "proc.log")
	wrapper := filepath.Join(w.Dir, "proc.sh")
	w.Write(wrapper, "#!/bin/sh\necho run >> '"+logFile+"'\nexec '"+w.Bin+"' \"$@\"\n")
	if err := chmodX(wrapper); err != nil {
		t.Fatal(err)
	}
	w.Write(logFile, "")
	w.WriteProfiles(e2e.DefaultSource(), []e2e.RoleProfile{{Name: "DynamoDBRole-dev", Role: "DynamoDBRole", SessionName: "bob", DurationSeconds: 900}},
		"\n[profile dev]\ncredential_process = "+wrapper+" DynamoDBRole-dev\n")

	script := filepath.Join(w.Dir, "refresh.py")
	w.Write(script, boto3Script)
	r := w.Exec(nil, py, script, w.STS.URL(), logFile, w.Bin)
	if r.Code != 0 {
		t.Fatalf("boto3: %v", r)
	}
	var calls []struct {
		ARN  string `json:"arn"`
		Key  string `json:"key"`
		Runs int    `json:"runs"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &calls); err != nil || len(calls) != 4 {
		t.Fatalf("boto3 output %q: %v", r.Stdout, err)
	}
	t.Logf("boto3 calls: %+v", calls)
	for i, c := range calls {
		if c.ARN != "arn:aws:sts::444455556666:assumed-role/DynamoDBRole/bob" {
			t.Errorf("call %d: ARN %q", i, c.ARN)
		}
		if !strings.HasPrefix(c.Key, "ASIA") {
			t.Errorf("call %d: key %q is not temporary", i, c.Key)
		}
	}
	// botocore re-ran the process for calls 2 and 3 (< 15 min left) ...
	if calls[2].Runs < calls[0].Runs+2 {
		t.Errorf("credential_process ran %d times for 3 calls with 15-minute credentials; botocore should re-run it before each call", calls[2].Runs)
	}
	// ... and stslib-proc served its cached record.
	if calls[1].Key != calls[0].Key || calls[2].Key != calls[0].Key {
		t.Errorf("keys changed while the record was fresh: %s %s %s", calls[0].Key, calls[1].Key, calls[2].Key)
	}
	// After clear: a new AssumeRole and new keys, no new MFA session.
	if calls[3].Key == calls[0].Key {
		t.Errorf("after clear botocore still uses the old key")
	}
	if ar := e2e.OK(w.STS, "AssumeRole"); ar != 2 {
		t.Errorf("AssumeRole calls: %d, want 2 (one before, one after clear)", ar)
	}
	if gst := e2e.OK(w.STS, "GetSessionToken"); gst != 1 {
		t.Errorf("GetSessionToken calls: %d, want 1", gst)
	}
	gci := e2e.CallsOf(w.STS, "GetCallerIdentity")
	if len(gci) != 4 || gci[3].AccessKeyID != calls[3].Key {
		t.Errorf("the emulator did not see the last call signed with the new key")
	}
}
