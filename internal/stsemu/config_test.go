package stsemu

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTOTPVectors(t *testing.T) {
	// RFC 6238 appendix B (SHA1), truncated to 6 digits; the seed is
	// "12345678901234567890".
	const seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	for _, tt := range []struct {
		unix int64
		want string
	}{
		{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"},
	} {
		t.Run(tt.want, func(t *testing.T) {
			got, err := TOTP(strings.ToLower(seed)+"====", time.Unix(tt.unix, 0))
			if err != nil || got != tt.want {
				t.Fatalf("TOTP at %d = %q, %v; want %q", tt.unix, got, err, tt.want)
			}
		})
	}
	if _, err := TOTP("not base32!", time.Now()); err == nil {
		t.Error("invalid seed accepted")
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yaml", `
users:
  - name: Alice
    access_key_id: AKIAALICEALICEALICE1
    secret_access_key: alicesecret
    arn: arn:aws:iam::123456789012:user/Alice
    mfa_serial: arn:aws:iam::123456789012:mfa/Alice
    totp_secret: JBSWY3DPEHPK3PXP
roles:
  - arn: arn:aws:iam::123456789012:role/Admin
    trusted_principals: ["arn:aws:iam::123456789012:root"]
    external_id: xyz
    require_mfa: true
    max_session_duration: 7200
latency: 50ms
clock_offset: -2m
region: eu-west-1
`)
	cfg, err := LoadConfig(good)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Users: []User{{Name: "Alice", AccessKeyID: "AKIAALICEALICEALICE1", SecretAccessKey: "alicesecret", ARN: "arn:aws:iam::123456789012:user/Alice",
			MFASerial: "arn:aws:iam::123456789012:mfa/Alice", TOTPSecret: "JBSWY3DPEHPK3PXP"}},
		Roles:   []Role{{ARN: "arn:aws:iam::123456789012:role/Admin", TrustedPrincipals: []string{"arn:aws:iam::123456789012:root"}, ExternalID: "xyz", RequireMFA: true, MaxSessionDuration: 7200}},
		Latency: 50 * time.Millisecond, ClockOffset: -2 * time.Minute, Region: "eu-west-1",
	}
	if d := cmp.Diff(want, cfg); d != "" {
		t.Errorf("config (-want +got):\n%s", d)
	}
	json := write("c.json", `{"users": [], "roles": [{"arn": "arn:aws:iam::123456789012:role/R", "trusted_principals": ["*"]}]}`)
	if cfg, err := LoadConfig(json); err != nil || len(cfg.Roles) != 1 {
		t.Errorf("JSON config: %v %v", cfg, err)
	}

	for _, tt := range []struct {
		name, text, want string
	}{
		{"unknown field", "users:\n  - name: A\n    acces_key_id: AKIA\n", "bad.yaml:3: field acces_key_id not found"},
		{"bad duration", "latency: soon\n", "bad.yaml:1:"},
		{"type error hides value", "users:\n  - name: A\n    access_key_id: [supersecretvalue]\n", "bad.yaml:3:"},
		{"invalid user", "users:\n  - name: A\n    access_key_id: AKIAAAAAAAAAAAAAAAAA\n    secret_access_key: s\n    arn: nope\n", "bad.yaml:2: users[0]: arn \"nope\""},
		{"bad totp", "users:\n  - name: A\n    access_key_id: AKIAAAAAAAAAAAAAAAAA\n    secret_access_key: supersecretvalue\n    arn: arn:aws:iam::123456789012:user/A\n    mfa_serial: arn:aws:iam::123456789012:mfa/A\n    totp_secret: '!!!'\n", "bad.yaml:2: users[0]: totp_secret is not valid base32"},
		{"bad role", "roles:\n  - arn: arn:aws:iam::123456789012:role/R\n  - arn: arn:aws:iam::123456789012:role/S\n    trusted_principals: [\"*\"]\n    max_session_duration: 99\n", "bad.yaml:2: roles[0]: trusted_principals is empty"},
		{"duration", "roles:\n  - arn: arn:aws:iam::123456789012:role/S\n    trusted_principals: [\"*\"]\n    max_session_duration: 99\n", "bad.yaml:2: roles[0]: max_session_duration 99"},
		{"two documents", "region: a\n---\nregion: b\n", "more than one"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(write("bad.yaml", tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "supersecretvalue") {
				t.Fatalf("error echoes a value: %v", err)
			}
		})
	}
	if _, err := LoadConfig(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

func TestNewPanicsOnInvalidConfig(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New accepted an invalid config")
		}
	}()
	New(Config{Users: []User{{}}})
}

func TestStartRejectsInvalidConfig(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Users = append(cfg.Users, cfg.Users[0])
	if _, err := Start(cfg); err == nil || !strings.Contains(err.Error(), "duplicate access_key_id") {
		t.Fatalf("Start: %v", err)
	}
}
