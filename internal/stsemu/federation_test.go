package stsemu

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// plainSession gets GetSessionToken credentials for BobSmith without MFA
// (no TOTP step used, so a test may take several).
func plainSession(t *testing.T, s *Server) aws.Credentials {
	t.Helper()
	out, err := client(s, bob).GetSessionToken(context.Background(), &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatalf("GetSessionToken: %v", err)
	}
	c := out.Credentials
	return aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken}
}

// fedAnswer is the federation endpoint's answer.
type fedAnswer struct {
	Status int
	Type   string
	Body   string
	Token  string
}

// getSigninToken calls the federation endpoint as stslib-proc does.
func getSigninToken(t *testing.T, s *Server, creds aws.Credentials, extra url.Values) fedAnswer {
	t.Helper()
	sess, err := json.Marshal(map[string]string{"sessionId": creds.AccessKeyID, "sessionKey": creds.SecretAccessKey, "sessionToken": creds.SessionToken})
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"Action": {"getSigninToken"}, "Session": {string(sess)}}
	for k, v := range extra {
		q[k] = v
	}
	return fedGet(t, s, q.Encode())
}

func fedGet(t *testing.T, s *Server, query string) fedAnswer {
	t.Helper()
	resp, err := http.Get(s.URL() + FederationPath + "?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := fedAnswer{Status: resp.StatusCode, Type: resp.Header.Get("Content-Type"), Body: string(b)}
	if a.Status == http.StatusOK {
		var v struct{ SigninToken string }
		if err := json.Unmarshal(b, &v); err != nil || v.SigninToken == "" {
			t.Fatalf("200 without a SigninToken: %q", b)
		}
		a.Token = v.SigninToken
	}
	return a
}

// lastFedCode is the call log's code of the last getSigninToken call.
func lastFedCode(t *testing.T, s *Server) string {
	t.Helper()
	calls := s.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].Action == "getSigninToken" {
			return calls[i].Code
		}
	}
	t.Fatal("no getSigninToken call logged")
	return ""
}

func TestFederation(t *testing.T) {
	role := "arn:aws:iam::444455556666:role/CodeDeployRole"
	tests := []struct {
		name string
		// creds returns the credentials to sign in with.
		creds    func(t *testing.T, s *Server) aws.Credentials
		duration string // SessionDuration; "" for none
		wantCode string // "" for success
	}{
		{"role from long-term keys", func(t *testing.T, s *Server) aws.Credentials { return assume(t, s, bob, role) }, "", ""},
		{"role from long-term keys, SessionDuration", func(t *testing.T, s *Server) aws.Credentials { return assume(t, s, bob, role) }, "43200", ""},
		{"chained role", func(t *testing.T, s *Server) aws.Credentials { return assume(t, s, plainSession(t, s), role) }, "", ""},
		{"chained role, SessionDuration refused", func(t *testing.T, s *Server) aws.Credentials { return assume(t, s, plainSession(t, s), role) }, "3600", fedChainedLimit},
		{"chained role, short SessionDuration refused too", func(t *testing.T, s *Server) aws.Credentials { return assume(t, s, plainSession(t, s), role) }, "900", fedChainedLimit},
		{"session token credentials", plainSession, "", fedNotRole},
		{"foreign credentials", func(*testing.T, *Server) aws.Credentials {
			return aws.Credentials{AccessKeyID: "ASIAFOREIGNFOREIGN01", SecretAccessKey: "x", SessionToken: "y"}
		}, "", fedInvalid},
		{"long-term keys", func(*testing.T, *Server) aws.Credentials { return bob }, "", fedInvalid},
		{"wrong secret", func(t *testing.T, s *Server) aws.Credentials {
			c := assume(t, s, bob, role)
			c.SecretAccessKey += "x"
			return c
		}, "", fedInvalid},
		{"wrong session token", func(t *testing.T, s *Server) aws.Credentials {
			c := assume(t, s, bob, role)
			c.SessionToken = "IQoJb3JpZ2luX2VjEforged"
			return c
		}, "", fedInvalid},
		{"expired", func(t *testing.T, s *Server) aws.Credentials {
			c := assume(t, s, bob, role)
			s.ExpireAll()
			return c
		}, "", fedExpired},
		{"SessionDuration too long", func(t *testing.T, s *Server) aws.Credentials { return assume(t, s, bob, role) }, "43201", fedBadRequest},
		{"SessionDuration not a number", func(t *testing.T, s *Server) aws.Credentials { return assume(t, s, bob, role) }, "1h", fedBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := StartTest(t, DefaultConfig())
			creds := tt.creds(t, s)
			var extra url.Values
			if tt.duration != "" {
				extra = url.Values{"SessionDuration": {tt.duration}}
			}
			a := getSigninToken(t, s, creds, extra)
			if tt.wantCode != "" {
				if a.Status != http.StatusBadRequest || a.Token != "" || a.Body == "" {
					t.Fatalf("answer %d %q, want 400 with a body", a.Status, a.Body)
				}
				if got := lastFedCode(t, s); got != tt.wantCode {
					t.Errorf("refused as %s, want %s", got, tt.wantCode)
				}
				if creds.SecretAccessKey != "" && strings.Contains(a.Body, creds.SecretAccessKey) {
					t.Error("the refusal echoes the secret key")
				}
				return
			}
			if a.Status != http.StatusOK || !strings.HasPrefix(a.Type, "application/json") {
				t.Fatalf("answer %d %s %q, want 200 JSON", a.Status, a.Type, a.Body)
			}
			g, ok := s.SigninToken(a.Token)
			if !ok || g.AccessKeyID != creds.AccessKeyID || g.RoleARN != role {
				t.Fatalf("SigninToken grant %+v %v, want for %s", g, ok, creds.AccessKeyID)
			}
			want := time.Duration(0)
			if tt.duration != "" {
				want = 12 * time.Hour
			}
			if g.Duration != want {
				t.Errorf("grant duration %s, want %s", g.Duration, want)
			}
			if left := time.Until(g.Expiry); left < 14*time.Minute || left > 16*time.Minute {
				t.Errorf("token expires in %s, want 15m", left)
			}
		})
	}
}

