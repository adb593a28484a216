package credproc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
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
// connection and response times, and the given endpoint.
func NewSTSClient(c STSConfig) STSAPI {
	creds := c.Credentials
	o := sts.Options{
		Region: c.Region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: creds.AccessKey, SecretAccessKey: string(creds.SecretKey),
				SessionToken: string(creds.Session), Source: "stslib-proc"}, nil
		}),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = maxAttempts
			o.MaxBackoff = maxBackoff
			o.RateLimiter = ratelimit.None
		}),
		HTTPClient: awshttp.NewBuildableClient().
			WithTimeout(attemptTimeout).
			WithDialerOptions(func(d *net.Dialer) { d.Timeout = dialTimeout }).
			WithTransportOptions(func(t *http.Transport) { t.Proxy = http.ProxyFromEnvironment }),
	}
	if c.Endpoint != "" {
		o.BaseEndpoint = aws.String(c.Endpoint)
	}
	return sts.New(o)
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
