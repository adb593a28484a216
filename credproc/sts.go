package credproc

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/stslib/stslib-proc/internal/readfile"
)

// STSAPI is the part of *sts.Client that credproc calls.
type STSAPI interface {
	GetSessionToken(ctx context.Context, in *sts.GetSessionTokenInput, opts ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error)
	AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, opts ...func(*sts.Options)) (*sts.AssumeRoleOutput, error)
}

// STSConfig is what a client needs for one call: where, and as whom.
type STSConfig struct {
	Region      string
	Endpoint    string // empty: the SDK's endpoint for Region
	Credentials *Credentials
	// CABundle is a PEM file of the certificate authorities to trust
	// instead of the system's (AWS_CA_BUNDLE, or ca_bundle in the
	// profile); empty: the system's.
	CABundle string
}

// Per-attempt network bounds; with the retryer's attempts and backoff the
// whole call stays well under the SDKs' 60 s credential_process timeout
// (Options.Timeout caps it at 25 s). Eight attempts: with 30 % of calls
// throttled or failing, a call still fails only once in ~15 000 (0.3^8),
// where four attempts failed one call in ~120.
const (
	dialTimeout    = 3 * time.Second
	attemptTimeout = 6 * time.Second
	maxAttempts    = 8
	maxBackoff     = time.Second
)

// NewSTSClient builds an STS client without reading any shared config: the
// standard retryer (with no client-side retry quota, so a burst of
// throttling is retried with backoff rather than given up), bounded
// connection and response times, and the given endpoint. A [Core] without
// Options.NewSTS does not call it per call: it keeps one client per region
// and endpoint (see [STSPool]).
func NewSTSClient(c STSConfig) STSAPI {
	hc, err := newHTTPClient(c.CABundle)
	if err != nil {
		return failing{err}
	}
	return withCredentials{newSTS(c.Region, c.Endpoint, hc), c.Credentials}
}

// maxIdlePerHost keeps the connections of a sync at the largest
// --parallel for the next calls.
const maxIdlePerHost = 64

func newHTTPClient(caBundle string) (*awshttp.BuildableClient, error) {
	roots, err := LoadCABundle(caBundle)
	if err != nil {
		return nil, err
	}
	return awshttp.NewBuildableClient().
		WithTimeout(attemptTimeout).
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = dialTimeout }).
		WithTransportOptions(func(t *http.Transport) {
			t.Proxy = http.ProxyFromEnvironment
			t.MaxIdleConnsPerHost = maxIdlePerHost
			if roots != nil {
				if t.TLSClientConfig == nil {
					t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
				}
				t.TLSClientConfig.RootCAs = roots
			}
		}), nil
}

// LoadCABundle reads a PEM file of certificate authorities to trust
// instead of the system's (AWS_CA_BUNDLE, or a profile's ca_bundle: see
// [Profile.CABundle]); "" is the system's (nil).
func LoadCABundle(path string) (*x509.CertPool, error) {
	if path == "" {
		return nil, nil
	}
	pem, err := readfile.Read(path, 4<<20)
	if err != nil {
		return nil, fmt.Errorf("CA bundle: %v", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA bundle %s: no PEM certificate in it", path)
	}
	return roots, nil
}

// failing is a client whose every call fails with err (a CA bundle that
// cannot be read).
type failing struct{ err error }

func (f failing) GetSessionToken(context.Context, *sts.GetSessionTokenInput, ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error) {
	return nil, f.err
}

func (f failing) AssumeRole(context.Context, *sts.AssumeRoleInput, ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	return nil, f.err
}

func newSTS(region, endpoint string, hc *awshttp.BuildableClient) *sts.Client {
	o := sts.Options{
		Region: region,
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = maxAttempts
			o.MaxBackoff = maxBackoff
			o.RateLimiter = ratelimit.None
		}),
		HTTPClient: drainingClient{hc},
	}
	if endpoint != "" {
		o.BaseEndpoint = aws.String(endpoint)
	}
	return sts.New(o)
}

