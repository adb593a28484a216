package credproc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/stslib/stslib-proc/cache"
)

// fakeSTS is a hand-written STS: it counts calls and records inputs.
type fakeSTS struct {
	mu        sync.Mutex
	now       func() time.Time
	gst, ar   int
	lastAR    *sts.AssumeRoleInput
	lastGST   *sts.GetSessionTokenInput
	callers   []string // access key of each AssumeRole caller
	gstErr    error
	arErr     func(n int) error
	endpoints []string
}

func (f *fakeSTS) client(cfg STSConfig) STSAPI {
	f.mu.Lock()
	f.endpoints = append(f.endpoints, cfg.Endpoint)
	f.mu.Unlock()
	return &fakeClient{f, cfg}
}

type fakeClient struct {
	f   *fakeSTS
	cfg STSConfig
}

func (c *fakeClient) GetSessionToken(ctx context.Context, in *sts.GetSessionTokenInput, _ ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error) {
	f := c.f
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gst++
	f.lastGST = in
	if f.gstErr != nil {
		return nil, f.gstErr
	}
	return &sts.GetSessionTokenOutput{Credentials: f.creds("SESS", f.gst, time.Duration(aws.ToInt32(in.DurationSeconds))*time.Second)}, nil
}

func (c *fakeClient) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, _ ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	f := c.f
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ar++
	f.lastAR = in
	f.callers = append(f.callers, c.cfg.Credentials.AccessKey)
	if f.arErr != nil {
		if err := f.arErr(f.ar); err != nil {
			return nil, err
		}
	}
	arn := strings.Replace(aws.ToString(in.RoleArn), ":iam::", ":sts::", 1)
	arn = strings.Replace(arn, ":role/", ":assumed-role/", 1) + "/" + aws.ToString(in.RoleSessionName)
	return &sts.AssumeRoleOutput{
		Credentials:     f.creds("ROLE", f.ar, time.Duration(aws.ToInt32(in.DurationSeconds))*time.Second),
		AssumedRoleUser: &types.AssumedRoleUser{Arn: aws.String(arn)},
	}, nil
}

func (f *fakeSTS) creds(kind string, n int, d time.Duration) *types.Credentials {
	return &types.Credentials{
		AccessKeyId:     aws.String(fmt.Sprintf("ASIA%s%012d", kind, n)),
		SecretAccessKey: aws.String(fmt.Sprintf("CANARYSECRET%s%d", kind, n)),
		SessionToken:    aws.String(fmt.Sprintf("CANARYTOKEN%s%d", kind, n)),
		Expiration:      aws.Time(f.now().Add(d)),
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock() *clock               { return &clock{t: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)} }
func apiErr(code, msg string) error  { return &smithy.GenericAPIError{Code: code, Message: msg} }
func noWarn(t *testing.T) func(string) {
	return func(m string) { t.Errorf("unexpected warning: %s", m) }
}
func collect(w *[]string) func(string) { return func(m string) { *w = append(*w, m) } }
func (f *fakeSTS) counts() (int, int)  { f.mu.Lock(); defer f.mu.Unlock(); return f.gst, f.ar }

func newTestCore(t *testing.T, mutate func(*Options)) (*Core, *fakeSTS, *clock) {
	t.Helper()
	clk := newClock()
	f := &fakeSTS{now: clk.Now}
	opts := Options{
		Paths:   writeFiles(t, baseConfig, baseCredentials),
		Now:     clk.Now,
		NewSTS:  f.client,
		Cache:   &cache.Cache{Dir: t.TempDir(), Backend: newMemBackend(), Now: clk.Now},
		MFACode: "123456",
		Warn:    noWarn(t),
	}
	if mutate != nil {
		mutate(&opts)
	}
	return New(opts), f, clk
}

func TestRoleCachesSessionAndRole(t *testing.T) {
	core, f, clk := newTestCore(t, nil)
	ctx := context.Background()
	first, err := core.Role(ctx, "DynamoDBRole-dev")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		c, err := core.Role(ctx, "DynamoDBRole-dev")
		if err != nil {
			t.Fatal(err)
		}
		if c.AccessKey != first.AccessKey {
			t.Errorf("call %d: got new credentials, want cached", i)
		}
	}
	if gst, ar := f.counts(); gst != 1 || ar != 1 {
		t.Errorf("STS calls: GetSessionToken %d, AssumeRole %d; want 1, 1", gst, ar)
	}
	in := f.lastAR
	if aws.ToString(in.ExternalId) != "ext-1" || aws.ToString(in.RoleSessionName) != "alice-dev" || aws.ToInt32(in.DurationSeconds) != 1800 {
		t.Errorf("AssumeRole input: %+v", in)
	}
	if aws.ToString(f.lastGST.SerialNumber) != "arn:aws:iam::111122223333:mfa/BobSmith" || aws.ToString(f.lastGST.TokenCode) != "123456" {
		t.Errorf("GetSessionToken input: serial %s", aws.ToString(f.lastGST.SerialNumber))
	}
	if f.callers[0] != "ASIASESS000000000001" {
		t.Errorf("AssumeRole must be signed with the session, got %s", f.callers[0])
	}
	if first.ARN != "arn:aws:sts::444455556666:assumed-role/DynamoDBRole/alice-dev" || first.AccountID != "444455556666" {
		t.Errorf("ARN %s account %s", first.ARN, first.AccountID)
	}
	// Inside the refresh window (1800 s role: window 15 min): refreshed,
	// with the same session (no new MFA).
	clk.Add(16 * time.Minute)
	c, err := core.Role(ctx, "DynamoDBRole-dev")
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessKey == first.AccessKey {
		t.Error("inside the refresh window: want new credentials")
	}
	if gst, ar := f.counts(); gst != 1 || ar != 2 {
		t.Errorf("after refresh: GetSessionToken %d, AssumeRole %d; want 1, 2", gst, ar)
	}
}

