package signin

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/stslib/stslib-proc/credproc"
)

// Partition is an AWS partition's sign-in and console hosts.
type Partition struct {
	ID            string // "aws", "aws-cn", "aws-us-gov"
	SigninHost    string // the federation endpoint's host, e.g. signin.aws.amazon.com
	ConsoleHost   string // the console's host, e.g. console.aws.amazon.com
	DefaultRegion string // the console region when none is set
}

// Partitions are the partitions stslib-proc signs in to.
var Partitions = []Partition{
	{ID: "aws", SigninHost: "signin.aws.amazon.com", ConsoleHost: "console.aws.amazon.com", DefaultRegion: "us-east-1"},
	{ID: "aws-cn", SigninHost: "signin.amazonaws.cn", ConsoleHost: "console.amazonaws.cn", DefaultRegion: "cn-north-1"},
	{ID: "aws-us-gov", SigninHost: "signin.amazonaws-us-gov.com", ConsoleHost: "console.amazonaws-us-gov.com", DefaultRegion: "us-gov-west-1"},
}

// ErrUnknownPartition is the error for an ARN of a partition that is not
// in [Partitions] (the ISO partitions, a typo): stslib-proc never guesses
// a sign-in host.
var ErrUnknownPartition = errors.New("unknown partition")

// PartitionOf returns the partition of an ARN ("arn:PARTITION:…"), a role
// ARN or an assumed-role ARN.
func PartitionOf(arn string) (Partition, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" || parts[1] == "" {
		return Partition{}, fmt.Errorf("%q is not an ARN", arn)
	}
	for _, p := range Partitions {
		if p.ID == parts[1] {
			return p, nil
		}
	}
	return Partition{}, fmt.Errorf("%w %q in %s: console sign-in knows aws, aws-cn and aws-us-gov", ErrUnknownPartition, parts[1], arn)
}

// regionRe is a region name's form ("us-east-1", "cn-north-1").
var regionRe = regexp.MustCompile(`^[a-z]{2}(-[a-z0-9]+)+-[0-9]+$`)

// regionPartition is the partition a region belongs to, by its prefix.
func regionPartition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso"), strings.HasPrefix(region, "eu-iso"):
		return "iso"
	}
	return "aws"
}

// CheckRegionName refuses a malformed region name: it goes into the URL.
func CheckRegionName(region string) error {
	if len(region) > 64 || !regionRe.MatchString(region) {
		return fmt.Errorf("region %q is not a region name (like us-east-1)", region)
	}
	return nil
}

// CheckRegion refuses a region name that is malformed or of another
// partition: a console of aws-cn has no us-east-1.
func (p Partition) CheckRegion(region string) error {
	if err := CheckRegionName(region); err != nil {
		return err
	}
	if rp := regionPartition(region); rp != p.ID {
		return fmt.Errorf("region %s is not in partition %s (the role's)", region, p.ID)
	}
	return nil
}

// serviceRe is a console service's path word ("s3", "ec2", "cloudwatch").
var serviceRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// CheckDestination checks the form of a --destination value before any
// partition is known: "" (the console home), a service word, or an https
// URL on the console of one of [Partitions].
func CheckDestination(dest string) error {
	if dest == "" || serviceRe.MatchString(dest) {
		return nil
	}
	u, err := consoleURL(dest)
	if err != nil {
		return err
	}
	for _, p := range Partitions {
		if p.onConsole(u.Hostname()) {
			return nil
		}
	}
	return fmt.Errorf("destination %q is not on an AWS console (%s)", dest, consoleHosts())
}

func consoleHosts() string {
	var hosts []string
	for _, p := range Partitions {
		hosts = append(hosts, p.ConsoleHost)
	}
	return strings.Join(hosts, ", ")
}

// consoleURL parses a full destination URL: https, no user or password.
func consoleURL(dest string) (*url.URL, error) {
	u, err := url.Parse(dest)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return nil, fmt.Errorf("destination %q is neither a service name (like s3) nor a console URL (https://…)", dest)
	}
	if u.Scheme != "https" || u.User != nil || u.Port() != "" {
		return nil, fmt.Errorf("destination %q: a console URL is https://HOST/… with no user or port", dest)
	}
	return u, nil
}

// onConsole reports whether host is the partition's console host or one
// of its subdomains (s3.console.aws.amazon.com, us-west-2.console…).
func (p Partition) onConsole(host string) bool {
	host = strings.ToLower(host)
	return host == p.ConsoleHost || strings.HasSuffix(host, "."+p.ConsoleHost)
}