// STSPool keeps one STS client per region and endpoint, all on one HTTP
// transport, so the connections (and TLS sessions) of one call serve the
// next; credentials are given per call. Its zero value is ready to use and
// it is safe for concurrent use.
type STSPool struct {
	mu      sync.Mutex
	http    map[string]*awshttp.BuildableClient // by CA bundle
	clients map[[3]string]*sts.Client           // by region, endpoint, CA bundle
}

// Client returns the pooled client for c's region and endpoint, signing
// with c's credentials.
func (p *STSPool) Client(c STSConfig) STSAPI {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.clients == nil {
		p.clients, p.http = map[[3]string]*sts.Client{}, map[string]*awshttp.BuildableClient{}
	}
	k := [3]string{c.Region, c.Endpoint, c.CABundle}
	cl, ok := p.clients[k]
	if !ok {
		hc, ok := p.http[c.CABundle]
		if !ok {
			var err error
			if hc, err = newHTTPClient(c.CABundle); err != nil {
				return failing{err}
			}
			p.http[c.CABundle] = hc
		}
		cl = newSTS(c.Region, c.Endpoint, hc)
		p.clients[k] = cl
	}
	return withCredentials{cl, c.Credentials}
}

// withCredentials signs every call of a shared client with one caller's
// credentials.
type withCredentials struct {
	c     *sts.Client
	creds *Credentials
}

func (w withCredentials) provider(o *sts.Options) {
	creds := w.creds
	o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		if creds == nil {
			return aws.Credentials{}, errors.New("no credentials to sign with")
		}
		return aws.Credentials{AccessKeyID: creds.AccessKey, SecretAccessKey: string(creds.SecretKey),
			SessionToken: string(creds.Session), Source: "stslib-proc"}, nil
	})
}

// GetSessionToken calls STS with the caller's credentials.
func (w withCredentials) GetSessionToken(ctx context.Context, in *sts.GetSessionTokenInput, opts ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error) {
	return w.c.GetSessionToken(ctx, in, append([]func(*sts.Options){w.provider}, opts...)...)
}

// AssumeRole calls STS with the caller's credentials.
func (w withCredentials) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, opts ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	return w.c.AssumeRole(ctx, in, append([]func(*sts.Options){w.provider}, opts...)...)
}

// Error kinds from STS that callers branch on.
var (
	ErrMFARejected = errors.New("MFA code rejected")
	ErrNeedMFA     = errors.New("needs an MFA code")
)

// stsError turns an STS failure into a one-line error: the API error code
// and message (STS messages carry ARNs, never secrets), or the network
// failure. what says which call failed.
func stsError(what string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		msg := ae.ErrorMessage()
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
		msg = strings.ReplaceAll(msg, "\n", " ")
		return &APIError{What: what, Code: ae.ErrorCode(), Message: msg}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: STS did not answer in time", what)
	}
	var ne net.Error
	if errors.As(err, &ne) {
		if ne.Timeout() {
			return fmt.Errorf("%s: STS did not answer within %s (%d attempts)", what, attemptTimeout, maxAttempts)
		}
	}
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		return fmt.Errorf("%s: cannot reach STS: %v", what, rootCause(oe.Err))
	}
	return fmt.Errorf("%s: %v", what, err)
}

func rootCause(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// APIError is an error answer from STS.
type APIError struct {
	What    string // the call, with its profile
	Code    string // e.g. AccessDenied
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.What, e.Code, e.Message)
}

func apiCode(err error) string {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

// drainingClient reads what is left of each response body before closing
// it: net/http reuses a connection only after its body was read to the
// end, and the SDK's XML decoder stops at the closing tag.
type drainingClient struct{ c *awshttp.BuildableClient }

func (d drainingClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if resp != nil && resp.Body != nil {
		resp.Body = drainOnClose{resp.Body}
	}
	return resp, err
}

type drainOnClose struct{ io.ReadCloser }

func (b drainOnClose) Close() error {
	_, _ = io.Copy(io.Discard, io.LimitReader(b.ReadCloser, 64<<10))
	return b.ReadCloser.Close()
}