func TestFederationBadRequests(t *testing.T) {
	s := StartTest(t, DefaultConfig())
	for _, q := range []string{
		"",
		"Action=login&SigninToken=x",
		"Action=getSigninToken",
		"Action=getSigninToken&Session=notjson",
		"Action=getSigninToken&Session=%7B%7D",
	} {
		a := fedGet(t, s, q)
		if a.Status != http.StatusBadRequest || a.Body == "" {
			t.Errorf("%q: %d %q, want 400 with a body", q, a.Status, a.Body)
		}
		if got := lastFedCode(t, s); got != fedBadRequest {
			t.Errorf("%q: refused as %s, want %s", q, got, fedBadRequest)
		}
	}
	resp, err := http.Post(s.URL()+FederationPath, "application/x-www-form-urlencoded", strings.NewReader("Action=getSigninToken"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("POST: %d, want 400", resp.StatusCode)
	}
	if got := s.Stats()["getSigninToken"]; got != 6 {
		t.Errorf("stats count %d getSigninToken calls, want 6", got)
	}
}

// TestFederationCanaryAndLog: the prefix (a test's canary) starts every
// token, and the call log never keeps the Session parameter (it holds the
// secret key and the session token).
func TestFederationCanaryAndLog(t *testing.T) {
	s := StartTest(t, DefaultConfig())
	s.SetSigninTokenPrefix("CANARYTOKEN")
	creds := assume(t, s, bob, "arn:aws:iam::444455556666:role/S3ReadOnlyRole")
	a := getSigninToken(t, s, creds, nil)
	if !strings.HasPrefix(a.Token, "CANARYTOKEN") {
		t.Fatalf("token %q lacks the prefix", a.Token)
	}
	for _, c := range s.Calls() {
		if c.Action != "getSigninToken" {
			continue
		}
		if c.Params.Has("Session") || c.AccessKeyID != creds.AccessKeyID || c.Status != http.StatusOK {
			t.Errorf("logged call %+v: want the access key ID, status 200 and no Session", c)
		}
		for _, vs := range c.Params {
			for _, v := range vs {
				if strings.Contains(v, creds.SecretAccessKey) || strings.Contains(v, creds.SessionToken) {
					t.Error("the call log keeps a secret")
				}
			}
		}
	}
}
