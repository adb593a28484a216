//go:build integration

package integration_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/testenv"
)

// TestConfigure: "configure ROLE --name dev" writes a profile the AWS CLI
// can use at once (stslib-proc found on PATH).
func TestConfigure(t *testing.T) {
	testenv.AWS(t)
	testenv.Tool(t, "/usr/bin/oathtool")
	w := world(t, e2e.EmulatorConfig(nil, nil))
	w.WriteProfiles(e2e.DefaultSource(), []e2e.RoleProfile{{Name: "DynamoDBRole-dev", Role: "DynamoDBRole", SessionName: "bob"}}, "")
	before := w.Read(w.ConfigFile)

	dry := w.MustRun("configure", "DynamoDBRole-dev", "--name", "dev", "--dry-run")
	if w.Read(w.ConfigFile) != before {
		t.Errorf("configure --dry-run wrote the config file")
	}
	if !strings.Contains(dry.Stdout, "+[profile dev]") {
		t.Errorf("configure --dry-run shows no new profile:\n%s", dry.Stdout)
	}

	w.MustRun("configure", "DynamoDBRole-dev", "--name", "dev")
	after := w.Read(w.ConfigFile)
	if !strings.HasPrefix(after, before) {
		t.Errorf("configure changed existing bytes of the config file:\n%s", after)
	}
	if !strings.Contains(after, "[profile dev]") || !strings.Contains(after, "credential_process = stslib-proc process -- DynamoDBRole-dev\n") {
		t.Errorf("config file lacks [profile dev] with credential_process = stslib-proc process -- DynamoDBRole-dev:\n%s", after)
	}
	for range 2 {
		if got, want := w.CallerARN("dev"), "arn:aws:sts::444455556666:assumed-role/DynamoDBRole/bob"; got != want {
			t.Errorf("caller %q, want %q", got, want)
		}
	}
	if gst, ar := e2e.OK(w.STS, "GetSessionToken"), e2e.OK(w.STS, "AssumeRole"); gst != 1 || ar != 1 {
		t.Errorf("GetSessionToken %d, AssumeRole %d; want 1 and 1", gst, ar)
	}

	// Running it again changes nothing.
	w.MustRun("configure", "DynamoDBRole-dev", "--name", "dev")
	if w.Read(w.ConfigFile) != after {
		t.Errorf("a second configure changed the config file")
	}
}

// TestSecretService: with the OS keyring (a private gnome-keyring on a
// private D-Bus), two AWS CLI calls cost one GetSessionToken and one
// AssumeRole, and status lists both records.
func TestSecretService(t *testing.T) {
	testenv.AWS(t)
	testenv.Tool(t, "/usr/bin/oathtool")
	testenv.SecretService(t)
	w := world(t, e2e.EmulatorConfig(nil, nil))
	w.Keyring = "os"
	w.WriteProfiles(e2e.DefaultSource(), []e2e.RoleProfile{{Name: "DynamoDBRole-dev", Role: "DynamoDBRole", SessionName: "bob", Proc: "dev"}}, "")
	for range 2 {
		if got, want := w.CallerARN("dev"), "arn:aws:sts::444455556666:assumed-role/DynamoDBRole/bob"; got != want {
			t.Errorf("caller %q, want %q", got, want)
		}
	}
	if gst, ar := e2e.OK(w.STS, "GetSessionToken"), e2e.OK(w.STS, "AssumeRole"); gst != 1 || ar != 1 {
		t.Errorf("GetSessionToken %d, AssumeRole %d; want 1 and 1", gst, ar)
	}

	r := w.MustRun("status", "--json")
	var rows []struct {
		Profile string `json:"profile"`
		Kind    string `json:"kind"`
		Expired bool   `json:"expired"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &rows); err != nil {
		t.Fatalf("status --json: %v\n%s", err, r.Stdout)
	}
	got := map[string]string{}
	for _, row := range rows {
		if row.Expired {
			t.Errorf("status: %s (%s) expired", row.Profile, row.Kind)
		}
		got[row.Profile] = row.Kind
	}
	if got["BobSmith"] != "session" || got["DynamoDBRole-dev"] != "vault" || len(got) != 2 {
		t.Errorf("status records %v, want BobSmith session and DynamoDBRole-dev vault", got)
	}
	text := w.MustRun("status").Stdout
	for _, s := range []string{"BobSmith", "DynamoDBRole-dev"} {
		if !strings.Contains(text, s) {
			t.Errorf("status lacks %s:\n%s", s, text)
		}
	}

	// The records are in the Secret Service, not only in the hot tier.
	st := testenv.Tool(t, "secret-tool")
	items := w.Exec(nil, st, "search", "--all", "service", "stslib-proc")
	n := strings.Count(items.Stdout+items.Stderr, "\n[/")
	if strings.HasPrefix(items.Stdout+items.Stderr, "[/") {
		n++
	}
	t.Logf("Secret Service holds %d stslib-proc item(s)", n)
	if n < 2 {
		t.Errorf("Secret Service holds %d stslib-proc items, want at least 2 (session and role)", n)
	}
}
