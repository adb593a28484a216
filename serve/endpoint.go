package serve

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/stslib/stslib-proc/credproc"
)

// NewToken returns a random authorization token for a credential
// endpoint: 256 bits, hex.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// Endpoint serves role credentials in the ECS container-credentials format
// (AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN),
// which the AWS CLI, boto3 and the Go, JS and Java SDKs read and refresh by
// themselves. Every request must come from a loopback address (the
// client's address is checked, not only the listener's) and carry the
// token as its Authorization header, exactly as the SDKs send it (no
// "Bearer"), compared in constant time.
type Endpoint struct {
	// Token is the authorization token; required.
	Token string
	// Profile is the one role served at every path (exec); empty: the role
	// is named by the path, /role/NAME (serve).
	Profile string
	// Role returns credentials for a role profile, from the cache; it must
	// not prompt.
	Role func(ctx context.Context, profile string) (*credproc.Credentials, error)
	// AllowRemote lets clients that are not on a loopback address in (the
	// token is still required).
	AllowRemote bool
	// Logf receives one line per refused or failed request; never a
	// secret (no token, no credentials, no header).
	Logf func(format string, args ...any)

	mu   sync.Mutex
	seen map[string]time.Time // roles asked for, for the refresher
}

// ecsCredentials is the container-credentials JSON.
type ecsCredentials struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	Token           string
	Expiration      string
	RoleArn         string `json:",omitempty"`
}

// ecsError is the error JSON the SDKs show: {"code", "message"}.
type ecsError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Endpoint) logf(format string, args ...any) {
	if e.Logf != nil {
		e.Logf(format, args...)
	}
}

func (e *Endpoint) fail(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(ecsError{Code: code, Message: msg})
}

// loopback reports whether addr (HOST:PORT, or HOST) is a loopback one: a
// loopback IP, or "localhost" (which a request's remote address never is).
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

func (e *Endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !e.AllowRemote && !loopback(r.RemoteAddr) {
		e.logf("refused a request from %s: not a loopback address", r.RemoteAddr)
		e.fail(w, http.StatusForbidden, "Forbidden", "stslib-proc serves loopback clients only")
		return
	}
	got := r.Header.Get("Authorization")
	if e.Token == "" || subtle.ConstantTimeCompare([]byte(got), []byte(e.Token)) != 1 {
		e.logf("refused a request from %s: missing or wrong authorization token", r.RemoteAddr)
		e.fail(w, http.StatusUnauthorized, "Unauthorized", "missing or wrong authorization token (AWS_CONTAINER_AUTHORIZATION_TOKEN)")
		return
	}
	if r.Method != http.MethodGet {
		e.fail(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "use GET")
		return
	}
	profile := e.Profile
	if profile == "" {
		name, ok := strings.CutPrefix(r.URL.Path, "/role/")
		if !ok || name == "" || strings.Contains(name, "/") {
			e.fail(w, http.StatusNotFound, "NotFound", "ask for /role/PROFILE")
			return
		}
		profile = name
	}
	e.mu.Lock()
	if e.seen == nil {
		e.seen = map[string]time.Time{}
	}
	e.seen[profile] = time.Now()
	e.mu.Unlock()
	creds, err := e.Role(r.Context(), profile)
	if err != nil {
		msg := strings.Join(strings.Fields(err.Error()), " ")
		var need *credproc.NeedMFAError
		if errors.As(err, &need) {
			msg += fmt.Sprintf("; run 'stslib-proc login %s' in a terminal", need.Source)
		}
		e.logf("profile %s: %s", profile, msg)
		e.fail(w, http.StatusInternalServerError, "CredentialsUnavailable", "stslib-proc: "+msg)
		return
	}
	out := ecsCredentials{AccessKeyID: creds.AccessKey, SecretAccessKey: string(creds.SecretKey),
		Token: string(creds.Session), Expiration: creds.End.UTC().Format(time.RFC3339), RoleArn: creds.ARN}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(out)
}

// Roles returns the roles asked for in the last span.
func (e *Endpoint) Roles(since time.Time) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	if e.Profile != "" {
		out = append(out, e.Profile)
	}
	for p, t := range e.seen {
		if p != e.Profile && !t.Before(since) {
			out = append(out, p)
		}
	}
	return out
}
