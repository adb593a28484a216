package serve

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stslib/stslib-proc/credproc"
)

func testEndpoint(logs *[]string) *Endpoint {
	return &Endpoint{
		Token: "tok-CANARYTOKEN",
		Role: func(_ context.Context, profile string) (*credproc.Credentials, error) {
			if profile == "nosession" {
				return nil, &credproc.NeedMFAError{Source: "BobSmith"}
			}
			return &credproc.Credentials{AccessKey: "ASIA" + profile, SecretKey: "CANARYSECRET", Session: "CANARYSESSION",
				End: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), ARN: "arn:aws:sts::1:assumed-role/R/s"}, nil
		},
		Logf: func(f string, a ...any) {
			*logs = append(*logs, strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(f, "%s", "X"), "%v", "X")))
			for _, x := range a {
				*logs = append(*logs, strings.TrimSpace(toString(x)))
			}
		},
	}
}

func toString(x any) string { b, _ := json.Marshal(x); return string(b) }

func TestEndpoint(t *testing.T) {
	var logs []string
	ep := testEndpoint(&logs)
	do := func(remote, path, auth string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.RemoteAddr = remote
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		ep.ServeHTTP(w, r)
		return w
	}
	tests := []struct {
		name, remote, path, auth string
		status                   int
		body                     string
	}{
		{"good", "127.0.0.1:5000", "/role/dev", "tok-CANARYTOKEN", 200, `"AccessKeyId":"ASIAdev"`},
		{"ipv6 loopback", "[::1]:5000", "/role/dev", "tok-CANARYTOKEN", 200, `"Token":"CANARYSESSION"`},
		{"no token", "127.0.0.1:5000", "/role/dev", "", 401, "authorization token"},
		{"wrong token", "127.0.0.1:5000", "/role/dev", "tok-wrong", 401, "authorization token"},
		{"bearer prefix is not the token", "127.0.0.1:5000", "/role/dev", "Bearer tok-CANARYTOKEN", 401, ""},
		{"other host", "10.0.0.5:5000", "/role/dev", "tok-CANARYTOKEN", 403, "loopback"},
		{"no role", "127.0.0.1:5000", "/", "tok-CANARYTOKEN", 404, "/role/PROFILE"},
		{"no session", "127.0.0.1:5000", "/role/nosession", "tok-CANARYTOKEN", 500, "stslib-proc login BobSmith"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(tt.remote, tt.path, tt.auth)
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.body) {
				t.Errorf("%d %s, want %d with %q", w.Code, w.Body.String(), tt.status, tt.body)
			}
			if tt.status != 200 && strings.Contains(w.Body.String(), "CANARY") {
				t.Errorf("an error answer shows a secret: %s", w.Body.String())
			}
		})
	}
	for _, l := range logs {
		if strings.Contains(l, "CANARY") {
			t.Errorf("a log line shows a secret or the token: %s", l)
		}
	}
	if len(logs) == 0 {
		t.Error("refused requests were not logged")
	}
	// The ECS JSON the SDKs read.
	var got map[string]string
	json.Unmarshal(do("127.0.0.1:1", "/role/dev", "tok-CANARYTOKEN").Body.Bytes(), &got)
	for _, k := range []string{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"} {
		if got[k] == "" {
			t.Errorf("answer lacks %s: %v", k, got)
		}
	}
	if got["Expiration"] != "2030-01-01T00:00:00Z" {
		t.Errorf("Expiration %q", got["Expiration"])
	}
}

func TestChildEnv(t *testing.T) {
	env := childEnv([]string{"PATH=/bin", "AWS_PROFILE=dev", "AWS_ACCESS_KEY_ID=AKIA", "AWS_SECRET_ACCESS_KEY=CANARY",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/x", "STSLIB_FILE_PASSPHRASE=CANARY", "STSLIB_MFA_CODE=123456",
		"AWS_REGION=eu-west-1", "STSLIB_PROC_ACTIVE=1"}, map[string]string{"STSLIB_EXEC": "dev", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "t"})
	got := strings.Join(env, " ")
	for _, bad := range []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "CANARY", "RELATIVE_URI", "123456", "STSLIB_PROC_ACTIVE"} {
		if strings.Contains(got, bad) {
			t.Errorf("child env keeps %s: %s", bad, got)
		}
	}
	for _, good := range []string{"PATH=/bin", "AWS_REGION=eu-west-1", "STSLIB_EXEC=dev", "AWS_CONTAINER_AUTHORIZATION_TOKEN=t"} {
		if !strings.Contains(got, good) {
			t.Errorf("child env lacks %s: %s", good, got)
		}
	}
}

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:0": true, "127.0.0.1": true, "127.1.2.3:80": true, "[::1]:8080": true, "::1": true, "localhost:0": true,
		"0.0.0.0:0": false, "[::]:0": false, "192.168.1.10:80": false, "example.com:80": false, "": false, ":8080": false,
	} {
		if got := loopback(addr); got != want {
			t.Errorf("loopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

// TestListenRefusesNonLoopback: serve binds no address other machines can
// reach unless told to, and says so before opening anything.
func TestListenRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "[::]:0", ":0", "192.0.2.1:0"} {
		err := Listen(context.Background(), Env{}, ListenOptions{Listen: addr})
		if !errors.Is(err, ErrNonLoopback) {
			t.Errorf("Listen(%s) = %v, want ErrNonLoopback", addr, err)
		}
	}
	if err := Listen(context.Background(), Env{}, ListenOptions{Listen: "no-port"}); err == nil || !strings.Contains(err.Error(), "want HOST:PORT") {
		t.Errorf("Listen(no-port) = %v, want a HOST:PORT error", err)
	}
}