// Destination is the console URL to land on: for "" the console home of
// region, for a service word (s3) that service's home in region, and a
// full https URL on the partition's console as it is.
func (p Partition) Destination(dest, region string) (string, error) {
	if region == "" {
		region = p.DefaultRegion
	}
	if err := p.CheckRegion(region); err != nil {
		return "", err
	}
	q := "?" + url.Values{"region": {region}}.Encode()
	switch {
	case dest == "":
		return "https://" + p.ConsoleHost + "/console/home" + q, nil
	case serviceRe.MatchString(dest):
		return "https://" + p.ConsoleHost + "/" + dest + "/home" + q, nil
	}
	u, err := consoleURL(dest)
	if err != nil {
		return "", err
	}
	if !p.onConsole(u.Hostname()) {
		return "", fmt.Errorf("destination %q is not on the console of partition %s (%s)", dest, p.ID, p.ConsoleHost)
	}
	return u.String(), nil
}

// FederationURL is the partition's federation endpoint.
func (p Partition) FederationURL() string { return "https://" + p.SigninHost + "/federation" }

// LoginURL is the Action=login URL that signs in with token and lands on
// destination. It always names the partition's real sign-in host.
func (p Partition) LoginURL(token, destination, issuer string) string {
	q := url.Values{"Action": {"login"}, "Issuer": {issuer}, "Destination": {destination}, "SigninToken": {token}}
	return p.FederationURL() + "?" + q.Encode()
}

// Bounds of SessionDuration, which AWS accepts only with credentials from
// AssumeRole called with long-term keys.
const (
	MinSessionDuration = 15 * time.Minute
	MaxSessionDuration = 12 * time.Hour
	// ChainedMax is how long a console session from role chaining
	// credentials lasts at most; AWS refuses SessionDuration for them.
	ChainedMax = time.Hour
)

// SessionDuration is the SessionDuration to send, in seconds, 0 for none:
// none for credentials from role chaining (every role stslib-proc assumes
// with its MFA session; AWS answers 400 to any SessionDuration, so none is
// sent rather than fail), none when d is 0, else d, which must be within
// 15 minutes and 12 hours.
func SessionDuration(chained bool, d time.Duration) (int, error) {
	if chained || d == 0 {
		return 0, nil
	}
	if d < MinSessionDuration || d > MaxSessionDuration || d%time.Second != 0 {
		return 0, fmt.Errorf("console session duration %s: want whole seconds from 15m to 12h", d)
	}
	return int(d / time.Second), nil
}

// Doer sends an HTTP request; *http.Client is one.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Client gets sign-in tokens from the federation endpoint.
type Client struct {
	// HTTP sends the getSigninToken request; nil for [DefaultHTTP].
	HTTP Doer
	// FederationURL, when set, is where getSigninToken goes instead of the
	// partition's endpoint (STSLIB_FEDERATION_URL: tests and private
	// endpoints): https, or http on a loopback address. The login URL keeps
	// the partition's real sign-in host.
	FederationURL string
	// Now is the clock; nil for time.Now.
	Now func() time.Time
	// Debug, when set, gets one line per request: host, status and time,
	// never the URL, the credentials or the token.
	Debug func(string)
}

// DefaultHTTP is the client for getSigninToken: 30 s per request, proxies
// from the environment, and no redirects followed (a redirect is an
// error, so the query with the credentials goes nowhere else).
func DefaultHTTP() *http.Client { return HTTPTrusting(nil) }

// HTTPTrusting is [DefaultHTTP] trusting roots instead of the system's
// certificate authorities (AWS_CA_BUNDLE, ca_bundle); nil roots are the
// system's.
func HTTPTrusting(roots *x509.CertPool) *http.Client {
	c := &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if roots != nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
		c.Transport = t
	}
	return c
}

// Request is what a sign-in URL is made from.
type Request struct {
	// Profile names the credentials in errors.
	Profile string
	// RoleARN decides the partition.
	RoleARN string
	// Credentials are the role's temporary credentials.
	Credentials *credproc.Credentials
	// Chained reports credentials from role chaining: no SessionDuration.
	Chained bool
	// SessionDuration is the console session asked for; 0 for AWS's
	// default. Ignored when Chained.
	SessionDuration time.Duration
	// Region and Destination as for [Partition.Destination].
	Region      string
	Destination string
	// Issuer is the login URL's Issuer; "" for "stslib-proc".
	Issuer string
}

// maxAnswer bounds the federation endpoint's answer; a token is ~1 KiB.
const maxAnswer = 64 << 10

