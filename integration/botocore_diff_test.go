//go:build integration

package integration_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/stslib/stslib-proc/cache"
	"github.com/stslib/stslib-proc/credproc"
	"github.com/stslib/stslib-proc/internal/testenv"
	"github.com/stslib/stslib-proc/keychain"
)

// The differential test against botocore (issue 11, item 7).
//
// Every testdata/botocore/*.txtar is a set of AWS files and an environment.
// Each profile in it is resolved twice: by the AWS CLI v2's botocore
// (integration/botocore/oracle.py, one python3 process for the whole
// corpus, STS answered by a before-send hook) and by stslib-proc's
// credproc.Core through a real sts.Client whose HTTP client records the
// requests and answers with canned XML. Both sides are reduced to one
// resolution (which long-term key started the chain, the MFA serials, the
// AssumeRole calls in order with their parameters, signer, region and
// host), and any difference that is not one of the documented ones in
// allowedDifferences fails the test.
//
// Set STSLIB_BOTOCORE_DIFF=path to also write the differences, grouped by
// kind with one example each, to path.

// ---- the corpus ----

// diffCase is one txtar of testdata/botocore. Its sections:
//
//	-- config --        ~/.aws/config
//	-- credentials --   ~/.aws/credentials
//	-- home/PATH --     any other file, at ~/PATH
//	-- env --           KEY=VALUE lines; @HOME@ stands for the home directory
//	-- profiles --      the profiles to resolve, one a line (a line that
//	                    starts with " is a Go-quoted name; * adds every
//	                    profile botocore lists); default: *
//
// A file name ending in .q holds a Go-quoted string instead of raw text
// (for BOMs, CR-only line ends, bytes that are not UTF-8, a missing final
// newline). The comment before the first section names the sources.
type diffCase struct {
	ID       string            // file name without .txtar
	Files    map[string][]byte // path under HOME -> content
	Env      map[string]string
	Profiles []string
	All      bool
}

func loadCorpus(dir string) ([]diffCase, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil {
		return nil, err
	}
	var cases []diffCase
	for _, name := range names {
		c, err := parseCase(name)
		if err != nil {
			return nil, err
		}
		cases = append(cases, c)
	}
	return cases, nil
}

func parseCase(path string) (diffCase, error) {
	a, err := txtar.ParseFile(path)
	if err != nil {
		return diffCase{}, err
	}
	c := diffCase{ID: strings.TrimSuffix(filepath.Base(path), ".txtar"), Files: map[string][]byte{}, Env: map[string]string{}, All: true}
	for _, f := range a.Files {
		name, data := f.Name, f.Data
		if n, ok := strings.CutSuffix(name, ".q"); ok {
			s, err := strconv.Unquote(strings.TrimSpace(string(data)))
			if err != nil {
				return c, fmt.Errorf("%s: section %s: %v", path, name, err)
			}
			name, data = n, []byte(s)
		}
		switch {
		case name == "config":
			c.Files[".aws/config"] = data
		case name == "credentials":
			c.Files[".aws/credentials"] = data
		case strings.HasPrefix(name, "home/"):
			c.Files[strings.TrimPrefix(name, "home/")] = data
		case name == "env":
			for i, line := range strings.Split(string(data), "\n") {
				if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
					continue
				}
				k, v, ok := strings.Cut(line, "=")
				if !ok {
					return c, fmt.Errorf("%s: env line %d: want KEY=VALUE", path, i+1)
				}
				c.Env[k] = v
			}
		case name == "profiles":
			c.All = false
			for i, line := range strings.Split(string(data), "\n") {
				switch {
				case line == "":
				case line == "*":
					c.All = true
				case strings.HasPrefix(line, `"`):
					s, err := strconv.Unquote(line)
					if err != nil {
						return c, fmt.Errorf("%s: profiles line %d: %v", path, i+1, err)
					}
					c.Profiles = append(c.Profiles, s)
				default:
					c.Profiles = append(c.Profiles, line)
				}
			}
		default:
			return c, fmt.Errorf("%s: unknown section %q", path, f.Name)
		}
	}
	return c, nil
}

// expandHome replaces @HOME@ in v.
func expandHome(v, home string) string { return strings.ReplaceAll(v, "@HOME@", home) }

// endpointConfigured reports whether the case configures an STS endpoint
// in a way the AWS CLI 2.9's botocore predates (AWS_ENDPOINT_URL*,
// [services], endpoint_url, ignore_configured_endpoint_urls).
// emptyFileVariable reports AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE
// set to "": botocore then reads no file, stslib-proc the default one.
func (c diffCase) emptyFileVariable() bool {
	for _, k := range []string{"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
		if v, ok := c.Env[k]; ok && v == "" {
			return true
		}
	}
	return false
}

