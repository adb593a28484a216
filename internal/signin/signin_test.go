package signin

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stslib/stslib-proc/credproc"
)

func TestPartitionOf(t *testing.T) {
	tests := []struct {
		arn, want, signin, console string
		unknown                    bool
	}{
		{arn: "arn:aws:iam::444455556666:role/Dev", want: "aws", signin: "signin.aws.amazon.com", console: "console.aws.amazon.com"},
		{arn: "arn:aws-cn:iam::444455556666:role/Dev", want: "aws-cn", signin: "signin.amazonaws.cn", console: "console.amazonaws.cn"},
		{arn: "arn:aws-us-gov:iam::444455556666:role/path/Dev", want: "aws-us-gov", signin: "signin.amazonaws-us-gov.com", console: "console.amazonaws-us-gov.com"},
		{arn: "arn:aws:sts::444455556666:assumed-role/Dev/bob", want: "aws", signin: "signin.aws.amazon.com", console: "console.aws.amazon.com"},
		{arn: "arn:aws-iso:iam::444455556666:role/Dev", unknown: true},
		{arn: "arn:aws-iso-b:iam::444455556666:role/Dev", unknown: true},
		{arn: "arn:awz:iam::444455556666:role/Dev", unknown: true},
	}
	for _, tt := range tests {
		t.Run(tt.arn, func(t *testing.T) {
			p, err := PartitionOf(tt.arn)
			if tt.unknown {
				if !errors.Is(err, ErrUnknownPartition) {
					t.Fatalf("PartitionOf = %+v, %v; want ErrUnknownPartition", p, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.ID != tt.want || p.SigninHost != tt.signin || p.ConsoleHost != tt.console {
				t.Errorf("PartitionOf = %+v, want %s %s %s", p, tt.want, tt.signin, tt.console)
			}
		})
	}
	for _, bad := range []string{"", "DynamoDBRole", "arn::iam::1:role/x", "arn:aws:iam"} {
		if _, err := PartitionOf(bad); err == nil || errors.Is(err, ErrUnknownPartition) {
			t.Errorf("PartitionOf(%q) = %v, want a not-an-ARN error", bad, err)
		}
	}
}

func mustPartition(t *testing.T, id string) Partition {
	t.Helper()
	p, err := PartitionOf("arn:" + id + ":iam::444455556666:role/Dev")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDestination(t *testing.T) {
	tests := []struct {
		name, partition, dest, region string
		want                          string // "" when an error is wanted
		errHas                        string
	}{
		{"home default region", "aws", "", "", "https://console.aws.amazon.com/console/home?region=us-east-1", ""},
		{"home of a region", "aws", "", "eu-west-1", "https://console.aws.amazon.com/console/home?region=eu-west-1", ""},
		{"china home", "aws-cn", "", "", "https://console.amazonaws.cn/console/home?region=cn-north-1", ""},
		{"govcloud home", "aws-us-gov", "", "us-gov-east-1", "https://console.amazonaws-us-gov.com/console/home?region=us-gov-east-1", ""},
		{"service", "aws", "s3", "us-west-2", "https://console.aws.amazon.com/s3/home?region=us-west-2", ""},
		{"china service", "aws-cn", "ec2", "cn-northwest-1", "https://console.amazonaws.cn/ec2/home?region=cn-northwest-1", ""},
		{"full URL", "aws", "https://us-west-2.console.aws.amazon.com/cloudwatch/home?region=us-west-2#alarms", "",
			"https://us-west-2.console.aws.amazon.com/cloudwatch/home?region=us-west-2#alarms", ""},
		{"full URL on the bare host", "aws-us-gov", "https://console.amazonaws-us-gov.com/iam/home", "", "https://console.amazonaws-us-gov.com/iam/home", ""},
		{"URL of another partition", "aws", "https://console.amazonaws.cn/s3/home", "", "", "not on the console of partition aws"},
		{"lookalike host", "aws", "https://console.aws.amazon.com.evil.example/", "", "", "not on the console"},
		{"suffix without a dot", "aws", "https://evilconsole.aws.amazon.com/", "", "", "not on the console"},
		{"http", "aws", "http://console.aws.amazon.com/s3/home", "", "", "https://"},
		{"user info", "aws", "https://a:b@console.aws.amazon.com/", "", "", "no user"},
		{"port", "aws", "https://console.aws.amazon.com:8443/", "", "", "no user or port"},
		{"not a word", "aws", "S3 buckets", "", "", "neither a service name"},
		{"region of another partition", "aws", "", "cn-north-1", "", "not in partition aws"},
		{"us region in china", "aws-cn", "s3", "us-east-1", "", "not in partition aws-cn"},
		{"malformed region", "aws", "", "us-east-1&x=y", "", "not a region name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mustPartition(t, tt.partition).Destination(tt.dest, tt.region)
			if tt.want == "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("Destination = %q, %v; want an error with %q", got, err, tt.errHas)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Destination = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestCheckDestination(t *testing.T) {
	for _, ok := range []string{"", "s3", "cloudwatch", "https://console.aws.amazon.com/", "https://s3.console.amazonaws.cn/s3/buckets"} {
		if err := CheckDestination(ok); err != nil {
			t.Errorf("CheckDestination(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"S3!", "https://example.com/", "ftp://console.aws.amazon.com/", "javascript:alert(1)"} {
		if err := CheckDestination(bad); err == nil {
			t.Errorf("CheckDestination(%q) = nil, want an error", bad)
		}
	}
}

func TestLoginURL(t *testing.T) {
	for _, id := range []string{"aws", "aws-cn", "aws-us-gov"} {
		t.Run(id, func(t *testing.T) {
			p := mustPartition(t, id)
			dest, err := p.Destination("s3", "")
			if err != nil {
				t.Fatal(err)
			}
			raw := p.LoginURL("TOKEN+/=&x", dest, "stslib-proc")
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if u.Scheme != "https" || u.Host != p.SigninHost || u.Path != "/federation" {
				t.Errorf("login URL %s: want https://%s/federation", raw, p.SigninHost)
			}
			want := url.Values{"Action": {"login"}, "Issuer": {"stslib-proc"}, "Destination": {dest}, "SigninToken": {"TOKEN+/=&x"}}
			if diff := cmp.Diff(want, u.Query()); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSessionDuration(t *testing.T) {
	tests := []struct {
		name    string
		chained bool
		d       time.Duration
		want    int
		wantErr bool
	}{
		{"chained: never sent", true, 12 * time.Hour, 0, false},
		{"chained, even in range", true, time.Hour, 0, false},
		{"chained, out of range: still none, no error", true, 48 * time.Hour, 0, false},
		{"not chained, none asked", false, 0, 0, false},
		{"not chained, 15m", false, 15 * time.Minute, 900, false},
		{"not chained, 12h", false, 12 * time.Hour, 43200, false},
		{"not chained, too short", false, 15*time.Minute - time.Second, 0, true},
		{"not chained, too long", false, 12*time.Hour + time.Second, 0, true},
		{"not chained, fractional", false, time.Hour + time.Millisecond, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SessionDuration(tt.chained, tt.d)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("SessionDuration(%v, %s) = %d, %v; want %d, error %v", tt.chained, tt.d, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// fakeHTTP records the request and answers with status and body.
type fakeHTTP struct {
	status int
	body   string
	err    error
	got    *http.Request
}

func (f *fakeHTTP) Do(r *http.Request) (*http.Response, error) {
	f.got = r
	if f.err != nil {
		return nil, &url.Error{Op: "Get", URL: r.URL.String(), Err: f.err}
	}
	return &http.Response{StatusCode: f.status, Body: io.NopCloser(strings.NewReader(f.body)), Header: http.Header{}}, nil
}

var (
	now   = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	creds = &credproc.Credentials{
		Profile: "dev", Start: now.Add(-time.Minute), End: now.Add(time.Hour),
		AccessKey: "ASIAEXAMPLEEXAMPLE01", SecretKey: "SECRETsecretSECRETsecret", Session: "SESSIONTOKENsessiontoken",
	}
)

func request(arn string) Request {
	return Request{Profile: "dev", RoleARN: arn, Credentials: creds, Chained: true}
}

func TestURL(t *testing.T) {
	for _, tt := range []struct {
		partition, endpoint string
		override            string
	}{
		{"aws", "https://signin.aws.amazon.com/federation", ""},
		{"aws-cn", "https://signin.amazonaws.cn/federation", ""},
		{"aws-us-gov", "https://signin.amazonaws-us-gov.com/federation", ""},
		{"aws", "http://127.0.0.1:4567/federation", "http://127.0.0.1:4567/federation"},
		{"aws-cn", "https://fed.example.internal/x/federation", "https://fed.example.internal/x/federation"},
	} {
		t.Run(tt.partition+" "+tt.endpoint, func(t *testing.T) {
			f := &fakeHTTP{status: 200, body: `{"SigninToken":"TOK123"}`}
			c := &Client{HTTP: f, FederationURL: tt.override, Now: func() time.Time { return now }}
			got, err := c.URL(context.Background(), request("arn:"+tt.partition+":iam::444455556666:role/Dev"))
			if err != nil {
				t.Fatal(err)
			}
			// The request went to the endpoint (the override when set)...
			sent := *f.got.URL
			sent.RawQuery = ""
			if f.got.Method != http.MethodGet || sent.String() != tt.endpoint {
				t.Errorf("request %s %s, want GET %s", f.got.Method, sent.String(), tt.endpoint)
			}
			q := f.got.URL.Query()
			if q.Get("Action") != "getSigninToken" || q.Has("SessionDuration") {
				t.Errorf("query %v: want Action=getSigninToken and no SessionDuration (chained)", q)
			}
			var s session
			if err := json.Unmarshal([]byte(q.Get("Session")), &s); err != nil {
				t.Fatal(err)
			}
			if s != (session{creds.AccessKey, string(creds.SecretKey), string(creds.Session)}) {
				t.Errorf("Session = %+v", s)
			}
			// ...and the login URL names the partition's real sign-in host.
			p := mustPartition(t, tt.partition)
			u, err := url.Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			if u.Host != p.SigninHost || u.Query().Get("SigninToken") != "TOK123" || u.Query().Get("Action") != "login" {
				t.Errorf("URL %s: want host %s, Action=login, the token", got, p.SigninHost)
			}
			if d := u.Query().Get("Destination"); d != "https://"+p.ConsoleHost+"/console/home?region="+p.DefaultRegion {
				t.Errorf("Destination = %s", d)
			}
		})
	}
}

func TestTokenSessionDurationSent(t *testing.T) {
	f := &fakeHTTP{status: 200, body: `{"SigninToken":"T"}`}
	c := &Client{HTTP: f, Now: func() time.Time { return now }}
	r := request("arn:aws:iam::444455556666:role/Dev")
	r.Chained, r.SessionDuration = false, 2*time.Hour
	if _, err := c.URL(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if got := f.got.URL.Query().Get("SessionDuration"); got != "7200" {
		t.Errorf("SessionDuration = %q, want 7200 for credentials not from role chaining", got)
	}
	r.Chained = true
	if _, err := c.URL(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if f.got.URL.Query().Has("SessionDuration") {
		t.Error("SessionDuration sent for chained credentials")
	}
}

// TestTokenErrors: every failure names the profile and the host, and
// never the secret key, the session token or the answer.
func TestTokenErrors(t *testing.T) {
	secrets := []string{string(creds.SecretKey), string(creds.Session), "ANSWERCANARY"}
	tests := []struct {
		name     string
		http     *fakeHTTP
		override string
		creds    *credproc.Credentials
		errHas   string
	}{
		{"HTTP 400", &fakeHTTP{status: 400, body: "ANSWERCANARY"}, "", nil, "HTTP 400 (the federation endpoint refuses these credentials"},
		{"HTTP 500", &fakeHTTP{status: 500, body: "ANSWERCANARY"}, "", nil, "HTTP 500"},
		{"redirect", &fakeHTTP{status: 302, body: "ANSWERCANARY"}, "", nil, "HTTP 302"},
		{"no token", &fakeHTTP{status: 200, body: `{"Other":"ANSWERCANARY"}`}, "", nil, "holds no SigninToken"},
		{"not JSON", &fakeHTTP{status: 200, body: "ANSWERCANARY"}, "", nil, "holds no SigninToken"},
		{"too long", &fakeHTTP{status: 200, body: `{"SigninToken":"` + strings.Repeat("A", maxAnswer) + `"}`}, "", nil, "holds no SigninToken"},
		{"network", &fakeHTTP{err: errors.New("connection refused")}, "", nil, "getSigninToken at signin.aws.amazon.com: connection refused"},
		{"plain http override", &fakeHTTP{status: 200}, "http://fed.example.com/federation", nil, "want https"},
		{"override with a query", &fakeHTTP{status: 200}, "https://fed.example.com/federation?x=1", nil, "no user, query"},
		{"relative override", &fakeHTTP{status: 200}, "fed.example.com", nil, "want a full URL"},
		{"expired", &fakeHTTP{status: 200}, "", &credproc.Credentials{AccessKey: "ASIAX", SecretKey: "s", Session: "t", End: now}, "expired at 2026-03-01T12:00:00Z"},
		{"long-term keys", &fakeHTTP{status: 200}, "", &credproc.Credentials{AccessKey: "AKIAX", SecretKey: "s"}, "needs temporary credentials"},
		{"no credentials", &fakeHTTP{status: 200}, "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{HTTP: tt.http, FederationURL: tt.override, Now: func() time.Time { return now }}
			r := request("arn:aws:iam::444455556666:role/Dev")
			switch {
			case tt.creds != nil:
				r.Credentials = tt.creds
			case tt.name == "no credentials":
				r.Credentials = nil
				tt.errHas = "no credentials"
			}
			got, err := c.URL(context.Background(), r)
			if err == nil {
				t.Fatalf("URL = %q, want an error", got)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.errHas) {
				t.Errorf("error %q, want %q", msg, tt.errHas)
			}
			if !strings.HasPrefix(msg, "profile dev:") && !strings.HasPrefix(msg, "federation URL") {
				t.Errorf("error %q names no profile", msg)
			}
			for _, s := range secrets {
				if strings.Contains(msg, s) {
					t.Errorf("error %q leaks %q", msg, s)
				}
			}
		})
	}
	// Expiry: exactly at End is expired, 1 ns before is not.
	c := &Client{HTTP: &fakeHTTP{status: 200, body: `{"SigninToken":"T"}`}}
	for _, tt := range []struct {
		at      time.Time
		expired bool
	}{{creds.End, true}, {creds.End.Add(-time.Nanosecond), false}} {
		c.Now = func() time.Time { return tt.at }
		_, err := c.URL(context.Background(), request("arn:aws:iam::444455556666:role/Dev"))
		if (err != nil) != tt.expired {
			t.Errorf("at %s: err %v, want expired %v", tt.at, err, tt.expired)
		}
	}
}

// TestDebugLine: one line with the host, status and time; never the URL,
// the credentials or the token.
func TestDebugLine(t *testing.T) {
	var lines []string
	c := &Client{
		HTTP: &fakeHTTP{status: 200, body: `{"SigninToken":"TOKENCANARY"}`},
		Now:  func() time.Time { return now }, Debug: func(s string) { lines = append(lines, s) },
	}
	got, err := c.URL(context.Background(), request("arn:aws:iam::444455556666:role/Dev"))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || lines[0] != "getSigninToken host=signin.aws.amazon.com took=0s status=200" {
		t.Fatalf("debug lines %q", lines)
	}
	for _, s := range []string{"TOKENCANARY", got, string(creds.SecretKey), string(creds.Session), "federation?"} {
		if strings.Contains(lines[0], s) {
			t.Errorf("debug line leaks %q", s)
		}
	}
}

func TestUnknownPartitionSendsNothing(t *testing.T) {
	f := &fakeHTTP{status: 200, body: `{"SigninToken":"T"}`}
	c := &Client{HTTP: f, Now: func() time.Time { return now }}
	_, err := c.URL(context.Background(), request("arn:aws-iso:iam::444455556666:role/Dev"))
	if !errors.Is(err, ErrUnknownPartition) {
		t.Fatalf("err %v, want ErrUnknownPartition", err)
	}
	if f.got != nil {
		t.Error("a request was sent for an unknown partition")
	}
}

func TestDefaultHTTPFollowsNoRedirect(t *testing.T) {
	hc := DefaultHTTP()
	if hc.Timeout <= 0 {
		t.Error("no timeout")
	}
	if err := hc.CheckRedirect(nil, nil); !errors.Is(err, http.ErrUseLastResponse) {
		t.Errorf("CheckRedirect = %v, want ErrUseLastResponse", err)
	}
}

// TestHTTPTrusting: the client trusts the roots it is given instead of the
// system's, and still follows no redirect.
func TestHTTPTrusting(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "https://example.com/", http.StatusFound)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	get := func(c *http.Client, path string) (int, error) {
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if code, err := get(HTTPTrusting(roots), "/"); err != nil || code != 200 {
		t.Errorf("with the server's CA: %d, %v", code, err)
	}
	if code, err := get(HTTPTrusting(roots), "/redirect"); err != nil || code != http.StatusFound {
		t.Errorf("a redirect: %d, %v; want it returned, not followed", code, err)
	}
	if _, err := get(DefaultHTTP(), "/"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("with the system's CAs: %v; want a certificate error", err)
	}
}