// URL gets a sign-in token for r's credentials and returns the login URL.
// The URL grants console access: the caller prints it only where asked.
func (c *Client) URL(ctx context.Context, r Request) (string, error) {
	p, err := PartitionOf(r.RoleARN)
	if err != nil {
		return "", fmt.Errorf("profile %s: %w", r.Profile, err)
	}
	dest, err := p.Destination(r.Destination, r.Region)
	if err != nil {
		return "", fmt.Errorf("profile %s: %w", r.Profile, err)
	}
	token, err := c.Token(ctx, p, r)
	if err != nil {
		return "", err
	}
	issuer := r.Issuer
	if issuer == "" {
		issuer = "stslib-proc"
	}
	return p.LoginURL(token, dest, issuer), nil
}

// Endpoint is where getSigninToken goes for p: the partition's federation
// endpoint, or FederationURL when set and acceptable.
func (c *Client) Endpoint(p Partition) (*url.URL, error) {
	if c.FederationURL == "" {
		return url.Parse(p.FederationURL())
	}
	u, err := url.Parse(c.FederationURL)
	bad := func(why string) error {
		return fmt.Errorf("federation URL %q: %s", c.FederationURL, why)
	}
	switch {
	case err != nil || !u.IsAbs() || u.Host == "":
		return nil, bad("want a full URL, like https://HOST/federation")
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return nil, bad("want no user, query or fragment")
	case u.Scheme == "https":
	case u.Scheme == "http" && loopback(u.Hostname()):
	default:
		return nil, bad("want https (http only on a loopback address): the request carries the credentials")
	}
	return u, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// session is the getSigninToken Session parameter.
type session struct {
	ID    string `json:"sessionId"`
	Key   string `json:"sessionKey"`
	Token string `json:"sessionToken"`
}

// Token calls getSigninToken with r's credentials and returns the
// SigninToken. Errors name the profile, the endpoint's host and the HTTP
// status, never the request (it carries the credentials) or the answer.
func (c *Client) Token(ctx context.Context, p Partition, r Request) (string, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	creds := r.Credentials
	switch {
	case creds == nil || creds.AccessKey == "" || creds.SecretKey == "":
		return "", fmt.Errorf("profile %s: no credentials to sign in with", r.Profile)
	case creds.Session == "":
		return "", fmt.Errorf("profile %s: console sign-in needs temporary credentials (a session token)", r.Profile)
	case !creds.End.IsZero() && creds.Expired(now()):
		return "", fmt.Errorf("profile %s: the credentials expired at %s", r.Profile, creds.End.UTC().Format(time.RFC3339))
	}
	dur, err := SessionDuration(r.Chained, r.SessionDuration)
	if err != nil {
		return "", fmt.Errorf("profile %s: %w", r.Profile, err)
	}
	u, err := c.Endpoint(p)
	if err != nil {
		return "", err
	}
	host := u.Host
	sess, err := json.Marshal(session{creds.AccessKey, string(creds.SecretKey), string(creds.Session)})
	if err != nil {
		return "", fmt.Errorf("profile %s: getSigninToken: %v", r.Profile, err)
	}
	q := url.Values{"Action": {"getSigninToken"}, "Session": {string(sess)}}
	if dur > 0 {
		q.Set("SessionDuration", strconv.Itoa(dur))
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", fmt.Errorf("profile %s: getSigninToken at %s: %v", r.Profile, host, noURL(err))
	}
	req.Header.Set("Accept", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = DefaultHTTP()
	}
	start := now()
	resp, err := hc.Do(req)
	if err != nil {
		c.debug("getSigninToken host=%s took=%s failed", host, since(now, start))
		return "", fmt.Errorf("profile %s: getSigninToken at %s: %v", r.Profile, host, noURL(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	c.debug("getSigninToken host=%s took=%s status=%d", host, since(now, start), resp.StatusCode)
	if err != nil {
		return "", fmt.Errorf("profile %s: getSigninToken at %s: reading the answer: %v", r.Profile, host, noURL(err))
	}
	if resp.StatusCode != http.StatusOK {
		why := ""
		if resp.StatusCode == http.StatusBadRequest {
			why = " (the federation endpoint refuses these credentials: expired, revoked, or not a role's)"
		}
		return "", fmt.Errorf("profile %s: getSigninToken at %s: HTTP %d%s", r.Profile, host, resp.StatusCode, why)
	}
	var answer struct {
		SigninToken string
	}
	if len(body) > maxAnswer || json.Unmarshal(body, &answer) != nil || answer.SigninToken == "" {
		return "", fmt.Errorf("profile %s: getSigninToken at %s: the answer holds no SigninToken", r.Profile, host)
	}
	return answer.SigninToken, nil
}

func (c *Client) debug(format string, args ...any) {
	if c.Debug != nil {
		c.Debug(fmt.Sprintf(format, args...))
	}
}

func since(now func() time.Time, start time.Time) time.Duration {
	return now().Sub(start).Round(time.Millisecond)
}

// noURL drops the URL from an HTTP client error: it carries the
// credentials in its query.
func noURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