func (c diffCase) endpointConfigured() bool {
	for k := range c.Env {
		if strings.HasPrefix(k, "AWS_ENDPOINT_URL") || k == "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS" {
			return true
		}
	}
	re := regexp.MustCompile(`(?im)^\s*(\[\s*services\b|endpoint_url\s*[=:]|ignore_configured_endpoint_urls\s*[=:]|services\s*[=:])`)
	for _, data := range c.Files {
		if re.Match(data) {
			return true
		}
	}
	return false
}

// secrets returns the secret values of the case (secret keys and session
// tokens in its files and environment), which no stslib-proc error may show.
func (c diffCase) secrets() []string {
	re := regexp.MustCompile(`(?im)^\s*(?:aws_secret_access_key|aws_session_token)\s*[=:]\s*(\S.*?)\s*$`)
	var out []string
	for _, data := range c.Files {
		for _, m := range re.FindAllSubmatch(data, -1) {
			if len(m[1]) >= 6 {
				out = append(out, string(m[1]))
			}
		}
	}
	for _, k := range []string{"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		if v := c.Env[k]; len(v) >= 6 {
			out = append(out, v)
		}
	}
	return append(out, "stslib-secret-", "stslib-token-")
}

// ---- the oracle ----

type oracleCase struct {
	ID       string            `json:"id"`
	Files    map[string]string `json:"files"` // base64
	Env      map[string]string `json:"env"`
	Profiles []string          `json:"profiles"`
	All      bool              `json:"all"`
}

type oracleCall struct {
	Action string            `json:"action"`
	Host   string            `json:"host"`
	Region string            `json:"region"`
	Key    string            `json:"key"`
	Params map[string]string `json:"params"`
	Issued string            `json:"issued"`
}

type oracleResult struct {
	Error    string       `json:"error"`
	None     bool         `json:"none"`
	Calls    []oracleCall `json:"calls"`
	FinalKey string       `json:"final_key"`
	Method   string       `json:"method"`
	Sources  []struct {
		Method string `json:"method"`
		Key    string `json:"key"`
	} `json:"sources"`
}

type oracleOutput struct {
	Botocore string `json:"botocore"`
	Results  []struct {
		ID       string                  `json:"id"`
		Error    string                  `json:"error"`
		Profiles map[string]oracleResult `json:"profiles"`
	} `json:"results"`
}

func runOracle(t *testing.T, py string, cases []diffCase) oracleOutput {
	t.Helper()
	in := make([]oracleCase, len(cases))
	for i, c := range cases {
		files := map[string]string{}
		for p, data := range c.Files {
			files[p] = base64.StdEncoding.EncodeToString(data)
		}
		in[i] = oracleCase{ID: c.ID, Files: files, Env: c.Env, Profiles: c.Profiles, All: c.All}
	}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, filepath.Join("botocore", "oracle.py"))
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "LANG=C.UTF-8", "PYTHONDONTWRITEBYTECODE=1"}
	cmd.Stdin = bytes.NewReader(data)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("oracle: %v\n%s", err, tail(stderr.String(), 4000))
	}
	var out oracleOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("oracle output: %v\n%s", err, tail(stderr.String(), 4000))
	}
	if len(out.Results) != len(cases) {
		t.Fatalf("oracle answered %d cases of %d", len(out.Results), len(cases))
	}
	return out
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// ---- stslib-proc's side ----

// call is one STS request as either side saw it.
type call struct {
	Action string
	Host   string
	Region string
	Key    string // access key id that signed it
	Params map[string]string
	Issued string // access key id of the answer
}

// stsRecorder is the HTTP client of the real sts.Client: it records each
// request and answers with canned STS XML.
type stsRecorder struct {
	mu    sync.Mutex
	calls []call
}

var credentialScope = regexp.MustCompile(`Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request`)