func TestCredentialsMapSharesOneSession(t *testing.T) {
	core, f, _ := newTestCore(t, nil)
	m, err := core.Credentials(context.Background(), []string{"DynamoDBRole-dev", "Second", "Self"})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"sts-DynamoDBRole-dev", "sts-Second", "sts-Self"} {
		if m[k] == nil || m[k].AccessKey == "" {
			t.Errorf("map lacks %s: %v", k, m)
		}
	}
	if gst, ar := f.counts(); gst != 2 || ar != 3 {
		// BobSmith's session serves two roles; Self is its own source.
		t.Errorf("GetSessionToken %d, AssumeRole %d; want 2, 3", gst, ar)
	}
}

func TestRoleChaining(t *testing.T) {
	core, f, _ := newTestCore(t, nil)
	c, err := core.Role(context.Background(), "Chained")
	if err != nil {
		t.Fatal(err)
	}
	if gst, ar := f.counts(); gst != 1 || ar != 2 {
		t.Errorf("GetSessionToken %d, AssumeRole %d; want 1, 2", gst, ar)
	}
	if f.callers[1] != "ASIAROLE000000000001" {
		t.Errorf("the chained role must be assumed with the first role's credentials, got %s", f.callers[1])
	}
	if !strings.Contains(c.ARN, "assumed-role/Deep/") {
		t.Errorf("ARN %s", c.ARN)
	}
}

func TestDurationClamped(t *testing.T) {
	var warns []string
	core, f, _ := newTestCore(t, func(o *Options) {
		o.Paths = writeFiles(t, strings.Replace(baseConfig, "duration_seconds = 1800", "duration_seconds = 7200", 1), baseCredentials)
		o.Warn = collect(&warns)
	})
	if _, err := core.Role(context.Background(), "DynamoDBRole-dev"); err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(f.lastAR.DurationSeconds) != 3600 {
		t.Errorf("DurationSeconds %d, want 3600", aws.ToInt32(f.lastAR.DurationSeconds))
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "clamped to 3600") {
		t.Errorf("warnings %q", warns)
	}
}

func TestMFAErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Options, *fakeSTS)
		want   error
		has    string
	}{
		{"rejected", func(o *Options, f *fakeSTS) {
			f.gstErr = apiErr("AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.")
		}, ErrMFARejected, "session for BobSmith"},
		{"not six digits", func(o *Options, f *fakeSTS) { o.MFACode = "12345" }, nil, "must be 6 digits"},
		{"no way to get a code", func(o *Options, f *fakeSTS) { o.MFACode = "" }, ErrNeedMFA, "session for BobSmith needs an MFA code"},
		{"prompt", func(o *Options, f *fakeSTS) {
			o.MFACode = ""
			o.Prompt = func(ctx context.Context, profile, serial string) (string, error) { return "abcdef", nil }
		}, nil, "must be 6 digits"},
		{"mfa_process fails", func(o *Options, f *fakeSTS) {
			o.MFACode = ""
			o.Config.MFAProcess = "false"
		}, nil, "mfa_process exited with status 1"},
		{"mfa_process prints junk", func(o *Options, f *fakeSTS) {
			o.MFACode = ""
			o.Config.MFAProcess = "echo CANARY-not-a-code"
		}, nil, "6-digit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f *fakeSTS
			core, f0, _ := newTestCore(t, func(o *Options) {
				f = &fakeSTS{now: o.Now}
				o.NewSTS = f.client
				tt.mutate(o, f)
			})
			_ = f0
			_, err := core.Role(context.Background(), "DynamoDBRole-dev")
			if err == nil {
				t.Fatal("want an error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.has) {
				t.Errorf("err = %v, want it to contain %q", err, tt.has)
			}
			if strings.Contains(err.Error(), "123456") || strings.Contains(err.Error(), "CANARY") {
				t.Errorf("error leaks a secret: %v", err)
			}
		})
	}
}

