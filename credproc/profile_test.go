package credproc

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const baseConfig = `[profile BobSmith]
mfa_serial = arn:aws:iam::111122223333:mfa/BobSmith
region = us-east-1

[profile DynamoDBRole-dev]
role_arn = arn:aws:iam::444455556666:role/DynamoDBRole
source_profile = BobSmith
external_id = ext-1
role_session_name = alice-dev
duration_seconds = 1800

[profile Chained]
role_arn = arn:aws:iam::777788889999:role/Deep
source_profile = DynamoDBRole-dev

[profile A]
role_arn = arn:aws:iam::1:role/A
source_profile = B

[profile B]
role_arn = arn:aws:iam::1:role/B
source_profile = A

[profile Self]
role_arn = arn:aws:iam::1:role/Self
source_profile = Self

[profile NoKeys]
region = us-east-1

[profile OrphanRole]
role_arn = arn:aws:iam::1:role/O
source_profile = NoKeys

[profile Missing]
role_arn = arn:aws:iam::1:role/M
source_profile = Nowhere

[profile Loop]
role_arn = arn:aws:iam::1:role/L
source_profile = LoopSrc

[profile LoopSrc]
credential_process = /usr/local/bin/stslib-proc Loop

[profile EnvRole]
role_arn = arn:aws:iam::1:role/E
credential_source = Environment

[profile dev]
credential_process = stslib-proc DynamoDBRole-dev

[services local]
sts =
  endpoint_url = http://127.0.0.1:9999

[profile Second]
role_arn = arn:aws:iam::1:role/S
source_profile = BobSmith
region = us-west-2

[profile WithServices]
role_arn = arn:aws:iam::1:role/S
source_profile = BobSmith
services = local
`

const baseCredentials = `[BobSmith]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = CANARYSECRET

[Self]
aws_access_key_id = AKIASELF
aws_secret_access_key = CANARYSELF
`