func (r *stsRecorder) Do(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	params := map[string]string{}
	for k, v := range form {
		if k == "Action" || k == "Version" {
			continue
		}
		params[k] = v[0]
	}
	if _, ok := params["TokenCode"]; ok {
		params["TokenCode"] = "set"
	}
	c := call{Action: form.Get("Action"), Host: req.URL.Hostname(), Params: params}
	if m := credentialScope.FindStringSubmatch(req.Header.Get("Authorization")); m != nil {
		c.Key, c.Region = m[1], m[2]
	}
	r.mu.Lock()
	n := len(r.calls) + 1
	c.Issued = fmt.Sprintf("ASIASTSLIB%010d", n)
	r.calls = append(r.calls, c)
	r.mu.Unlock()

	exp := time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05Z")
	extra := ""
	if c.Action == "AssumeRole" {
		extra = fmt.Sprintf("<AssumedRoleUser><AssumedRoleId>AROASTSLIB:%s</AssumedRoleId><Arn>%s</Arn></AssumedRoleUser>",
			xmlEscape(params["RoleSessionName"]), xmlEscape(params["RoleArn"]))
	}
	xml := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<%[1]sResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><%[1]sResult><Credentials><AccessKeyId>%[2]s</AccessKeyId><SecretAccessKey>stslib-secret-%[3]d</SecretAccessKey><SessionToken>stslib-token-%[3]d</SessionToken><Expiration>%[4]s</Expiration></Credentials>%[5]s</%[1]sResult><ResponseMetadata><RequestId>req-%[3]d</RequestId></ResponseMetadata></%[1]sResponse>`,
		c.Action, c.Issued, n, exp, extra)
	return &http.Response{
		StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"text/xml"}},
		Body:          io.NopCloser(strings.NewReader(xml)),
		ContentLength: int64(len(xml)),
		Request:       req,
	}, nil
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// stslibOutcome is what credproc did for one profile.
type stslibOutcome struct {
	Err   error
	Calls []call
	Final string
}

// resolveStslib resolves profile with credproc.Core over the case's files
// in home, with a fresh in-memory cache.
func resolveStslib(ctx context.Context, c diffCase, home, profile string) stslibOutcome {
	env := map[string]string{"HOME": home, "PATH": "/usr/bin:/bin"}
	for k, v := range c.Env {
		env[k] = expandHome(v, home)
	}
	getenv := func(k string) string { return env[k] }
	environ := func() []string {
		var out []string
		for k, v := range env {
			out = append(out, k+"="+v)
		}
		return out
	}
	rec := &stsRecorder{}
	var codes sync.Mutex
	next := 123456
	dataDir, err := os.MkdirTemp("", "botocore-diff-cache-")
	if err != nil {
		return stslibOutcome{Err: err}
	}
	defer os.RemoveAll(dataDir)
	core := credproc.New(credproc.Options{
		Paths:   credproc.DefaultPaths(getenv, home),
		Getenv:  getenv,
		Environ: environ,
		// A new code each time: stslib-proc never sends a code twice.
		Prompt: func(context.Context, string, string) (string, error) {
			codes.Lock()
			defer codes.Unlock()
			next++
			return strconv.Itoa(next - 1), nil
		},
		NewSTS: func(cfg credproc.STSConfig) credproc.STSAPI {
			creds := cfg.Credentials
			o := sts.Options{
				Region: cfg.Region,
				Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
					return aws.Credentials{AccessKeyID: creds.AccessKey, SecretAccessKey: string(creds.SecretKey), SessionToken: string(creds.Session)}, nil
				}),
				HTTPClient: rec,
				Retryer:    aws.NopRetryer{},
			}
			if cfg.Endpoint != "" {
				o.BaseEndpoint = aws.String(cfg.Endpoint)
			}
			return sts.New(o)
		},
		Cache:   &cache.Cache{Dir: dataDir, Backend: keychain.NewMemory()},
		Timeout: 15 * time.Second,
	})
	creds, err := core.Role(ctx, profile)
	out := stslibOutcome{Err: err, Calls: rec.calls}
	if creds != nil {
		out.Final = creds.AccessKey
	}
	return out
}

// ---- the normalised resolution ----

// resolution is what either side's resolution of one profile comes down to.
type resolution struct {
	Error string `json:",omitempty"` // for people only: any error is an error
	// NotRole: stslib-proc refused the profile as not a role.
	NotRole bool `json:",omitempty"`
	// Static: resolved without any STS call (keys, credential_process).
	Static bool `json:",omitempty"`
	// Start is the access key id that signed the first STS call: the
	// long-term (or externally obtained) credentials at the chain's root.
	Start string `json:",omitempty"`
	// StartKind says where Start came from when known (botocore only).
	StartKind string `json:",omitempty"`
	// MFASerials are the serials sent with a TokenCode, on any call.
	MFASerials []string `json:",omitempty"`
	// MFAOnSession: a serial went on GetSessionToken (stslib-proc's way).
	MFAOnSession bool `json:",omitempty"`
	Calls        []roleCall
}

// roleCall is one AssumeRole call.
type roleCall struct {
	RoleArn         string
	ExternalID      *string `json:",omitempty"` // nil: not sent
	RoleSessionName string
	// DurationSeconds as sent; 0: not sent (STS's default is 3600).
	DurationSeconds int
	// Signer is "start" (the chain's root credentials, directly or through
	// a GetSessionToken session) or "call N" (the credentials AssumeRole
	// call N returned).
	Signer string
	Region string
	Host   string
}

// normalise reduces a list of STS calls to a resolution. GetSessionToken
// calls are transparent: what they issue signs as their signer.
func normalise(calls []call, final string) resolution {
	var r resolution
	if len(calls) == 0 {
		r.Static, r.Start = true, final
		return r
	}
	r.Start = calls[0].Key
	signer := map[string]string{r.Start: "start"}
	for _, c := range calls {
		who, ok := signer[c.Key]
		if !ok {
			who = "unknown key " + c.Key
		}
		if s := c.Params["SerialNumber"]; s != "" || c.Params["TokenCode"] != "" {
			if !slices.Contains(r.MFASerials, s) {
				r.MFASerials = append(r.MFASerials, s)
			}
			if c.Action == "GetSessionToken" {
				r.MFAOnSession = true
			}
		}
		switch c.Action {
		case "GetSessionToken":
			signer[c.Issued] = who
		case "AssumeRole":
			rc := roleCall{
				RoleArn: c.Params["RoleArn"], RoleSessionName: c.Params["RoleSessionName"],
				Signer: who, Region: c.Region, Host: c.Host,
			}
			if v, ok := c.Params["ExternalId"]; ok {
				rc.ExternalID = &v
			}
			if v, ok := c.Params["DurationSeconds"]; ok {
				rc.DurationSeconds, _ = strconv.Atoi(v)
			}
			r.Calls = append(r.Calls, rc)
			signer[c.Issued] = fmt.Sprintf("call %d", len(r.Calls))
		default:
			r.Calls = append(r.Calls, roleCall{RoleArn: "unexpected " + c.Action, Signer: who})
		}
	}
	slices.Sort(r.MFASerials)
	return r
}

func fromOracle(o oracleResult) resolution {
	calls := make([]call, len(o.Calls))
	for i, c := range o.Calls {
		calls[i] = call(c)
	}
	switch {
	case o.Error != "":
		r := normalise(calls, "")
		return resolution{Error: o.Error, Calls: r.Calls}
	case o.None:
		return resolution{Error: "botocore found no credentials"}
	}
	r := normalise(calls, o.FinalKey)
	for _, s := range o.Sources {
		if s.Method != "assume-role" {
			r.StartKind = s.Method
		}
	}
	return r
}

func fromStslib(o stslibOutcome) resolution {
	if o.Err != nil {
		return resolution{Error: o.Err.Error(), NotRole: errors.Is(o.Err, credproc.ErrNotRole)}
	}
	return normalise(o.Calls, o.Final)
}

// ---- comparison ----

// allowance is a documented difference from the AWS CLI; readme is a
// phrase that its row in README.md's differences table contains.
type allowance struct {
	id, readme, what string
}

// allowedDifferences are the only differences the test accepts. Each points
// at a row of README.md's table of differences from the AWS CLI.
var allowedDifferences = []allowance{
	{"mfa-on-session", "GetSessionToken", "stslib-proc sends the MFA code on GetSessionToken, with the source's mfa_serial (else the role's), and assumes roles with that session; botocore sends a role's SerialNumber and TokenCode on AssumeRole and ignores a source's mfa_serial"},
	{"empty-file-variable", "set but empty", "AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE set but empty means the default file (as the AWS SDKs and issue 11 say); botocore reads no file"},
	{"session-name", "role_session_name", "stslib-proc's default role_session_name is the local user name; botocore's is botocore-session-<time>"},
	{"duration-clamp", "3600", "stslib-proc clamps duration_seconds above 3600 to 3600 (roles assumed with temporary credentials last at most 1 h)"},
	{"role-only", "role profile", "stslib-proc serves role profiles only: a profile botocore resolves to credentials without any STS call is refused as not a role"},
	{"refused-invalid", "STS would refuse", "where botocore sends STS a value STS's documented constraints refuse (an inline comment or a continuation line inside role_arn, external_id, role_session_name or mfa_serial, a role_arn that is no role ARN), stslib-proc refuses the profile with an error naming the file and line (issue 11 item 2)"},
	{"configured-endpoints", "endpoint", "configured endpoints (AWS_ENDPOINT_URL*, [services], endpoint_url, ignore_configured_endpoint_urls) postdate the AWS CLI 2.9's botocore: the STS host is compared only when none is configured"},
}

// difference is one way a pair of resolutions differ.
type difference struct {
	kind   string // e.g. "region", "botocore ok, stslib-proc error"
	detail string
}

var botocoreDefaultSession = regexp.MustCompile(`^botocore-session-\d+$`)

// STS's documented constraints on AssumeRole's parameters, and the shape of
// a role ARN.
var (
	stsSessionName = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	stsExternalID  = regexp.MustCompile(`^[\w+=,.@:/-]{2,1000}$`) // STS allows 1224; RE2 counts to 1000
	roleARN        = regexp.MustCompile(`^arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)
	// fileLine: an error that names the file and line (path:N).
	fileLine = regexp.MustCompile(`[^\s:()]+:\d+\b`)
)

