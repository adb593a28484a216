package credproc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"
)

var testCreds = &Credentials{
	Profile:   "DynamoDBRole-dev",
	Start:     time.Date(2017, 10, 22, 14, 36, 14, 0, time.UTC),
	End:       time.Date(2017, 10, 22, 15, 36, 14, 0, time.UTC),
	AccessKey: "ASIAIDK76BMAQWUO4AOQ",
	SecretKey: "CANARYSECRETLqzseVc4jnjoqKuJM3+Iiobtz0f",
	Session:   "CANARYTOKENFQoDYXdzEDMaDCpxZzDdwWGok",
	AccountID: "444455556666",
}

func ExampleWriteProcessJSON() {
	WriteProcessJSON(os.Stdout, &Credentials{
		AccessKey: "ASIAIDK76BMAQWUO4AOQ", SecretKey: "secret", Session: "token",
		End: time.Date(2017, 10, 22, 15, 36, 14, 0, time.UTC), AccountID: "444455556666",
	})
	// Output:
	// {"Version":1,"AccessKeyId":"ASIAIDK76BMAQWUO4AOQ","SecretAccessKey":"secret","SessionToken":"token","Expiration":"2017-10-22T15:36:14Z","AccountId":"444455556666"}
}

func ExampleCredentials_Expiration() {
	fmt.Println(testCreds.Expiration(), testCreds.Duration())
	// Output: 2017-10-22T15:36:14+00:00 1h0m0s
}

func TestSecretRedacts(t *testing.T) {
	c := *testCreds
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("creds", "secret", c.SecretKey, "c", c)
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outs := map[string]string{
		"%v": fmt.Sprintf("%v", c), "%+v": fmt.Sprintf("%+v", c), "%#v": fmt.Sprintf("%#v", c),
		"%s": fmt.Sprint(c.SecretKey), "%q": fmt.Sprintf("%q", c.Session), "%x": fmt.Sprintf("%x", c.SecretKey),
		"json": string(js), "slog": logged.String(), "boto": fmt.Sprintf("%+v", c.Boto()),
	}
	for name, out := range outs {
		if strings.Contains(out, "CANARY") || strings.Contains(out, "43414e415259") {
			t.Errorf("%s leaks a secret: %s", name, out)
		}
	}
	if !strings.Contains(outs["%+v"], "ASIAIDK76BMAQWUO4AOQ") {
		t.Errorf("%%+v should keep the access key ID: %s", outs["%+v"])
	}
}

func TestWriteFormats(t *testing.T) {
	m := map[string]*Credentials{"sts-DynamoDBRole-dev": testCreds}
	tests := []struct {
		format Format
		want   []string
	}{
		{FormatProcess, []string{`"sts-DynamoDBRole-dev": {`, `"Version": 1`, `"Expiration": "2017-10-22T15:36:14Z"`}},
		{FormatVault, []string{`"start": "2017-10-22T14:36:14+00:00"`, `"end": "2017-10-22T15:36:14+00:00"`, `"access_key": "ASIAIDK76BMAQWUO4AOQ"`,
			`"secret_key": "CANARYSECRET`, `"session": "CANARYTOKEN`, `"duration": 3600`, `"expiration": "2017-10-22T15:36:14+00:00"`, `"boto": {`, `"StartTime": "2017-10-22T14:36:14Z"`}},
		{FormatBoto, []string{`"AccessKeyId": "ASIAIDK76BMAQWUO4AOQ"`, `"SecretAccessKey": "CANARYSECRET`, `"SessionToken": "CANARYTOKEN`, `"Expiration": "2017-10-22T15:36:14Z"`, `"StartTime": "2017-10-22T14:36:14Z"`}},
		{FormatEnv, []string{"export AWS_ACCESS_KEY_ID=ASIAIDK76BMAQWUO4AOQ\n", "export AWS_SECRET_ACCESS_KEY=CANARYSECRET", "export AWS_CREDENTIAL_EXPIRATION=2017-10-22T15:36:14Z\n"}},
		{FormatINI, []string{"[sts-DynamoDBRole-dev]\n", "aws_access_key_id = ASIAIDK76BMAQWUO4AOQ\n", "aws_session_token = CANARYTOKEN"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteMap(&b, tt.format, m); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, b.String())
				}
			}
			if tt.format != FormatEnv && tt.format != FormatINI && !json.Valid(b.Bytes()) {
				t.Errorf("not valid JSON:\n%s", b.String())
			}
		})
	}
}

func TestWriteEnvShells(t *testing.T) {
	c := *testCreds
	c.SecretKey = "it's"
	tests := map[Shell]string{
		ShellPOSIX:      `export AWS_SECRET_ACCESS_KEY='it'\''s'`,
		ShellFish:       `set -gx AWS_SECRET_ACCESS_KEY 'it'\''s';`,
		ShellPowerShell: `$env:AWS_SECRET_ACCESS_KEY = 'it''s'`,
	}
	for sh, want := range tests {
		var b bytes.Buffer
		if err := WriteEnv(&b, &c, sh); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s: lacks %q:\n%s", sh, want, b.String())
		}
	}
	if err := WriteEnv(&bytes.Buffer{}, &c, "csh"); err == nil {
		t.Error("unknown shell: want an error")
	}
}

func TestEnvNeedsOneProfile(t *testing.T) {
	err := WriteMap(&bytes.Buffer{}, FormatEnv, map[string]*Credentials{"a": testCreds, "b": testCreds})
	if err == nil {
		t.Fatal("want an error for two profiles in env format")
	}
}

func TestRecordRoundTrip(t *testing.T) {
	data, err := encodeRecord(testCreds)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeRecord(testCreds.Profile, data)
	if err != nil {
		t.Fatal(err)
	}
	if *got != *testCreds {
		t.Errorf("round trip: got %+v, want %+v", got, testCreds)
	}
	if len(data) > 2000 {
		t.Errorf("record is %d bytes; keyrings limit values to about 2.5 KB", len(data))
	}
	for _, bad := range []string{"", "{", `{"v":2,"a":"x","s":"y","e":5}`, `{"v":1,"a":"","s":"y","e":5}`, `{"v":1,"a":"x","s":"y","b":9,"e":5}`, "\x00\xff"} {
		if _, err := decodeRecord("p", []byte(bad)); err == nil {
			t.Errorf("decodeRecord(%q): want an error", bad)
		}
	}
}

func FuzzDecodeRecord(f *testing.F) {
	data, _ := encodeRecord(testCreds)
	f.Add(data)
	f.Add([]byte(`{"v":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeRecord("p", b)
		if err != nil {
			if strings.Contains(err.Error(), string(b)) && len(b) > 8 {
				t.Fatalf("error quotes the record: %v", err)
			}
			return
		}
		if c.AccessKey == "" || c.SecretKey == "" || c.End.Before(c.Start) {
			t.Fatalf("accepted an invalid record: %+v", c)
		}
	})
}