func TestMFAProcessCodeUsed(t *testing.T) {
	core, f, _ := newTestCore(t, func(o *Options) {
		o.MFACode = ""
		o.Config.MFAProcess = "echo 654321"
	})
	if _, err := core.Role(context.Background(), "DynamoDBRole-dev"); err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(f.lastGST.TokenCode); got != "654321" {
		t.Errorf("TokenCode from mfa_process: %q", got)
	}
}

func TestExpiredSessionIsDroppedAndRenewed(t *testing.T) {
	core, f, _ := newTestCore(t, nil)
	ctx := context.Background()
	if _, err := core.Role(ctx, "DynamoDBRole-dev"); err != nil {
		t.Fatal(err)
	}
	var warns []string
	core.opts.Warn = collect(&warns)
	core.opts.MFACode = "654321"
	f.arErr = func(n int) error {
		if n == 2 {
			return apiErr("ExpiredToken", "The security token included in the request is expired")
		}
		return nil
	}
	if _, err := core.Role(ctx, "CodeDeploy-nonexistent"); err == nil {
		t.Fatal("unknown profile: want an error")
	}
	if _, err := core.Role(ctx, "Second"); err != nil {
		t.Fatal(err)
	}
	if gst, ar := f.counts(); gst != 2 || ar != 3 {
		t.Errorf("GetSessionToken %d, AssumeRole %d; want a new session (2) and a retried AssumeRole (3)", gst, ar)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "expired") {
		t.Errorf("warnings %q", warns)
	}
}

func TestStaleServedWhenRefreshFails(t *testing.T) {
	var warns []string
	core, f, clk := newTestCore(t, func(o *Options) {})
	ctx := context.Background()
	first, err := core.Role(ctx, "DynamoDBRole-dev")
	if err != nil {
		t.Fatal(err)
	}
	core.opts.Warn = collect(&warns)
	f.arErr = func(int) error { return apiErr("InternalFailure", "down") }
	clk.Add(20 * time.Minute) // 10 min left of 30: inside the window
	c, err := core.Role(ctx, "DynamoDBRole-dev")
	if err != nil {
		t.Fatalf("still valid: want it served, got %v", err)
	}
	if c.AccessKey != first.AccessKey || len(warns) != 1 || !strings.Contains(warns[0], "refresh failed") {
		t.Errorf("served %s, warnings %q", c.AccessKey, warns)
	}
	clk.Add(11 * time.Minute) // expired
	if _, err := core.Role(ctx, "DynamoDBRole-dev"); err == nil || !strings.Contains(err.Error(), "InternalFailure") {
		t.Errorf("expired and STS down: err = %v", err)
	}
}

func TestEndpointOrder(t *testing.T) {
	env := map[string]string{}
	core, f, _ := newTestCore(t, func(o *Options) { o.Getenv = func(k string) string { return env[k] } })
	ctx := context.Background()
	env["AWS_ENDPOINT_URL"] = "http://generic"
	if _, err := core.Role(ctx, "WithServices"); err != nil {
		t.Fatal(err)
	}
	env["AWS_ENDPOINT_URL_STS"] = "http://sts-env"
	core.opts.Cache = &cache.Cache{Dir: t.TempDir(), Backend: newMemBackend(), Now: core.opts.Now}
	core.opts.MFACode = "222222" // a code is never sent twice
	if _, err := core.Role(ctx, "DynamoDBRole-dev"); err != nil {
		t.Fatal(err)
	}
	// AWS_ENDPOINT_URL comes before the profile's [services] entry, as the
	// SDKs document it.
	want := []string{"http://generic", "http://generic", "http://sts-env", "http://sts-env"}
	if strings.Join(f.endpoints, " ") != strings.Join(want, " ") {
		t.Errorf("endpoints %q, want %q", f.endpoints, want)
	}
}

