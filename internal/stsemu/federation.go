package stsemu

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// FederationPath is the federation endpoint's path on the server: what
// STSLIB_FEDERATION_URL points at is URL()+FederationPath.
const FederationPath = "/federation"

// signinTokenLife is how long AWS accepts a sign-in token.
const signinTokenLife = 15 * time.Minute

// federation is the emulated federation endpoint's state, under Server.mu.
type federation struct {
	prefix string                  // put before every SigninToken (a test's canary)
	tokens map[string]*SigninGrant // by SigninToken
}

// SigninGrant is a sign-in token the emulator handed out.
type SigninGrant struct {
	AccessKeyID string        // the temporary credentials it was made from
	RoleARN     string        // their role
	Duration    time.Duration // SessionDuration asked for; 0 for none
	Expiry      time.Time     // when the token stops working (15 minutes)
}

// SetSigninTokenPrefix puts prefix before every SigninToken handed out
// from now on: tests put a canary there and look for it where it must not
// be.
func (s *Server) SetSigninTokenPrefix(prefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fed.prefix = prefix
}

// SigninToken reports what a sign-in token the server handed out grants.
func (s *Server) SigninToken(token string) (SigninGrant, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.fed.tokens[token]
	if !ok {
		return SigninGrant{}, false
	}
	return *g, true
}

// Federation refusals. The real endpoint answers every refused request
// with HTTP 400 and a short text, the same for a malformed, a foreign and
// an expired Session and for a SessionDuration it does not allow; the
// call log (Call.Code) tells them apart.
const (
	fedBadRequest   = "BadRequest"         // no or another Action, a malformed parameter
	fedInvalid      = "InvalidCredentials" // not credentials this server issued, or wrong key or token
	fedExpired      = "ExpiredCredentials" // issued here, but expired
	fedNotRole      = "NotRoleCredentials" // GetSessionToken credentials: no console session
	fedChainedLimit = "ChainedDuration"    // SessionDuration with role chaining credentials
)

// serveFederation answers GET /federation?Action=getSigninToken&Session=…
// like https://signin.aws.amazon.com/federation: {"SigninToken": …} for
// unexpired role credentials this server issued, HTTP 400 otherwise.
// SessionDuration (900 to 43200 seconds) is refused for credentials from
// role chaining, as AWS refuses it. Action=login is not emulated.
func (s *Server) serveFederation(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	// The Session parameter holds a secret key and a session token: the
	// call log keeps only the access key ID and the other parameters.
	call := Call{Action: "getSigninToken", Params: url.Values{}}
	for k, vs := range q {
		if k != "Session" {
			call.Params[k] = append([]string(nil), vs...)
		}
	}
	fail := func(code, msg string) {
		call.Status, call.Code, call.Time = http.StatusBadRequest, code, s.Now()
		s.mu.Lock()
		s.stats["getSigninToken"]++
		s.calls = append(s.calls, call)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(msg + "\n"))
	}
	const invalid = "Invalid credentials parameter. The request sent by the client was syntactically incorrect."
	if r.Method != http.MethodGet || q.Get("Action") != "getSigninToken" {
		fail(fedBadRequest, "Bad Request: want GET with Action=getSigninToken (the emulator does not serve Action=login).")
		return
	}
	var sess struct {
		ID    string `json:"sessionId"`
		Key   string `json:"sessionKey"`
		Token string `json:"sessionToken"`
	}
	if err := json.Unmarshal([]byte(q.Get("Session")), &sess); err != nil || sess.ID == "" {
		fail(fedBadRequest, invalid)
		return
	}
	call.AccessKeyID = safeText(sess.ID, 128)
	var dur int
	if q.Has("SessionDuration") {
		d, err := strconv.Atoi(q.Get("SessionDuration"))
		if err != nil || d < 900 || d > 43200 {
			fail(fedBadRequest, "Invalid SessionDuration parameter: want 900 to 43200 seconds.")
			return
		}
		dur = d
	}

	s.mu.Lock()
	now := time.Now().Add(s.offset)
	cred, ok := s.issued[sess.ID]
	var c issued
	if ok {
		c = *cred
	}
	s.mu.Unlock()
	switch {
	case !ok, !hmac.Equal([]byte(sess.Key), []byte(c.Secret)), !hmac.Equal([]byte(sess.Token), []byte(c.Token)):
		fail(fedInvalid, invalid)
		return
	case !now.Before(c.Expiry):
		fail(fedExpired, invalid)
		return
	case c.Role == nil:
		fail(fedNotRole, invalid)
		return
	case dur > 0 && c.Chained:
		fail(fedChainedLimit, invalid)
		return
	}

	b := make([]byte, 192)
	_, _ = rand.Read(b)
	s.mu.Lock()
	token := s.fed.prefix + base64.RawURLEncoding.EncodeToString(b)
	if s.fed.tokens == nil {
		s.fed.tokens = map[string]*SigninGrant{}
	}
	s.fed.tokens[token] = &SigninGrant{
		AccessKeyID: c.AccessKeyID, RoleARN: c.Role.ARN,
		Duration: time.Duration(dur) * time.Second, Expiry: now.Add(signinTokenLife),
	}
	s.stats["getSigninToken"]++
	call.Status, call.Time = http.StatusOK, now
	s.calls = append(s.calls, call)
	s.mu.Unlock()

	body, _ := json.Marshal(map[string]string{"SigninToken": token})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}
