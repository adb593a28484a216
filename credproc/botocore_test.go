package credproc

import (
	"errors"
	"strings"
	"testing"
)

// These tests pin the families of issue 11: each is botocore's reading of
// a config file (checked against botocore itself by the differential test
// in integration/), resolved by Resolver.

const srcKeys = "[S]\naws_access_key_id = AKIASOURCE\naws_secret_access_key = CANARYSOURCE\n"

func TestBotocoreSemantics(t *testing.T) {
	tests := []struct {
		name        string
		config      string
		credentials string
		profile     string
		check       func(t *testing.T, p *Profile)
		errHas      []string // an error naming all of these is wanted
	}{
		{
			name:    "indented key is a continuation, refused with its line",
			config:  "[profile R]\nrole_arn = arn:aws:iam::1:role/R\n  external_id = x\nsource_profile = S\n",
			profile: "R", errHas: []string{"config:2", "role_arn", "indented"},
		},
		{
			name:    "indented comment is only a comment",
			config:  "[profile R]\nrole_arn = arn:aws:iam::1:role/R\n  # external_id = x\nsource_profile = S\n",
			profile: "R",
			check: func(t *testing.T, p *Profile) {
				if p.RoleARN != "arn:aws:iam::1:role/R" || p.ExternalID != "" {
					t.Errorf("got %q %q", p.RoleARN, p.ExternalID)
				}
			},
		},
		{
			name:    "indented profile keeps its keys",
			config:  "  [profile R]\n  role_arn = arn:aws:iam::1:role/R\n  source_profile = S\n  external_id = ext\n",
			profile: "R",
			check: func(t *testing.T, p *Profile) {
				if p.ExternalID != "ext" || p.Source.Name != "S" {
					t.Errorf("got %+v", p)
				}
			},
		},
		{name: "double-quoted name", config: "[profile \"my role\"]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\n", profile: "my role", check: isRole("arn:aws:iam::1:role/R")},
		{name: "single-quoted name", config: "[profile 'x']\nrole_arn = arn:aws:iam::1:role/X\nsource_profile = S\n", profile: "x", check: isRole("arn:aws:iam::1:role/X")},
		{name: "tab after profile", config: "[profile\tt]\nrole_arn = arn:aws:iam::1:role/T\nsource_profile = S\n", profile: "t", check: isRole("arn:aws:iam::1:role/T")},
		{name: "quoted name not found unquoted", config: "[profile \"my role\"]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\n", profile: `"my role"`, errHas: []string{"not found"}},
		{name: "three words is no profile", config: "[profile a b]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\n", profile: "a b", errHas: []string{"not found"}},
		{name: "hash in a name", config: "[profile a#b]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S;x\n[profile S;x]\naws_access_key_id = AKIA\naws_secret_access_key = CANARY\n", profile: "a#b", check: isRole("arn:aws:iam::1:role/R")},
		{
			name:    "static keys end the chain even beside role_arn (aws-vault layout)",
			config:  "[profile R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\n[profile S]\nrole_arn = arn:aws:iam::1:role/Never\nsource_profile = Nowhere\nmfa_serial = arn:aws:iam::1:mfa/me\n",
			profile: "R", credentials: srcKeys,
			check: func(t *testing.T, p *Profile) {
				if p.Source.IsRole() || !p.Source.HasStaticKeys || p.SessionMFASerial() != "arn:aws:iam::1:mfa/me" {
					t.Errorf("source %+v", p.Source)
				}
			},
		},
		{
			name:    "source_profile with credential_source",
			config:  "[profile R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\ncredential_source = Environment\n",
			profile: "R", errHas: []string{"source_profile and credential_source", "config:4"},
		},
		{name: "empty external_id", config: "[profile R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\nexternal_id =\n", profile: "R", errHas: []string{"config:4", "external_id", "empty"}},
		{name: "empty mfa_serial", config: "[profile R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\nmfa_serial =\n", profile: "R", errHas: []string{"config:4", "mfa_serial", "empty"}},
		{name: "empty source mfa_serial", config: "[profile R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\n[profile S]\nmfa_serial =\n", profile: "R", errHas: []string{"config:5", "mfa_serial"}},
		{name: "quoted role_arn", config: "[profile R]\nrole_arn = \"arn:aws:iam::1:role/R\"\nsource_profile = S\n", profile: "R", errHas: []string{"config:2", "quotes"}},
		{name: "inline comment in external_id", config: "[profile R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\nexternal_id = abc # note\n", profile: "R", errHas: []string{"config:4", "external_id", "comment"}},
		{name: "inline comment in region", config: "[profile R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\nregion = eu-west-1 ; x\n", profile: "R", errHas: []string{"config:4", "region"}},
		{name: "BOM", config: "\ufeff[profile R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\n", profile: "R", errHas: []string{"config:1", "byte order mark"}},
		{name: "not UTF-8", config: "[profile R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\nx = \xff\n", profile: "R", errHas: []string{"config:4", "UTF-8"}},
		{name: "CR-only line ends", config: "[profile R]\rrole_arn = arn:aws:iam::1:role/R\rsource_profile = S\r", profile: "R", check: isRole("arn:aws:iam::1:role/R")},
		{name: "duration with spaces", config: role("duration_seconds =  900 "), profile: "R", check: duration(900, false)},
		{name: "duration with sign", config: role("duration_seconds = +1200"), profile: "R", check: duration(1200, false)},
		{name: "duration with underscore", config: role("duration_seconds = 1_800"), profile: "R", check: duration(1800, false)},
		{name: "duration not a number is ignored", config: role("duration_seconds = 1h"), profile: "R", check: duration(0, true)},
		{name: "duration in other scripts' digits", config: role("duration_seconds = \u0669\u0660\u0660"), profile: "R", check: duration(900, false)},
		{name: "empty role_session_name gets the default", config: role("role_session_name ="), profile: "R", check: func(t *testing.T, p *Profile) {
			if p.RoleSessionName != DefaultSessionName("") {
				t.Errorf("session name %q", p.RoleSessionName)
			}
		}},
		{name: "empty region", config: role("region ="), profile: "R", errHas: []string{"config:4", "region", "empty"}},
		{name: "duration float is ignored", config: role("duration_seconds = 900.0"), profile: "R", check: duration(0, true)},
		{name: "duration too small", config: role("duration_seconds = 899"), profile: "R", errHas: []string{"config:4", "duration_seconds", "900"}},
		{
			name:   "DEFAULT applies to every section",
			config: "[DEFAULT]\nsource_profile = S\nregion = eu-west-2\n[profile R]\nrole_arn = arn:aws:iam::1:role/R\n", profile: "R",
			check: func(t *testing.T, p *Profile) {
				if p.Source.Name != "S" || p.Region != "eu-west-2" {
					t.Errorf("got source %s region %q", p.Source.Name, p.Region)
				}
			},
		},
		{
			name:   "later default section wins whole",
			config: "[profile default]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = S\nexternal_id = gone\n[default]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = S\n", profile: "default",
			check: func(t *testing.T, p *Profile) {
				if p.RoleARN != "arn:aws:iam::1:role/B" || p.ExternalID != "" {
					t.Errorf("got %q %q", p.RoleARN, p.ExternalID)
				}
			},
		},
		{
			name:   "differently spelled sections: the later wins, no merge",
			config: "[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = S\n[profile  a]\nregion = eu-west-1\n", profile: "a", errHas: []string{"no role_arn"},
		},
		{
			name:   "role in the credentials file",
			config: "", credentials: srcKeys + "[R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\n", profile: "R",
			check: isRole("arn:aws:iam::1:role/R"),
		},
		{
			name:   "credentials file keys win over config keys",
			config: "[profile R]\nrole_arn = arn:aws:iam::1:role/FromConfig\nsource_profile = S\n", credentials: srcKeys + "[R]\nrole_arn = arn:aws:iam::1:role/FromCreds\n", profile: "R",
			check: isRole("arn:aws:iam::1:role/FromCreds"),
		},
		{
			name:    "source keys: credentials file before credential_process",
			config:  "[profile R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\n[profile S]\ncredential_process = /bin/other\n",
			profile: "R", credentials: srcKeys,
			check: func(t *testing.T, p *Profile) {
				if p.Source.kind != kindStatic || p.Source.keys.id != "AKIASOURCE" {
					t.Errorf("source kind %v", p.Source.kind)
				}
			},
		},
		{
			name:    "source keys: credential_process before config file keys",
			config:  "[profile R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\n[profile S]\ncredential_process = /bin/other\naws_access_key_id = AKIACONFIG\naws_secret_access_key = CANARY\n",
			profile: "R", credentials: "[other]\nx = 1\n",
			check: func(t *testing.T, p *Profile) {
				if p.Source.kind != kindProcess {
					t.Errorf("source kind %v", p.Source.kind)
				}
			},
		},
		{
			name:    "source keys from the config file, with the session token",
			config:  "[profile R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\n[profile S]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = CANARY\naws_session_token = CANARYTOKEN\n",
			profile: "R", credentials: "[other]\nx = 1\n",
			check: func(t *testing.T, p *Profile) {
				if p.Source.kind != kindStatic || p.Source.keys.id != "AKIACONFIG" || p.Source.keys.token != "CANARYTOKEN" {
					t.Errorf("source %+v", p.Source.keys)
				}
			},
		},
		{
			name:    "source with sso_session and keys",
			config:  "[profile R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\n[profile S]\nsso_session = corp\nretry_mode = adaptive\ndefaults_mode = in-region\ndisable_request_compression = true\nec2_metadata_service_endpoint_mode = IPv6\n",
			profile: "R", credentials: srcKeys, check: isRole("arn:aws:iam::1:role/R"),
		},
		{
			name:    "SSO source is refused",
			config:  "[profile R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\n[profile S]\nsso_account_id = 1\nsso_role_name = x\n",
			profile: "R", errHas: []string{"SSO"},
		},
		{
			name:    "secret key alone",
			config:  "[profile R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\n",
			profile: "R", credentials: "[S]\naws_secret_access_key = CANARY\n", errHas: []string{"no credentials"},
		},
		{name: "unknown services section", config: role("services = nope"), profile: "R", errHas: []string{"config:4", "services nope"}},
		{name: "self source without keys", config: "[profile R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = R\n", profile: "R", errHas: []string{"R -> R"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			creds := tt.credentials
			if creds == "" {
				creds = srcKeys
			}
			r, err := NewResolver(writeFiles(t, tt.config, creds))
			var p *Profile
			if err == nil {
				p, err = r.Resolve(tt.profile)
			}
			if tt.errHas != nil {
				if err == nil {
					t.Fatalf("want an error with %q, got %+v", tt.errHas, p)
				}
				for _, s := range tt.errHas {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q lacks %q", err, s)
					}
				}
				if strings.Contains(err.Error(), "CANARY") || strings.Contains(err.Error(), "\n") {
					t.Errorf("error leaks a secret or spans lines: %q", err)
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

func role(extra string) string {
	return "[profile R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\n" + extra + "\n"
}

func isRole(arn string) func(*testing.T, *Profile) {
	return func(t *testing.T, p *Profile) {
		t.Helper()
		if p.RoleARN != arn {
			t.Errorf("role_arn %q, want %q", p.RoleARN, arn)
		}
	}
}

func duration(d int, ignored bool) func(*testing.T, *Profile) {
	return func(t *testing.T, p *Profile) {
		t.Helper()
		if p.DurationSeconds != d || p.durationIgnored != ignored {
			t.Errorf("duration %d ignored %v, want %d %v", p.DurationSeconds, p.durationIgnored, d, ignored)
		}
	}
}

func TestPyInt(t *testing.T) {
	tests := map[string]int64{"900": 900, " 900\t": 900, "+900": 900, "-900": -900, "9_00": 900, "0900": 900,
		"\u0669\u0660\u0660": 900, "\U0001D7E1\U0001D7D8\U0001D7D8": 900, "\U0001D7F5\U0001D7EC": 90, "\uff19\uff10\uff10": 900}
	for s, want := range tests {
		if got, ok := pyInt(s); !ok || got != want {
			t.Errorf("pyInt(%q) = %d, %v; want %d", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "_900", "900_", "9__00", "9.0", "1e3", "0x10", "abc", "+", "9 00"} {
		if _, ok := pyInt(s); ok {
			t.Errorf("pyInt(%q) ok, want refused as Python's int() refuses", s)
		}
	}
}

func TestRegionAndEndpoint(t *testing.T) {
	cfg := "[services local]\nsts =\n  endpoint_url = http://services\n" +
		"[profile R]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = S\nregion = eu-west-1\n" +
		"[profile L]\nrole_arn = arn:aws:iam::1:role/L\nsource_profile = S\nregion = eu-west-1\nsts_regional_endpoints = legacy\n" +
		"[profile N]\nrole_arn = arn:aws:iam::1:role/N\nsource_profile = S\n" +
		"[profile E]\nrole_arn = arn:aws:iam::1:role/E\nsource_profile = S\nendpoint_url = http://profile\n" +
		"[profile V]\nrole_arn = arn:aws:iam::1:role/V\nsource_profile = S\nendpoint_url = http://profile\nservices = local\n" +
		"[profile I]\nrole_arn = arn:aws:iam::1:role/I\nsource_profile = S\nendpoint_url = http://profile\nignore_configured_endpoint_urls = true\n" +
		"[profile C]\nrole_arn = arn:aws:iam::1:role/C\nsource_profile = R\n" +
		"[profile S]\nregion = ap-south-1\n"
	paths := writeFiles(t, cfg, srcKeys)
	tests := []struct {
		profile          string
		env              map[string]string
		region, endpoint string
	}{
		{"R", nil, "eu-west-1", ""},
		{"R", map[string]string{"AWS_DEFAULT_REGION": "us-west-2"}, "us-west-2", ""},
		{"R", map[string]string{"AWS_REGION": "ca-central-1", "AWS_DEFAULT_REGION": "us-west-2"}, "ca-central-1", ""},
		{"L", nil, "eu-west-1", ""}, // the AWS CLI v2 ignores sts_regional_endpoints
		{"L", map[string]string{"AWS_STS_REGIONAL_ENDPOINTS": "legacy"}, "eu-west-1", ""},
		{"N", nil, "us-east-1", globalSTS}, // no region: the CLI's global endpoint
		{"E", nil, "us-east-1", "http://profile"},
		{"E", map[string]string{"AWS_ENDPOINT_URL": "http://env"}, "us-east-1", "http://env"},
		{"V", nil, "us-east-1", "http://services"},
		{"V", map[string]string{"AWS_ENDPOINT_URL": "http://env"}, "us-east-1", "http://env"},
		{"V", map[string]string{"AWS_ENDPOINT_URL": "http://env", "AWS_ENDPOINT_URL_STS": "http://env-sts"}, "us-east-1", "http://env-sts"},
		{"I", map[string]string{"AWS_ENDPOINT_URL_STS": "http://env-sts"}, "us-east-1", globalSTS},
		{"E", map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "TRUE"}, "us-east-1", globalSTS},
		{"I", map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"}, "us-east-1", "http://profile"},
		{"C", nil, "us-east-1", globalSTS}, // the chain's calls use C's settings, not R's or S's
	}
	for _, tt := range tests {
		c := New(Options{Paths: paths, Getenv: func(k string) string { return tt.env[k] }})
		r, err := c.Resolver()
		if err != nil {
			t.Fatal(err)
		}
		p, err := r.Resolve(tt.profile)
		if err != nil {
			t.Fatal(err)
		}
		for q := p; q != nil; q = q.Source {
			got := c.stsConfig(q)
			if got.Region != tt.region || got.Endpoint != tt.endpoint {
				t.Errorf("%s (call of %s) %v: region %q endpoint %q, want %q %q", tt.profile, q.Name, tt.env, got.Region, got.Endpoint, tt.region, tt.endpoint)
			}
		}
	}
}

func TestResolveErrorsAreOneLine(t *testing.T) {
	_, err := NewResolver(writeFiles(t, "[profile a]\nx = 1\n[profile a]\n", ""))
	var target interface{ Unwrap() error }
	if err == nil || !errors.As(err, &target) || !strings.Contains(err.Error(), "config:3") {
		t.Fatalf("err = %v, want a duplicate error at config:3", err)
	}
}
