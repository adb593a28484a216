package stsemu

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

const form = "application/x-www-form-urlencoded"

func TestRawProtocol(t *testing.T) {
	s := StartTest(t, DefaultConfig())
	now := time.Now()
	tests := []struct {
		name        string
		method      string
		query       string
		contentType string
		body        string
		unsigned    bool
		status      int
		code        string
		msg         string
	}{
		{name: "unsigned", method: "POST", contentType: form, body: "Action=GetCallerIdentity&Version=2011-06-15", unsigned: true, status: 403, code: "MissingAuthenticationToken"},
		{name: "unknown action", method: "POST", contentType: form, body: "Action=DeleteEverything&Version=2011-06-15", status: 400, code: "InvalidAction", msg: "Could not find operation DeleteEverything for version 2011-06-15"},
		{name: "missing version", method: "POST", contentType: form, body: "Action=GetCallerIdentity", status: 400, code: "InvalidAction", msg: "NO_VERSION_SPECIFIED"},
		{name: "missing action", method: "POST", contentType: form, body: "Version=2011-06-15", status: 400, code: "MissingAction"},
		{name: "malformed body", method: "POST", contentType: form, body: "Action=GetCallerIdentity&Version=%zz", status: 404, code: "MalformedQueryString"},
		{name: "wrong content type", method: "POST", contentType: "application/json", body: `{"Action":"GetCallerIdentity"}`, status: 400, code: "MalformedQueryString"},
		{name: "missing RoleArn", method: "POST", contentType: form, body: "Action=AssumeRole&Version=2011-06-15&RoleSessionName=abc", status: 400, code: "ValidationError", msg: "Value null at 'roleArn'"},
		{name: "missing RoleSessionName", method: "POST", contentType: form, body: "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A444455556666%3Arole%2FCodeDeployRole", status: 400, code: "ValidationError", msg: "Value null at 'roleSessionName'"},
		{name: "non-integer duration", method: "POST", contentType: form, body: "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=ten", status: 400, code: "MalformedInput"},
		{name: "PUT", method: "PUT", contentType: form, body: "Action=GetCallerIdentity&Version=2011-06-15", status: 400, code: "InvalidAction"},
		{name: "GET with query", method: "GET", query: "Action=GetCallerIdentity&Version=2011-06-15", status: 200},
		{name: "GET with query, plus sign and space", method: "GET", query: "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A444455556666%3Arole%2FCodeDeployRole&RoleSessionName=a%2Bb%40c", status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			creds := &bob
			if tt.unsigned {
				creds = nil
			}
			r := raw(t, s, tt.method, tt.query, tt.contentType, tt.body, creds, now)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d\n%s", r.Status, tt.status, r.Body)
			}
			if tt.status == 200 {
				if r.XMLName.Space != xmlns || !strings.HasSuffix(r.XMLName.Local, "Response") {
					t.Fatalf("not a response: %s", r.Body)
				}
				return
			}
			checkErrorShape(t, r)
			if r.Err.Code != tt.code || !strings.Contains(r.Err.Message, tt.msg) {
				t.Fatalf("got %s %q, want %s containing %q", r.Err.Code, r.Err.Message, tt.code, tt.msg)
			}
		})
	}
}

// sendAuth posts GetCallerIdentity with a hand-written Authorization
// header.
func sendAuth(t *testing.T, s *Server, auth string, hdr map[string]string) rawResult {
	req, _ := http.NewRequest("POST", s.URL()+"/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	req.Header.Set("Content-Type", form)
	req.Header.Set("Authorization", auth)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return do(t, req)
}

func TestAuthorizationHeaderErrors(t *testing.T) {
	s := StartTest(t, DefaultConfig())
	now := time.Now().UTC()
	date := now.Format(amzDateFormat)
	sig := strings.Repeat("a", 64)
	cred := DefaultAccessKeyID + "/" + date[:8] + "/us-east-1/sts/aws4_request"
	tests := []struct {
		name, auth string
		hdr        map[string]string
		status     int
		code, msg  string
	}{
		{"other algorithm", "AWS4-HMAC-SHA512 Credential=" + cred + ", SignedHeaders=host, Signature=" + sig, nil, 400, "IncompleteSignature", "algorithm"},
		{"no signature", "AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=host", nil, 400, "IncompleteSignature", "'Signature'"},
		{"garbage", "AWS4-HMAC-SHA256 ,,==;;", nil, 400, "IncompleteSignature", ""},
		{"short credential", "AWS4-HMAC-SHA256 Credential=AKIA/x, SignedHeaders=host, Signature=" + sig, nil, 400, "IncompleteSignature", "5 slash"},
		{"host not signed", "AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=x-amz-date, Signature=" + sig, map[string]string{"X-Amz-Date": date}, 400, "IncompleteSignature", "Host"},
		{"no date", "AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=host, Signature=" + sig, nil, 400, "IncompleteSignature", "X-Amz-Date"},
		{"bad date", "AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=host, Signature=" + sig, map[string]string{"X-Amz-Date": "yesterday"}, 400, "IncompleteSignature", "ISO-8601"},
		{"scope date mismatch", "AWS4-HMAC-SHA256 Credential=" + DefaultAccessKeyID + "/19990101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=" + sig, map[string]string{"X-Amz-Date": date}, 403, "SignatureDoesNotMatch", "Date in Credential scope"},
		{"wrong service", "AWS4-HMAC-SHA256 Credential=" + DefaultAccessKeyID + "/" + date[:8] + "/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=" + sig, map[string]string{"X-Amz-Date": date}, 403, "SignatureDoesNotMatch", "service"},
		{"bad signature", "AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=host;x-amz-date, Signature=" + sig, map[string]string{"X-Amz-Date": date}, 403, "SignatureDoesNotMatch", "signature we calculated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sendAuth(t, s, tt.auth, tt.hdr)
			checkErrorShape(t, r)
			if r.Status != tt.status || r.Err.Code != tt.code || !strings.Contains(r.Err.Message, tt.msg) {
				t.Fatalf("got %d %s %q, want %d %s containing %q", r.Status, r.Err.Code, r.Err.Message, tt.status, tt.code, tt.msg)
			}
		})
	}
}