// stsWouldRefuse reports whether STS would refuse the call as botocore
// made it.
func stsWouldRefuse(c roleCall) bool {
	return !roleARN.MatchString(c.RoleArn) || !stsSessionName.MatchString(c.RoleSessionName) ||
		(c.ExternalID != nil && !stsExternalID.MatchString(*c.ExternalID))
}

// compare returns the undocumented differences between botocore's
// resolution b and stslib-proc's g, and the ids of the documented ones that
// applied.
func compare(b, g resolution, endpointConfigured bool) (diffs []difference, documented []string) {
	note := func(id string) {
		if !slices.Contains(documented, id) {
			documented = append(documented, id)
		}
	}
	switch {
	case b.Error != "" && g.Error != "":
		return nil, nil
	case b.Error != "":
		return []difference{{"botocore error, stslib-proc ok", "botocore: " + b.Error}}, nil
	case b.Static && g.NotRole:
		note("role-only")
		return nil, documented
	case g.Error != "" && fileLine.MatchString(g.Error) && slices.ContainsFunc(b.Calls, stsWouldRefuse):
		note("refused-invalid")
		return nil, documented
	case g.Error != "":
		return []difference{{"botocore ok, stslib-proc error", "stslib-proc: " + g.Error}}, nil
	}
	if b.Static != g.Static {
		return []difference{{"static vs STS", fmt.Sprintf("botocore static=%v, stslib-proc static=%v", b.Static, g.Static)}}, nil
	}
	if b.Start != g.Start {
		diffs = append(diffs, difference{"start credentials", fmt.Sprintf("botocore %s (%s), stslib-proc %s", b.Start, b.StartKind, g.Start)})
	}
	switch {
	case g.MFAOnSession && (len(b.MFASerials) == 0 || len(g.MFASerials) > 0):
		// stslib-proc's model: one MFA session per source, with the
		// source's mfa_serial (else the first along the chain), where
		// botocore sends a role's serial on AssumeRole, and none for a
		// source's.
		note("mfa-on-session")
	case !slices.Equal(b.MFASerials, g.MFASerials):
		diffs = append(diffs, difference{"mfa_serial", fmt.Sprintf("botocore %q, stslib-proc %q", b.MFASerials, g.MFASerials)})
	}
	if len(b.Calls) != len(g.Calls) {
		var bs, gs []string
		for _, c := range b.Calls {
			bs = append(bs, c.RoleArn)
		}
		for _, c := range g.Calls {
			gs = append(gs, c.RoleArn)
		}
		return append(diffs, difference{"AssumeRole calls", fmt.Sprintf("botocore %q, stslib-proc %q", bs, gs)}), documented
	}
	for i := range b.Calls {
		bc, gc := b.Calls[i], g.Calls[i]
		at := fmt.Sprintf("call %d: ", i+1)
		if bc.RoleArn != gc.RoleArn {
			diffs = append(diffs, difference{"role_arn", at + fmt.Sprintf("botocore %q, stslib-proc %q", bc.RoleArn, gc.RoleArn)})
		}
		if !equalPtr(bc.ExternalID, gc.ExternalID) {
			diffs = append(diffs, difference{"external_id", at + fmt.Sprintf("botocore %s, stslib-proc %s", showPtr(bc.ExternalID), showPtr(gc.ExternalID))})
		}
		if botocoreDefaultSession.MatchString(bc.RoleSessionName) {
			if gc.RoleSessionName != bc.RoleSessionName {
				note("session-name")
			}
		} else if bc.RoleSessionName != gc.RoleSessionName {
			diffs = append(diffs, difference{"role_session_name", at + fmt.Sprintf("botocore %q, stslib-proc %q", bc.RoleSessionName, gc.RoleSessionName)})
		}
		bd, gd := cmpOr(bc.DurationSeconds, 3600), cmpOr(gc.DurationSeconds, 3600)
		switch {
		case bd == gd:
		case bd > 3600 && gd == 3600:
			note("duration-clamp")
		default:
			diffs = append(diffs, difference{"duration_seconds", at + fmt.Sprintf("botocore %s, stslib-proc %s", showDuration(bc.DurationSeconds), showDuration(gc.DurationSeconds))})
		}
		if bc.Signer != gc.Signer {
			diffs = append(diffs, difference{"signer", at + fmt.Sprintf("botocore signed by %s, stslib-proc by %s", bc.Signer, gc.Signer)})
		}
		if bc.Region != gc.Region {
			diffs = append(diffs, difference{"region", at + fmt.Sprintf("botocore %q, stslib-proc %q", bc.Region, gc.Region)})
		}
		if endpointConfigured {
			if bc.Host != gc.Host {
				note("configured-endpoints")
			}
		} else if bc.Host != gc.Host {
			diffs = append(diffs, difference{"endpoint host", at + fmt.Sprintf("botocore %s, stslib-proc %s", bc.Host, gc.Host)})
		}
	}
	return diffs, documented
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func showDuration(d int) string {
	if d == 0 {
		return "none (3600)"
	}
	return strconv.Itoa(d)
}

func equalPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func showPtr(p *string) string {
	if p == nil {
		return "not sent"
	}
	return strconv.Quote(*p)
}

// ---- the test ----

// pair is one profile of one case, resolved by both sides.
type pair struct {
	c           diffCase
	profile     string
	bot, stslib resolution
	diffs       []difference
	allowed     []string
	leaked      bool
}

func TestBotocoreDifferential(t *testing.T) {
	py := testenv.Python(t)
	if err := exec.Command(py, "-c", "import awscli, botocore").Run(); err != nil {
		if testenv.Required() {
			t.Fatalf("python3 cannot import awscli and botocore (STSLIB_REQUIRE_TOOLS=1): %v", err)
		}
		t.Skipf("python3 cannot import awscli and botocore: %v", err)
	}
	cases, err := loadCorpus(filepath.Join("..", "testdata", "botocore"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases in testdata/botocore")
	}
	start := time.Now()
	oracle := runOracle(t, py, cases)
	oracleTook := time.Since(start)

	var pairs []*pair
	homes := make([]string, len(cases))
	for i, c := range cases {
		res := oracle.Results[i]
		if res.ID != c.ID {
			t.Fatalf("oracle result %d is %q, want %q", i, res.ID, c.ID)
		}
		if res.Error != "" {
			t.Errorf("%s: botocore cannot list its profiles (%s): list them in a profiles section", c.ID, res.Error)
		}
		homes[i] = t.TempDir()
		for p, data := range c.Files {
			path := filepath.Join(homes[i], p)
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		names := make([]string, 0, len(res.Profiles))
		for name := range res.Profiles {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			pairs = append(pairs, &pair{c: c, profile: name, bot: fromOracle(res.Profiles[name])})
		}
	}

	// stslib-proc's side, in parallel.
	ctx := t.Context()
	sem := make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	caseIndex := map[string]int{}
	for i, c := range cases {
		caseIndex[c.ID] = i
	}
	for _, p := range pairs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			out := resolveStslib(ctx, p.c, homes[caseIndex[p.c.ID]], p.profile)
			p.stslib = fromStslib(out)
			if out.Err != nil {
				for _, s := range p.c.secrets() {
					if strings.Contains(out.Err.Error(), s) {
						p.leaked = true
					}
				}
			}
		})
	}
	wg.Wait()

	documented := map[string]int{}
	failures, leaks := 0, 0
	for _, p := range pairs {
		if p.c.emptyFileVariable() && p.bot.Error != "" && p.stslib.Error == "" {
			p.allowed = []string{"empty-file-variable"}
		} else {
			p.diffs, p.allowed = compare(p.bot, p.stslib, p.c.endpointConfigured())
		}
		for _, id := range p.allowed {
			documented[id]++
		}
		if len(p.diffs) > 0 {
			failures++
		}
		if p.leaked {
			leaks++
			t.Errorf("%s [%s]: stslib-proc's error shows a secret value", p.c.ID, p.profile)
		}
	}
	report := diffReport(pairs, oracle.Botocore)
	if path := os.Getenv("STSLIB_BOTOCORE_DIFF"); path != "" {
		if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
			t.Error(err)
		}
	}
	if failures > 0 {
		t.Errorf("%d of %d profiles resolve differently from botocore %s:\n%s", failures, len(pairs), oracle.Botocore, report)
	}
	ndoc := 0
	for _, n := range documented {
		ndoc += n
	}
	t.Logf("oracle: %d cases in %s; documented differences: %v", len(cases), oracleTook.Round(time.Millisecond), documented)
	line := fmt.Sprintf("reliability: botocore-differential: trials=%d documented=%d failures=%d leaks=%d", len(pairs), ndoc, failures, leaks)
	t.Log(line)
	fmt.Println(line)
	if p := os.Getenv("STSLIB_REPORT"); p != "" {
		if f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			fmt.Fprintln(f, line)
			f.Close()
		}
	}
	if len(pairs) < 150 {
		t.Errorf("the corpus has %d profiles; want at least 150", len(pairs))
	}
}