func TestProvider(t *testing.T) {
	core, f, _ := newTestCore(t, nil)
	p := aws.NewCredentialsCache(core.Provider("DynamoDBRole-dev"))
	for i := 0; i < 3; i++ {
		c, err := p.Retrieve(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !c.CanExpire || c.AccessKeyID == "" || c.SessionToken == "" {
			t.Errorf("credentials %+v", c)
		}
	}
	if _, ar := f.counts(); ar != 1 {
		t.Errorf("AssumeRole %d, want 1", ar)
	}
}

func TestSessionTokenLikeStsCore(t *testing.T) {
	core, f, _ := newTestCore(t, func(o *Options) { o.SourceProfile = "BobSmith"; o.MFACode = "" })
	tok, err := core.SessionToken(context.Background(), "123466")
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessKey == "" || tok.Duration() != 12*time.Hour {
		t.Errorf("token %+v duration %s", tok, tok.Duration())
	}
	// The session is reused by role calls: no MFA needed any more.
	if _, err := core.Credentials(context.Background(), []string{"DynamoDBRole-dev"}); err != nil {
		t.Fatal(err)
	}
	if gst, ar := f.counts(); gst != 1 || ar != 1 {
		t.Errorf("GetSessionToken %d, AssumeRole %d", gst, ar)
	}
}

func TestProgressPerRole(t *testing.T) {
	var mu sync.Mutex
	got := map[string]bool{}
	core, f, _ := newTestCore(t, func(o *Options) {
		o.Progress = func(profile string, took time.Duration, err error) {
			mu.Lock()
			defer mu.Unlock()
			got[profile] = err == nil
		}
	})
	f.arErr = func(n int) error {
		if f.lastAR != nil && strings.HasSuffix(aws.ToString(f.lastAR.RoleArn), "/S") {
			return apiErr("AccessDenied", "no")
		}
		return nil
	}
	_, err := core.Credentials(context.Background(), []string{"DynamoDBRole-dev", "Second"})
	if err == nil || !strings.Contains(err.Error(), "Second") {
		t.Fatalf("err = %v, want Second to fail", err)
	}
	if len(got) != 2 || !got["DynamoDBRole-dev"] || got["Second"] {
		t.Errorf("progress %v, want DynamoDBRole-dev ok and Second failed", got)
	}
}

// TestAnotherSTSNeverServesCachedCredentials: records are keyed by the STS
// that issued them; pointing the profile elsewhere (AWS_ENDPOINT_URL_STS)
// asks the new STS, while another region of the same partition keeps the
// MFA session.
func TestAnotherSTSNeverServesCachedCredentials(t *testing.T) {
	env := map[string]string{}
	dir := t.TempDir()
	back := newMemBackend()
	mk := func(code string) (*Core, *fakeSTS) {
		core, f, _ := newTestCore(t, func(o *Options) {
			o.Getenv = func(k string) string { return env[k] }
			o.Cache = &cache.Cache{Dir: dir, Backend: back, Now: o.Now}
			o.MFACode = code
		})
		return core, f
	}
	ctx := context.Background()
	core, _ := mk("111111")
	if _, err := core.Role(ctx, "DynamoDBRole-dev"); err != nil {
		t.Fatal(err)
	}
	env["AWS_ENDPOINT_URL_STS"] = "http://other-sts"
	core, f := mk("222222")
	if _, err := core.Role(ctx, "DynamoDBRole-dev"); err != nil {
		t.Fatal(err)
	}
	if gst, ar := f.counts(); gst != 1 || ar != 1 || strings.Join(f.endpoints, " ") != "http://other-sts http://other-sts" {
		t.Errorf("another STS: GetSessionToken %d, AssumeRole %d at %q; want both asked of the new STS", gst, ar, f.endpoints)
	}
	delete(env, "AWS_ENDPOINT_URL_STS")
	env["AWS_REGION"] = "eu-central-1"
	core, f = mk("333333")
	if _, err := core.Role(ctx, "DynamoDBRole-dev"); err != nil {
		t.Fatal(err)
	}
	if gst, ar := f.counts(); gst != 0 || ar != 0 {
		t.Errorf("another region of the partition: GetSessionToken %d, AssumeRole %d; want the cached record", gst, ar)
	}
}
