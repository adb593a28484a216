package stsemu

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// bob are the default fixture's long-term keys.
var bob = aws.Credentials{AccessKeyID: DefaultAccessKeyID, SecretAccessKey: DefaultSecretAccessKey}

// client returns an STS client with retries disabled, signing with creds.
func client(s *Server, creds aws.Credentials, opts ...func(*sts.Options)) *sts.Client {
	o := sts.Options{
		BaseEndpoint:     aws.String(s.URL()),
		Region:           "us-east-1",
		RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return creds, nil
		}),
	}
	for _, f := range opts {
		f(&o)
	}
	return sts.New(o)
}

// code returns the STS error code, message and HTTP status of err.
func code(t *testing.T, err error) (string, string, int) {
	t.Helper()
	if err == nil {
		t.Fatal("call succeeded, want an error")
	}
	var ae interface {
		ErrorCode() string
		ErrorMessage() string
	}
	if !errors.As(err, &ae) {
		t.Fatalf("error is not an API error: %v", err)
	}
	status := 0
	var he interface{ HTTPStatusCode() int }
	if errors.As(err, &he) {
		status = he.HTTPStatusCode()
	}
	return ae.ErrorCode(), ae.ErrorMessage(), status
}

// wantErr asserts err's code and status, and that msg contains want.
func wantErr(t *testing.T, err error, wantCode string, wantStatus int, wantMsg string) {
	t.Helper()
	c, msg, status := code(t, err)
	if c != wantCode || status != wantStatus || !strings.Contains(msg, wantMsg) {
		t.Fatalf("got %s %d %q, want %s %d containing %q", c, status, msg, wantCode, wantStatus, wantMsg)
	}
}

// totp returns the current code of the default MFA device.
func totp(t *testing.T, s *Server, offset time.Duration) string {
	t.Helper()
	c, err := TOTP(DefaultTOTPSecret, s.Now().Add(offset))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// session gets MFA session credentials for BobSmith.
func session(t *testing.T, s *Server, dur int32) aws.Credentials {
	t.Helper()
	in := &sts.GetSessionTokenInput{SerialNumber: aws.String(DefaultMFASerial), TokenCode: aws.String(totp(t, s, 0))}
	if dur > 0 {
		in.DurationSeconds = aws.Int32(dur)
	}
	out, err := client(s, bob).GetSessionToken(context.Background(), in)
	if err != nil {
		t.Fatalf("GetSessionToken: %v", err)
	}
	c := out.Credentials
	return aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken}
}

// assume assumes roleARN with creds and returns the role credentials.
func assume(t *testing.T, s *Server, creds aws.Credentials, roleARN string) aws.Credentials {
	t.Helper()
	out, err := client(s, creds).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String("chain"),
	})
	if err != nil {
		t.Fatalf("AssumeRole %s: %v", roleARN, err)
	}
	c := out.Credentials
	return aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken}
}

// rawResult is a parsed raw HTTP answer.
type rawResult struct {
	Status int
	Header http.Header
	Body   string
	Err    struct {
		Type, Code, Message string
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
	XMLName   xml.Name
}

// raw sends a request built by hand, signed with the SDK's SigV4 signer
// when creds is non-nil, at signing time now.
func raw(t *testing.T, s *Server, method, query, contentType, body string, creds *aws.Credentials, now time.Time) rawResult {
	t.Helper()
	u := s.URL() + "/"
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if creds != nil {
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), *creds, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", now); err != nil {
			t.Fatal(err)
		}
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) rawResult {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := rawResult{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
	if err := xml.Unmarshal(b, &r); err != nil {
		t.Fatalf("answer is not XML (status %d): %v\n%s", resp.StatusCode, err, b)
	}
	r.Status, r.Header, r.Body = resp.StatusCode, resp.Header, string(b)
	return r
}

// checkErrorShape asserts the AWS ErrorResponse shape.
func checkErrorShape(t *testing.T, r rawResult) {
	t.Helper()
	if r.XMLName.Local != "ErrorResponse" || r.XMLName.Space != xmlns || r.Err.Code == "" || r.RequestID == "" {
		t.Fatalf("not an STS ErrorResponse: %d\n%s", r.Status, r.Body)
	}
	wantType := "Sender"
	if r.Status >= 500 {
		wantType = "Receiver"
	}
	if r.Err.Type != wantType {
		t.Fatalf("Type %q for status %d, want %q", r.Err.Type, r.Status, wantType)
	}
	if r.Header.Get("x-amzn-RequestId") != r.RequestID {
		t.Fatalf("x-amzn-RequestId %q != body RequestId %q", r.Header.Get("x-amzn-RequestId"), r.RequestID)
	}
}
