//go:build integration

package integration_test

import (
	"testing"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/testenv"
)

// TestAWSCLI runs the AWS CLI through credential_process: the assumed role
// carries the profile's external_id, role_session_name and
// duration_seconds, and five CLI calls cost one GetSessionToken and one
// AssumeRole.
func TestAWSCLI(t *testing.T) {
	testenv.AWS(t)
	testenv.Tool(t, "/usr/bin/oathtool")

	t.Run("one role", func(t *testing.T) {
		w := world(t, e2e.EmulatorConfig(nil, map[string]string{"DynamoDBRole": "ext-7f3a"}))
		w.WriteProfiles(e2e.DefaultSource(), []e2e.RoleProfile{{
			Name: "DynamoDBRole-dev", Role: "DynamoDBRole", ExternalID: "ext-7f3a",
			SessionName: "bob-dev", DurationSeconds: 1800, Proc: "dev",
		}}, "")
		for i := range 5 {
			got := w.CallerARN("dev")
			if want := "arn:aws:sts::444455556666:assumed-role/DynamoDBRole/bob-dev"; got != want {
				t.Fatalf("call %d: caller ARN %q, want %q", i, got, want)
			}
		}
		if n := e2e.OK(w.STS, "GetSessionToken"); n != 1 {
			t.Errorf("GetSessionToken calls: %d, want 1", n)
		}
		ar := e2e.CallsOf(w.STS, "AssumeRole")
		if len(ar) != 1 {
			t.Fatalf("AssumeRole calls: %d, want 1", len(ar))
		}
		p := ar[0].Params
		for k, want := range map[string]string{"ExternalId": "ext-7f3a", "RoleSessionName": "bob-dev", "DurationSeconds": "1800", "RoleArn": e2e.RoleARN("DynamoDBRole")} {
			if got := p.Get(k); got != want {
				t.Errorf("AssumeRole %s = %q, want %q", k, got, want)
			}
		}
		if n := e2e.OK(w.STS, "GetCallerIdentity"); n != 5 {
			t.Errorf("GetCallerIdentity calls: %d, want 5", n)
		}
	})

	t.Run("three roles", func(t *testing.T) {
		w := world(t, e2e.EmulatorConfig(nil, nil))
		w.WriteProfiles(e2e.DefaultSource(), []e2e.RoleProfile{
			{Name: "DynamoDBRole-dev", Role: "DynamoDBRole", SessionName: "bob", Proc: "dev"},
			{Name: "CodeDeployRole-qa", Role: "CodeDeployRole", SessionName: "bob", Proc: "qa"},
			{Name: "S3ReadOnlyRole-prod", Role: "S3ReadOnlyRole", SessionName: "bob", Proc: "prod"},
		}, "")
		for _, c := range []struct{ profile, role string }{
			{"dev", "DynamoDBRole"}, {"qa", "CodeDeployRole"}, {"prod", "S3ReadOnlyRole"},
			{"dev", "DynamoDBRole"}, {"prod", "S3ReadOnlyRole"},
		} {
			want := "arn:aws:sts::444455556666:assumed-role/" + c.role + "/bob"
			if got := w.CallerARN(c.profile); got != want {
				t.Errorf("profile %s: caller ARN %q, want %q", c.profile, got, want)
			}
		}
		if n := e2e.OK(w.STS, "GetSessionToken"); n != 1 {
			t.Errorf("GetSessionToken calls: %d, want 1", n)
		}
		if n := e2e.OK(w.STS, "AssumeRole"); n != 3 {
			t.Errorf("AssumeRole calls: %d, want 3", n)
		}
	})
}