// diffReport groups the differing profiles by kind of difference, with the
// number of profiles, the cases they come from and one example each.
func diffReport(pairs []*pair, version string) string {
	type group struct {
		n       int
		cases   []string
		example *pair
		detail  string
		lines   []string
	}
	groups := map[string]*group{}
	total := 0
	for _, p := range pairs {
		if len(p.diffs) == 0 {
			continue
		}
		total++
		seen := map[string]bool{}
		for _, d := range p.diffs {
			if seen[d.kind] {
				continue
			}
			seen[d.kind] = true
			g := groups[d.kind]
			if g == nil {
				g = &group{example: p, detail: d.detail}
				groups[d.kind] = g
			}
			g.n++
			g.lines = append(g.lines, fmt.Sprintf("%s [%s]: %s", p.c.ID, p.profile, d.detail))
			if !slices.Contains(g.cases, p.c.ID) {
				g.cases = append(g.cases, p.c.ID)
			}
		}
	}
	kinds := make([]string, 0, len(groups))
	for k := range groups {
		kinds = append(kinds, k)
	}
	slices.SortFunc(kinds, func(a, b string) int { return groups[b].n - groups[a].n })
	var sb strings.Builder
	fmt.Fprintf(&sb, "botocore %s vs stslib-proc: %d of %d profiles differ\n", version, total, len(pairs))
	for _, k := range kinds {
		g := groups[k]
		fmt.Fprintf(&sb, "\n== %s: %d profiles in %d cases\n   cases: %s\n", k, g.n, len(g.cases), strings.Join(g.cases, " "))
		fmt.Fprintf(&sb, "   example: testdata/botocore/%s.txtar, profile %q: %s\n", g.example.c.ID, g.example.profile, g.detail)
		for _, d := range g.example.diffs {
			if d.detail != g.detail {
				fmt.Fprintf(&sb, "            also %s: %s\n", d.kind, d.detail)
			}
		}
		fmt.Fprintf(&sb, "   resolutions (-botocore +stslib-proc):\n%s", indent(cmp.Diff(g.example.bot, g.example.stslib), "     "))
		fmt.Fprintf(&sb, "   every profile:\n%s", indent(strings.Join(g.lines, "\n"), "     "))
	}
	return sb.String()
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestBotocoreNormalise checks the normaliser and the comparison on
// hand-written resolutions.
func TestBotocoreNormalise(t *testing.T) {
	const (
		role  = "arn:aws:iam::111122223333:role/R"
		role2 = "arn:aws:iam::444455556666:role/S"
		mfa   = "arn:aws:iam::111122223333:mfa/bob"
	)
	ext := "ext-1"
	// botocore: MFA on AssumeRole, default session name, a chain.
	botocoreCalls := []call{
		{Action: "AssumeRole", Host: "sts.eu-west-1.amazonaws.com", Region: "eu-west-1", Key: "AKIASOURCE",
			Params: map[string]string{"RoleArn": role, "RoleSessionName": "botocore-session-1700000000", "SerialNumber": mfa, "TokenCode": "set", "ExternalId": ext}, Issued: "ASIAB1"},
		{Action: "AssumeRole", Host: "sts.eu-west-1.amazonaws.com", Region: "eu-west-1", Key: "ASIAB1",
			Params: map[string]string{"RoleArn": role2, "RoleSessionName": "named", "DurationSeconds": "43200"}, Issued: "ASIAB2"},
	}
	// stslib-proc: GetSessionToken with the MFA, then the same chain.
	stslibCalls := []call{
		{Action: "GetSessionToken", Host: "sts.eu-west-1.amazonaws.com", Region: "eu-west-1", Key: "AKIASOURCE",
			Params: map[string]string{"SerialNumber": mfa, "TokenCode": "set", "DurationSeconds": "43200"}, Issued: "ASIAG1"},
		{Action: "AssumeRole", Host: "sts.eu-west-1.amazonaws.com", Region: "eu-west-1", Key: "ASIAG1",
			Params: map[string]string{"RoleArn": role, "RoleSessionName": "alice", "ExternalId": ext, "DurationSeconds": "3600"}, Issued: "ASIAG2"},
		{Action: "AssumeRole", Host: "sts.eu-west-1.amazonaws.com", Region: "eu-west-1", Key: "ASIAG2",
			Params: map[string]string{"RoleArn": role2, "RoleSessionName": "named", "DurationSeconds": "3600"}, Issued: "ASIAG3"},
	}
	b, g := normalise(botocoreCalls, "ASIAB2"), normalise(stslibCalls, "ASIAG3")
	wantB := resolution{Start: "AKIASOURCE", MFASerials: []string{mfa}, Calls: []roleCall{
		{RoleArn: role, ExternalID: &ext, RoleSessionName: "botocore-session-1700000000", Signer: "start", Region: "eu-west-1", Host: "sts.eu-west-1.amazonaws.com"},
		{RoleArn: role2, RoleSessionName: "named", DurationSeconds: 43200, Signer: "call 1", Region: "eu-west-1", Host: "sts.eu-west-1.amazonaws.com"},
	}}
	if d := cmp.Diff(wantB, b); d != "" {
		t.Errorf("normalise(botocore) (-want +got):\n%s", d)
	}
	if !g.MFAOnSession || g.Calls[0].Signer != "start" || g.Calls[1].Signer != "call 1" {
		t.Errorf("normalise(stslib-proc) = %+v: GetSessionToken must be transparent", g)
	}

	other := "ext-2"
	withCalls := func(r resolution, edit func(c []roleCall)) resolution {
		r.Calls = slices.Clone(r.Calls)
		edit(r.Calls)
		return r
	}
	tests := []struct {
		name       string
		b, g       resolution
		endpoint   bool
		wantKinds  []string
		documented []string
	}{
		{name: "same chain, documented differences only", b: b, g: g, documented: []string{"mfa-on-session", "session-name", "duration-clamp"}},
		{name: "both error", b: resolution{Error: "ProfileNotFound: x"}, g: resolution{Error: "profile not found"}},
		{name: "botocore error, stslib-proc ok", b: resolution{Error: "InvalidConfigError: x"}, g: g, wantKinds: []string{"botocore error, stslib-proc ok"}},
		{name: "botocore ok, stslib-proc error", b: b, g: resolution{Error: "boom"}, wantKinds: []string{"botocore ok, stslib-proc error"}},
		{name: "static keys refused as not a role", b: resolution{Static: true, Start: "AKIA"}, g: resolution{Error: "not a role", NotRole: true}, documented: []string{"role-only"}},
		{name: "static keys refused otherwise", b: resolution{Static: true, Start: "AKIA"}, g: resolution{Error: "parse error"}, wantKinds: []string{"botocore ok, stslib-proc error"}},
		{name: "a value STS would refuse, refused with file and line", b: withCalls(b, func(c []roleCall) { e := "abc#def"; c[0].ExternalID = &e }),
			g: resolution{Error: "profile foo (/home/u/.aws/config:12): external_id has characters STS refuses"}, documented: []string{"refused-invalid"}},
		{name: "a value STS would refuse, refused without a line", b: withCalls(b, func(c []roleCall) { e := "abc#def"; c[0].ExternalID = &e }),
			g: resolution{Error: "profile foo: bad external_id"}, wantKinds: []string{"botocore ok, stslib-proc error"}},
		{name: "a valid value refused", b: b, g: resolution{Error: "profile foo (/home/u/.aws/config:12): role_session_name is empty"}, wantKinds: []string{"botocore ok, stslib-proc error"}},
		{name: "external id differs", b: b, g: withCalls(g, func(c []roleCall) { c[0].ExternalID = &other }), wantKinds: []string{"external_id"}},
		{name: "external id empty vs absent", b: withCalls(b, func(c []roleCall) { e := ""; c[0].ExternalID = &e }), g: withCalls(g, func(c []roleCall) { c[0].ExternalID = nil }), wantKinds: []string{"external_id"}},
		{name: "named session differs", b: b, g: withCalls(g, func(c []roleCall) { c[1].RoleSessionName = "other" }), wantKinds: []string{"role_session_name"}},
		{name: "duration under 3600 differs", b: withCalls(b, func(c []roleCall) { c[1].DurationSeconds = 900 }), g: g, wantKinds: []string{"duration_seconds"}},
		{name: "no duration vs 3600", b: withCalls(b, func(c []roleCall) { c[1].DurationSeconds = 0 }), g: g, documented: []string{"mfa-on-session", "session-name"}},
		{name: "region differs", b: b, g: withCalls(g, func(c []roleCall) { c[0].Region = "us-east-1" }), wantKinds: []string{"region"}},
		{name: "host differs", b: b, g: withCalls(g, func(c []roleCall) { c[1].Host = "sts.amazonaws.com" }), wantKinds: []string{"endpoint host"}},
		{name: "host differs with a configured endpoint", b: b, g: withCalls(g, func(c []roleCall) { c[1].Host = "localhost" }), endpoint: true,
			documented: []string{"mfa-on-session", "session-name", "duration-clamp", "configured-endpoints"}},
		{name: "signer differs", b: b, g: withCalls(g, func(c []roleCall) { c[1].Signer = "start" }), wantKinds: []string{"signer"}},
		{name: "start key differs", b: b, g: func() resolution { r := g; r.Start = "AKIAOTHER"; return r }(), wantKinds: []string{"start credentials"}},
		{name: "mfa serial missing", b: b, g: func() resolution { r := g; r.MFASerials = nil; r.MFAOnSession = false; return r }(), wantKinds: []string{"mfa_serial"}},
		{name: "one call fewer", b: b, g: func() resolution { r := g; r.Calls = g.Calls[:1]; return r }(), wantKinds: []string{"AssumeRole calls"},
			documented: []string{"mfa-on-session"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diffs, documented := compare(tt.b, tt.g, tt.endpoint)
			var kinds []string
			for _, d := range diffs {
				kinds = append(kinds, d.kind)
			}
			if d := cmp.Diff(tt.wantKinds, kinds); d != "" {
				t.Errorf("differences (-want +got):\n%s\n%+v", d, diffs)
			}
			if len(tt.wantKinds) > 0 {
				return // documented differences are only counted for agreeing profiles
			}
			slices.Sort(documented)
			want := slices.Clone(tt.documented)
			slices.Sort(want)
			if d := cmp.Diff(want, documented); d != "" {
				t.Errorf("documented (-want +got):\n%s", d)
			}
		})
	}
}

// TestBotocoreDifferencesDocumented: every difference the differential test
// accepts has its row in README.md's table of differences from the AWS CLI.
func TestBotocoreDifferencesDocumented(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var table []string
	in := false
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "#") {
			in = strings.Contains(strings.ToLower(line), "differences")
			continue
		}
		if in && strings.HasPrefix(line, "|") {
			table = append(table, strings.ToLower(line))
		}
	}
	if len(table) == 0 {
		t.Fatal("README.md has no differences table (a table under a heading that says \"Differences\")")
	}
	for _, a := range allowedDifferences {
		if !slices.ContainsFunc(table, func(row string) bool { return strings.Contains(row, strings.ToLower(a.readme)) }) {
			t.Errorf("allowed difference %s (%s) has no row mentioning %q in README.md's differences table", a.id, a.what, a.readme)
		}
	}
}