// botocore signs only content-type, host and x-amz-date (plus the token);
// the SDK signs more. Both header sets must verify, and a signature over a
// changed signed header must not.
func TestSignedHeaderSets(t *testing.T) {
	s := StartTest(t, DefaultConfig())
	body := "Action=GetCallerIdentity&Version=2011-06-15"
	mk := func(signed string, tamper bool) rawResult {
		req, _ := http.NewRequest("POST", s.URL()+"/", strings.NewReader(body))
		now := time.Now().UTC()
		req.Header.Set("Content-Type", form+"; charset=utf-8")
		req.Header.Set("X-Amz-Date", now.Format(amzDateFormat))
		req.Header.Set("User-Agent", "Boto3/1.26 Python/3.11")
		req.Header.Set("X-Custom", "  a   b ")
		req.Host = strings.TrimPrefix(s.URL(), "http://")
		a := authHeader{AccessKeyID: DefaultAccessKeyID, Date: now.Format("20060102"), Region: "us-east-1", Service: "sts", Terminator: "aws4_request", SignedHeaders: signed}
		req.ContentLength = int64(len(body))
		sig := signature(DefaultSecretAccessKey, now.Format(amzDateFormat), a, canonicalRequest(req, []byte(body), signed))
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+DefaultAccessKeyID+"/"+a.Date+"/us-east-1/sts/aws4_request, SignedHeaders="+signed+", Signature="+sig)
		if tamper {
			req.Header.Set("X-Custom", "changed")
		}
		return do(t, req)
	}
	for _, signed := range []string{"content-type;host;x-amz-date", "host", "content-length;content-type;host;user-agent;x-amz-date;x-custom"} {
		if r := mk(signed, false); r.Status != 200 {
			t.Errorf("%s: %d %s", signed, r.Status, r.Body)
		}
	}
	if r := mk("content-type;host;x-amz-date;x-custom", true); r.Err.Code != "SignatureDoesNotMatch" {
		t.Errorf("tampered signed header accepted: %d %s", r.Status, r.Body)
	}
}

func TestControlEndpoints(t *testing.T) {
	s := StartTest(t, DefaultConfig())
	post := func(path, body string) int {
		resp, err := http.Post(s.URL()+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := post("/__faults", `[{"Action":"GetCallerIdentity","Kind":"throttle","Count":1}]`); c != 200 {
		t.Fatalf("faults: %d", c)
	}
	r := raw(t, s, "POST", "", form, "Action=GetCallerIdentity&Version=2011-06-15", &bob, time.Now())
	if r.Err.Code != "Throttling" || r.Err.Message != "Rate exceeded" || r.Status != 400 {
		t.Fatalf("fault from /__faults not applied: %s", r.Body)
	}
	resp, err := http.Get(s.URL() + "/__stats")
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]int
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if st["GetCallerIdentity"] != 1 || st["Faults"] != 1 {
		t.Fatalf("stats %v", st)
	}
	if c := post("/__faults", `[{"Kind":"explode"}]`); c != 400 {
		t.Errorf("bad fault kind: %d", c)
	}
	if c := post("/__latency?d=50ms", ""); c != 200 || s.latencyForTest() != 50*time.Millisecond {
		t.Errorf("latency: %d %v", c, s.latencyForTest())
	}
	if c := post("/__latency?d=soon", ""); c != 400 {
		t.Errorf("bad latency: %d", c)
	}
	if c := post("/__faults", `[]`); c != 200 {
		t.Errorf("clear faults: %d", c)
	}
	if c := post("/__reset", ""); c != 200 || len(s.Stats()) != 0 || len(s.Calls()) != 0 {
		t.Errorf("reset: %d %v", c, s.Stats())
	}
	if c := post("/__nope", ""); c != 404 {
		t.Errorf("unknown control: %d", c)
	}
}

func (s *Server) latencyForTest() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latency
}