func writeFiles(t testing.TB, config, credentials string) Paths {
	t.Helper()
	dir := t.TempDir()
	p := Paths{ConfigFile: filepath.Join(dir, "config"), CredentialsFile: filepath.Join(dir, "credentials")}
	if err := os.WriteFile(p.ConfigFile, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.CredentialsFile, []byte(credentials), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestResolve(t *testing.T) {
	r, err := NewResolver(writeFiles(t, baseConfig, baseCredentials))
	if err != nil {
		t.Fatal(err)
	}
	r.SessionName = "localuser"
	tests := []struct {
		name    string
		profile string
		check   func(t *testing.T, p *Profile)
		wantErr error
		errHas  []string
	}{
		{name: "role", profile: "DynamoDBRole-dev", check: func(t *testing.T, p *Profile) {
			if p.RoleARN != "arn:aws:iam::444455556666:role/DynamoDBRole" || p.ExternalID != "ext-1" || p.RoleSessionName != "alice-dev" || p.DurationSeconds != 1800 {
				t.Errorf("got %+v", p)
			}
			if p.Source.Name != "BobSmith" || !p.Source.HasStaticKeys || p.SessionMFASerial() != "arn:aws:iam::111122223333:mfa/BobSmith" {
				t.Errorf("source %+v", p.Source)
			}
		}},
		{name: "chain", profile: "Chained", check: func(t *testing.T, p *Profile) {
			if p.Source.Name != "DynamoDBRole-dev" || p.Root().Name != "BobSmith" || p.RoleSessionName != "localuser" {
				t.Errorf("chain %+v", p)
			}
		}},
		{name: "self source with keys", profile: "Self", check: func(t *testing.T, p *Profile) {
			if p.Source == nil || p.Source.IsRole() || !p.Source.HasStaticKeys {
				t.Errorf("self %+v", p.Source)
			}
		}},
		{name: "environment", profile: "EnvRole", check: func(t *testing.T, p *Profile) {
			if p.Source.CredentialSource != "Environment" {
				t.Errorf("env %+v", p.Source)
			}
		}},
		{name: "services endpoint", profile: "WithServices", check: func(t *testing.T, p *Profile) {
			if p.stsEndpointURL != "http://127.0.0.1:9999" {
				t.Errorf("endpoint %q", p.stsEndpointURL)
			}
		}},
		{name: "cycle", profile: "A", wantErr: ErrCycle, errHas: []string{"A -> B -> A"}},
		{name: "unknown", profile: "Nope", wantErr: ErrProfileNotFound, errHas: []string{"Nope"}},
		{name: "not a role", profile: "BobSmith", wantErr: ErrNotRole},
		{name: "credential_process profile is not a role", profile: "dev", wantErr: ErrNotRole},
		{name: "source without keys", profile: "OrphanRole", wantErr: ErrNoSource, errHas: []string{"NoKeys", "source of OrphanRole"}},
		{name: "missing source", profile: "Missing", wantErr: ErrProfileNotFound, errHas: []string{"Nowhere"}},
		{name: "recursion", profile: "Loop", wantErr: ErrRecursion, errHas: []string{"LoopSrc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := r.Resolve(tt.profile)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				for _, s := range tt.errHas {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q lacks %q", err, s)
					}
				}
				if strings.Contains(err.Error(), "CANARY") {
					t.Errorf("error leaks a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, p)
		})
	}
}

func TestResolveBadValues(t *testing.T) {
	tests := map[string]string{
		"duration":     "[profile R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\nduration_seconds = 60\n[profile S]\naws_access_key_id=a\naws_secret_access_key=b\n",
		"session name": "[profile R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\nrole_session_name = bad name!\n[profile S]\naws_access_key_id=a\naws_secret_access_key=b\n",
		"no source":    "[profile R]\nrole_arn = arn:aws:iam::1:role/R\n",
	}
	for name, cfg := range tests {
		t.Run(name, func(t *testing.T) {
			r, err := NewResolver(writeFiles(t, cfg, ""))
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.Resolve("R")
			if err == nil || !strings.Contains(err.Error(), "profile R") {
				t.Fatalf("err = %v, want an error naming profile R", err)
			}
		})
	}
}

func TestMalformedFile(t *testing.T) {
	_, err := NewResolver(writeFiles(t, "[profile x\nsecret = CANARY\n", ""))
	if err == nil {
		t.Fatal("want an error")
	}
	if !strings.Contains(err.Error(), "config") || strings.Contains(err.Error(), "CANARY") {
		t.Errorf("error should name the file and not the content: %v", err)
	}
}

func TestCacheKeyChangesWithInputs(t *testing.T) {
	r1, _ := NewResolver(writeFiles(t, baseConfig, baseCredentials))
	r2, _ := NewResolver(writeFiles(t, strings.Replace(baseConfig, "external_id = ext-1", "external_id = ext-2", 1), baseCredentials))
	p1, _ := r1.Resolve("DynamoDBRole-dev")
	p2, _ := r2.Resolve("DynamoDBRole-dev")
	if p1.CacheKey() == p2.CacheKey() {
		t.Error("a new external_id must give a new cache key")
	}
	if p1.SessionKey() != p2.SessionKey() {
		t.Error("the session key depends only on the source and its MFA device")
	}
	if !strings.HasPrefix(p1.CacheKey(), "vault/DynamoDBRole-dev/") {
		t.Errorf("key %q", p1.CacheKey())
	}
}

func TestRoleProfiles(t *testing.T) {
	r, _ := NewResolver(writeFiles(t, baseConfig, baseCredentials))
	got := strings.Join(r.RoleProfiles(), ",")
	if !strings.Contains(got, "DynamoDBRole-dev") || strings.Contains(got, "BobSmith") || strings.Contains(got, ",dev") {
		t.Errorf("RoleProfiles = %s", got)
	}
}

func TestDefaultSessionName(t *testing.T) {
	tests := map[string]string{"alice": "alice", "a": "stslib-proc-a", "": "stslib-proc", `DOMAIN\bob smith`: "DOMAIN-bob-smith", strings.Repeat("x", 80): strings.Repeat("x", 64)}
	for in, want := range tests {
		got := DefaultSessionName(in)
		if got != want || !validSessionName(got) {
			t.Errorf("DefaultSessionName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidSessionName(t *testing.T) {
	for s, want := range map[string]bool{"ab": true, "a": false, "alice@example.com": true, "a b": false, "x/y": false,
		strings.Repeat("z", 64): true, strings.Repeat("z", 65): false, "ü-x": false, "a+b=c,d.e@f_g-h": true} {
		if got := validSessionName(s); got != want {
			t.Errorf("validSessionName(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestSplitCommand(t *testing.T) {
	tests := []struct {
		in      string
		windows bool
		want    []string
	}{
		{`oathtool --totp -b ABC`, false, []string{"oathtool", "--totp", "-b", "ABC"}},
		{`"/opt/my tool/bin" 'a b' c\ d`, false, []string{"/opt/my tool/bin", "a b", "c d"}},
		{`"C:\Program Files\op.exe" item get`, true, []string{`C:\Program Files\op.exe`, "item", "get"}},
		{`  `, false, nil},
	}
	for _, tt := range tests {
		got, err := splitCommand(tt.in, tt.windows)
		if err != nil || strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("splitCommand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := splitCommand(`echo "unclosed`, false); err == nil {
		t.Error("unclosed quote: want an error")
	}
	if !PointsAtSelf(`/usr/bin/stslib-proc X`) || !PointsAtSelf(`"C:\bin\stslib-proc.exe" X`) || PointsAtSelf("aws-vault export") {
		t.Error("PointsAtSelf")
	}
}

func FuzzResolve(f *testing.F) {
	f.Add(baseConfig, "DynamoDBRole-dev")
	f.Add("[profile a]\nrole_arn=x\nsource_profile=a\n", "a")
	f.Fuzz(func(t *testing.T, config, name string) {
		dir := t.TempDir()
		p := Paths{ConfigFile: filepath.Join(dir, "c"), CredentialsFile: filepath.Join(dir, "k")}
		os.WriteFile(p.ConfigFile, []byte(config), 0o600)
		r, err := NewResolver(p)
		if err != nil {
			return
		}
		for _, n := range append(r.Profiles(), name) {
			prof, err := r.Resolve(n)
			if err == nil && (prof.Root() == nil || prof.Source == nil) {
				t.Fatalf("resolved role %q without a source", n)
			}
		}
	})
}

func FuzzSplitCommand(f *testing.F) {
	f.Add(`oathtool --totp -b "A B" 'c' d\ e`)
	f.Fuzz(func(t *testing.T, s string) {
		for _, w := range []bool{false, true} {
			args, err := splitCommand(s, w)
			if err == nil {
				for _, a := range args {
					if a == "" && !strings.ContainsAny(s, `"'`) {
						t.Fatalf("empty argument from %q", s)
					}
				}
			}
		}
	})
}

func TestDuplicatesRefused(t *testing.T) {
	tests := map[string]string{
		"section": "[profile a]\nregion = x\n\n[profile a]\nregion = y\n",
		"key":     "[profile a]\nregion = x\nRegion = y\n",
	}
	for name, cfg := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := NewResolver(writeFiles(t, cfg, ""))
			if err == nil || !strings.Contains(err.Error(), "config:") || !strings.Contains(err.Error(), "duplicate") {
				t.Fatalf("err = %v, want a duplicate error naming file and line", err)
			}
		})
	}
	// Continuation lines and the same key in two sections are fine.
	ok := "[profile a]\nregion = x\ns3 =\n  region = y\n[profile b]\nregion = x\n"
	if _, err := NewResolver(writeFiles(t, ok, "")); err != nil {
		t.Errorf("valid file refused: %v", err)
	}
}
