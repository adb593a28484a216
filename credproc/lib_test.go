package credproc

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

const (
	serialBob   = "arn:aws:iam::111122223333:mfa/BobSmith"
	serialOther = "arn:aws:iam::111122223333:mfa/Other"
)

// loginCredentials holds long-term keys for the source S.
const loginCredentials = `[S]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = CANARYSECRET
`

// TestLoginStartsTheSessionRolesUse checks that login starts exactly the
// session (MFA device and cache key) that the role profiles then use: the
// role calls after it make no GetSessionToken call.
func TestLoginStartsTheSessionRolesUse(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config string
		login  string   // the name given to Login
		roles  []string // role profiles served afterwards without a new session
		serial string   // the device GetSessionToken must get; "" for none
	}{
		{
			name:   "serial on the source",
			config: "[profile S]\nmfa_serial = " + serialBob + "\n[profile R1]\nrole_arn = arn:aws:iam::1:role/R1\nsource_profile = S\n",
			login:  "S", roles: []string{"R1"}, serial: serialBob,
		},
		{
			name: "serial on the roles, login by source",
			config: "[profile S]\nregion = us-east-1\n" +
				"[profile R1]\nrole_arn = arn:aws:iam::1:role/R1\nsource_profile = S\nmfa_serial = " + serialBob + "\n" +
				"[profile R2]\nrole_arn = arn:aws:iam::1:role/R2\nsource_profile = S\nmfa_serial = " + serialBob + "\n",
			login: "S", roles: []string{"R1", "R2"}, serial: serialBob,
		},
		{
			name:   "serial on the role, login by role",
			config: "[profile S]\n[profile R1]\nrole_arn = arn:aws:iam::1:role/R1\nsource_profile = S\nmfa_serial = " + serialBob + "\n",
			login:  "R1", roles: []string{"R1"}, serial: serialBob,
		},
		{
			name: "several serials, login by one role",
			config: "[profile S]\n" +
				"[profile R1]\nrole_arn = arn:aws:iam::1:role/R1\nsource_profile = S\nmfa_serial = " + serialBob + "\n" +
				"[profile R2]\nrole_arn = arn:aws:iam::1:role/R2\nsource_profile = S\nmfa_serial = " + serialOther + "\n",
			login: "R2", roles: []string{"R2"}, serial: serialOther,
		},
		{
			name: "chained role, login by the top role",
			config: "[profile S]\n" +
				"[profile R1]\nrole_arn = arn:aws:iam::1:role/R1\nsource_profile = S\nmfa_serial = " + serialOther + "\n" +
				"[profile R2]\nrole_arn = arn:aws:iam::1:role/R2\nsource_profile = R1\n",
			login: "R2", roles: []string{"R2", "R1"}, serial: serialOther,
		},
		{
			name:   "roles without mfa_serial next to roles with one",
			config: "[profile S]\n[profile R1]\nrole_arn = arn:aws:iam::1:role/R1\nsource_profile = S\nmfa_serial = " + serialBob + "\n[profile Plain]\nrole_arn = arn:aws:iam::1:role/P\nsource_profile = S\n",
			login:  "S", roles: []string{"R1"}, serial: serialBob,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			core, f, _ := newTestCore(t, func(o *Options) {
				o.Paths = writeFiles(t, tc.config, loginCredentials)
				o.MFACode = ""
			})
			ctx := context.Background()
			creds, err := core.Login(ctx, tc.login, "123456", 0)
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			if creds.Profile != "S" {
				t.Errorf("session of %s, want S", creds.Profile)
			}
			if got := aws.ToString(f.lastGST.SerialNumber); got != tc.serial {
				t.Errorf("GetSessionToken serial %q, want %q", got, tc.serial)
			}
			for _, r := range tc.roles {
				if _, err := core.Role(ctx, r); err != nil {
					t.Fatalf("Role(%s) after login: %v", r, err)
				}
			}
			if gst, _ := f.counts(); gst != 1 {
				t.Errorf("%d GetSessionToken calls, want 1 (the roles must find the login's session)", gst)
			}
		})
	}
}

func TestLoginRefuses(t *testing.T) {
	several := "[profile S]\n" +
		"[profile R1]\nrole_arn = arn:aws:iam::1:role/R1\nsource_profile = S\nmfa_serial = " + serialBob + "\n" +
		"[profile R2]\nrole_arn = arn:aws:iam::1:role/R2\nsource_profile = S\nmfa_serial = " + serialOther + "\n" +
		"[profile R3]\nrole_arn = arn:aws:iam::1:role/R3\nsource_profile = S\nmfa_serial = " + serialOther + "\n"
	none := "[profile S]\n[profile R1]\nrole_arn = arn:aws:iam::1:role/R1\nsource_profile = S\n"
	for _, tc := range []struct {
		name, config, login string
		code, optCode       string
		want                []string
		is                  error
	}{
		{name: "several serials", config: several, login: "S", code: "123456",
			want: []string{"profile S", serialBob + " (R1)", serialOther + " (R2, R3)"}, is: ErrSeveralMFADevices},
		{name: "code with no serial", config: none, login: "S", code: "123456",
			want: []string{"session for S", "would not be sent"}},
		{name: "code from the options with no serial", config: none, login: "R1", optCode: "654321",
			want: []string{"session for S", "would not be sent"}},
		{name: "bad code", config: several, login: "R1", code: "12345",
			want: []string{"6 digits"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			core, f, _ := newTestCore(t, func(o *Options) {
				o.Paths = writeFiles(t, tc.config, loginCredentials)
				o.MFACode = tc.optCode
			})
			_, err := core.Login(context.Background(), tc.login, tc.code, 0)
			if err == nil {
				t.Fatal("Login succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), tc.code+tc.optCode) {
				t.Errorf("error %q: not one line, or holds the code", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			if gst, _ := f.counts(); gst != 0 {
				t.Errorf("%d GetSessionToken calls, want 0", gst)
			}
		})
	}
}

// TestLoginWithoutSerialOrCode: no device anywhere and no code is a
// session without MFA, and the roles use it.
func TestLoginWithoutSerialOrCode(t *testing.T) {
	core, f, _ := newTestCore(t, func(o *Options) {
		o.Paths = writeFiles(t, "[profile S]\n[profile R1]\nrole_arn = arn:aws:iam::1:role/R1\nsource_profile = S\n", loginCredentials)
		o.MFACode = ""
	})
	if _, err := core.Login(context.Background(), "S", "", 0); err != nil {
		t.Fatal(err)
	}
	if f.lastGST.SerialNumber != nil || f.lastGST.TokenCode != nil {
		t.Error("GetSessionToken got an MFA device or code")
	}
	if _, err := core.Role(context.Background(), "R1"); err != nil {
		t.Fatal(err)
	}
	if gst, _ := f.counts(); gst != 1 {
		t.Errorf("%d GetSessionToken calls, want 1", gst)
	}
}
