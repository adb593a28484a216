package stsemu

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzServeHTTP feeds arbitrary requests to the handler: it must never
// panic, and every refusal must have the STS ErrorResponse shape.
func FuzzServeHTTP(f *testing.F) {
	f.Add("POST", "", form, "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000", "20240101T000000Z", "", "Action=GetCallerIdentity&Version=2011-06-15")
	f.Add("GET", "Action=AssumeRole&Version=2011-06-15&RoleArn=x", "", "", "", "", "")
	f.Add("POST", "a=%zz", "text/plain", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e,SignedHeaders=,Signature=", "bad", "tok", "%%%")
	f.Add("DELETE", "", form, "Bearer x", "", "", "Action=GetSessionToken&Version=2011-06-15&TokenCode=1")
	s := New(DefaultConfig())
	f.Fuzz(func(t *testing.T, method, query, contentType, auth, amzDate, token, body string) {
		req, err := http.NewRequest(method, "http://127.0.0.1/", strings.NewReader(body))
		if err != nil {
			t.Skip()
		}
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", auth)
		req.Header.Set("X-Amz-Date", amzDate)
		req.Header.Set("X-Amz-Security-Token", token)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code == http.StatusOK {
			t.Fatalf("unsigned fuzz request succeeded: %s", rec.Body)
		}
		var e struct {
			XMLName xml.Name
			Err     struct{ Type, Code, Message string } `xml:"Error"`
			ID      string                               `xml:"RequestId"`
		}
		if err := xml.Unmarshal(rec.Body.Bytes(), &e); err != nil {
			t.Fatalf("answer %d is not XML: %v\n%s", rec.Code, err, rec.Body)
		}
		if e.XMLName.Local != "ErrorResponse" || e.Err.Code == "" || e.ID == "" || (e.Err.Type != "Sender" && e.Err.Type != "Receiver") {
			t.Fatalf("not an ErrorResponse: %s", rec.Body)
		}
		if rec.Header().Get("x-amzn-RequestId") != e.ID {
			t.Fatal("request id header and body differ")
		}
		if strings.Contains(rec.Body.String(), DefaultSecretAccessKey) {
			t.Fatal("secret in the answer")
		}
	})
}

func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("ab", 32))
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts/aws4_request,SignedHeaders=host,Signature=")
	f.Add("AWS4-HMAC-SHA256")
	f.Add("")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := parseAuthorization(h)
		if err != nil {
			if err.Code != "IncompleteSignature" || err.Status != 400 {
				t.Fatalf("error %v", err)
			}
			return
		}
		if a.AccessKeyID == "" || a.SignedHeaders == "" || len(a.Signature) != 64 || strings.Contains(a.AccessKeyID, "/") {
			t.Fatalf("accepted incomplete header: %+v", a)
		}
	})
}

func FuzzParseConfig(f *testing.F) {
	f.Add("users:\n  - name: A\n    access_key_id: AKIAAAAAAAAAAAAAAAAA\n    secret_access_key: s\n    arn: arn:aws:iam::123456789012:user/A\n")
	f.Add(`{"roles": [{"arn": "arn:aws:iam::123456789012:role/R", "trusted_principals": ["*"]}], "latency": "5ms"}`)
	f.Add("latency: [1, 2]\n---\n")
	f.Add("users: {a: b}\n")
	f.Fuzz(func(t *testing.T, text string) {
		cfg, err := ParseConfig([]byte(text))
		if err != nil {
			return
		}
		if verr := cfg.Validate(); verr != nil {
			t.Fatalf("ParseConfig accepted an invalid config: %v", verr)
		}
		New(cfg) // must not panic
	})
}
