package stsemu

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// caller is the authenticated principal of a request.
type caller struct {
	user *User   // long-term key owner, or the user at the start of the chain
	cred *issued // nil for long-term keys
}

// arn is how STS names the caller: the user ARN for long-term keys and
// session tokens, the assumed-role ARN for role credentials.
func (c caller) arn() string {
	if c.cred != nil && c.cred.Role != nil {
		return assumedRoleARN(c.cred.Role, c.cred.SessionName)
	}
	return c.user.ARN
}

// principal is what a trust policy matches: the user ARN, or the role ARN
// of an assumed-role caller.
func (c caller) principal() string {
	if c.cred != nil && c.cred.Role != nil {
		return c.cred.Role.ARN
	}
	return c.user.ARN
}

func (c caller) mfa() bool { return c.cred != nil && c.cred.MFA }

// account returns the 12-digit account of an IAM ARN.
func account(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}

// roleName is the last path element of a role ARN.
func roleName(r *Role) string {
	return r.ARN[strings.LastIndex(r.ARN, "/")+1:]
}

func assumedRoleARN(r *Role, session string) string {
	return "arn:aws:sts::" + account(r.ARN) + ":assumed-role/" + roleName(r) + "/" + session
}

// uniqueID derives a stable IAM unique ID ("AIDA…", "AROA…") from an ARN.
func uniqueID(prefix, arn string) string {
	sum := sha256.Sum256([]byte(arn))
	b := make([]byte, 17)
	for i := range b {
		b[i] = upperAlnum[int(sum[i])%len(upperAlnum)]
	}
	return prefix + string(b)
}

// authenticate verifies the request's SigV4 signature and returns its
// caller.
func (s *Server) authenticate(r *http.Request, body []byte) (caller, *apiError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if r.URL.Query().Has("X-Amz-Signature") || r.URL.Query().Has("X-Amz-Credential") {
			return caller{}, errIncompleteSignature("Query-string (presigned) authentication is not supported by this emulator.")
		}
		return caller{}, errMissingAuth
	}
	a, err := parseAuthorization(h)
	if err != nil {
		return caller{}, err
	}
	token := r.Header.Get("X-Amz-Security-Token")

	s.mu.Lock()
	now := time.Now().Add(s.offset)
	var c caller
	var secret string
	if u, ok := s.users[a.AccessKeyID]; ok {
		c, secret = caller{user: u}, u.SecretAccessKey
	} else if cred, ok := s.issued[a.AccessKeyID]; ok {
		cp := *cred
		c, secret = caller{user: cred.User, cred: &cp}, cred.Secret
	}
	s.mu.Unlock()

	switch {
	case c.user == nil:
		return caller{}, errInvalidClientTokenID
	case c.cred == nil && token != "":
		return caller{}, errInvalidClientTokenID
	case c.cred != nil && !hmac.Equal([]byte(token), []byte(c.cred.Token)):
		return caller{}, errInvalidClientTokenID
	}
	if a.Service != "sts" {
		return caller{}, newErr(http.StatusForbidden, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'. ")
	}
	if s.region != "" && a.Region != s.region {
		return caller{}, newErr(http.StatusForbidden, "SignatureDoesNotMatch", "Credential should be scoped to a valid region. ")
	}
	if a.Terminator != "aws4_request" {
		return caller{}, newErr(http.StatusForbidden, "SignatureDoesNotMatch", "Credential should be scoped with a valid terminator: 'aws4_request'. ")
	}
	if !strings.Contains(";"+a.SignedHeaders+";", ";host;") {
		return caller{}, errIncompleteSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	t, amzDate, err := requestTime(r)
	if err != nil {
		return caller{}, err
	}
	if a.Date != amzDate[:8] {
		return caller{}, newErr(http.StatusForbidden, "SignatureDoesNotMatch", fmt.Sprintf(
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			safeText(a.Date, 16), amzDate[:8], amzDate))
	}
	nowS := now.UTC().Format(amzDateFormat)
	if t.Before(now.Add(-signatureWindow)) {
		return caller{}, newErr(http.StatusForbidden, "SignatureDoesNotMatch", fmt.Sprintf(
			"Signature expired: %s is now earlier than %s (%s - 15 min.)",
			amzDate, now.Add(-signatureWindow).UTC().Format(amzDateFormat), nowS))
	}
	if t.After(now.Add(signatureWindow)) {
		return caller{}, newErr(http.StatusForbidden, "SignatureDoesNotMatch", fmt.Sprintf(
			"Signature not yet current: %s is still later than %s (%s + 15 min.)",
			amzDate, now.Add(signatureWindow).UTC().Format(amzDateFormat), nowS))
	}
	if c.cred != nil && !now.Before(c.cred.Expiry) {
		return caller{}, errExpiredToken
	}
	want := signature(secret, amzDate, a, canonicalRequest(r, body, a.SignedHeaders))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(a.Signature))) {
		return caller{}, errSignatureMismatch
	}
	return c, nil
}

// ---- parameter checks ----

var (
	serialRe      = lazyRE(`^[\w+=/:,.@-]{9,256}$`)
	tokenCodeRe   = lazyRE(`^\d{6}$`)
	sessionNameRe = lazyRE(`^[\w+=,.@-]{2,64}$`)
	externalIDRe  = lazyRE(`^[\w+=,.@:/-]+$`)
)

func validationf(format string, args ...any) *apiError {
	return errValidation("1 validation error detected: " + fmt.Sprintf(format, args...))
}

// duration parses DurationSeconds within [lo, hi]; def when absent.
func duration(p url.Values, lo, hi, def int) (int, *apiError) {
	if !p.Has("DurationSeconds") {
		return def, nil
	}
	raw := p.Get("DurationSeconds")
	d, err := strconv.Atoi(raw)
	if err != nil {
		return 0, newErr(http.StatusBadRequest, "MalformedInput", "Value for parameter DurationSeconds is not an integer.")
	}
	if d < lo {
		return 0, validationf("Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to %d", d, lo)
	}
	if d > hi {
		return 0, validationf("Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to %d", d, hi)
	}
	return d, nil
}

// mfaParams validates SerialNumber and TokenCode. present is false when
// neither was sent.
func mfaParams(p url.Values) (serial, code string, present bool, err *apiError) {
	serial, code = p.Get("SerialNumber"), p.Get("TokenCode")
	if p.Has("SerialNumber") && !serialRe.MatchString(serial) {
		return "", "", false, validationf("Value at 'serialNumber' failed to satisfy constraint: Member must have length between 9 and 256 and match pattern [\\w+=/:,.@-]*")
	}
	if p.Has("TokenCode") && !tokenCodeRe.MatchString(code) {
		// The value is a one-time code: never echoed.
		return "", "", false, validationf("Value at 'tokenCode' failed to satisfy constraint: Member must have length 6 and match pattern [\\d]*")
	}
	if serial == "" && code == "" {
		return "", "", false, nil
	}
	if serial == "" || code == "" {
		return "", "", false, errMFAIncomplete
	}
	return serial, code, true, nil
}

// checkMFA verifies a TOTP code for u: the serial must be u's device, the
// code valid for the current step ±1, and that step not used before.
func (s *Server) checkMFA(u *User, serial, code string) *apiError {
	if u.MFASerial == "" || serial != u.MFASerial {
		return errMFASerial
	}
	key, err := decodeBase32(u.TOTPSecret)
	if err != nil {
		return errMFASerial
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	step := time.Now().Add(s.offset).Unix() / totpStep
	for _, st := range []int64{step, step - 1, step + 1} {
		if !hmac.Equal([]byte(hotp(key, uint64(st))), []byte(code)) {
			continue
		}
		used := s.usedSteps[u.ARN]
		if used == nil {
			used = map[int64]bool{}
			s.usedSteps[u.ARN] = used
		}
		if used[st] {
			return errInvalidMFA
		}
		used[st] = true
		return nil
	}
	return errInvalidMFA
}

// issue creates and records temporary credentials.
func (s *Server) issue(c *issued, seconds int) *issued {
	tok := make([]byte, 264)
	_, _ = rand.Read(tok)
	c.AccessKeyID = "ASIA" + randomString(upperAlnum, 16)
	c.Secret = randomString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40)
	// Real tokens are long base64 blobs starting with this prefix.
	c.Token = "IQoJb3JpZ2luX2VjE" + base64.StdEncoding.EncodeToString(tok)
	s.mu.Lock()
	defer s.mu.Unlock()
	life := time.Duration(seconds) * time.Second
	if c.Role != nil && s.roleLifetime > 0 && s.roleLifetime < life {
		life = s.roleLifetime
	}
	c.Expiry = time.Now().Add(s.offset).Add(life).UTC().Truncate(time.Second)
	s.issued[c.AccessKeyID] = c
	cp := *c
	return &cp
}

// ---- actions ----

type credentialsXML struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

func credXML(c *issued) credentialsXML {
	return credentialsXML{c.AccessKeyID, c.Secret, c.Token, c.Expiry.UTC().Format("2006-01-02T15:04:05Z")}
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

func marshal(v any) []byte {
	b, err := xml.Marshal(v)
	if err != nil {
		panic("stsemu: marshal response: " + err.Error())
	}
	return append([]byte(xml.Header), b...)
}

func (s *Server) getSessionToken(c caller, p url.Values, reqID string) ([]byte, *apiError) {
	d, err := duration(p, 900, 129600, 43200)
	if err != nil {
		return nil, err
	}
	serial, code, withMFA, err := mfaParams(p)
	if err != nil {
		return nil, err
	}
	if c.cred != nil {
		return nil, errAccessDenied("Cannot call GetSessionToken with session credentials")
	}
	if withMFA {
		if err := s.checkMFA(c.user, serial, code); err != nil {
			return nil, err
		}
	}
	cred := s.issue(&issued{User: c.user, MFA: withMFA}, d)
	type result struct {
		Credentials credentialsXML
	}
	return marshal(struct {
		XMLName xml.Name         `xml:"GetSessionTokenResponse"`
		Xmlns   string           `xml:"xmlns,attr"`
		Result  result           `xml:"GetSessionTokenResult"`
		Meta    responseMetadata `xml:"ResponseMetadata"`
	}{Xmlns: xmlns, Result: result{credXML(cred)}, Meta: responseMetadata{reqID}}), nil
}

func (s *Server) assumeRole(c caller, p url.Values, reqID string) ([]byte, *apiError) {
	roleARN := p.Get("RoleArn")
	if !p.Has("RoleArn") {
		return nil, validationf("Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
	}
	if len(roleARN) < 20 || len(roleARN) > 2048 {
		return nil, validationf("Value at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048")
	}
	session := p.Get("RoleSessionName")
	if !p.Has("RoleSessionName") {
		return nil, validationf("Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
	}
	if !sessionNameRe.MatchString(session) {
		return nil, validationf("Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64 and satisfy regular expression pattern: [\\w+=,.@-]*", safeText(session, 80))
	}
	if ext := p.Get("ExternalId"); p.Has("ExternalId") && (len(ext) < 2 || len(ext) > 1224 || !externalIDRe.MatchString(ext)) {
		return nil, validationf("Value at 'externalId' failed to satisfy constraint: Member must have length between 2 and 1224 and satisfy regular expression pattern: [\\w+=,.@:\\/-]*")
	}
	d, err := duration(p, 900, 43200, 3600)
	if err != nil {
		return nil, err
	}
	serial, code, withMFA, err := mfaParams(p)
	if err != nil {
		return nil, err
	}
	denied := errAccessDenied(fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.arn(), safeText(roleARN, 2048)))
	s.mu.Lock()
	role := s.roles[roleARN]
	s.mu.Unlock()
	if role == nil || !trusts(role, c.principal()) {
		return nil, denied
	}
	if role.ExternalID != "" && !hmac.Equal([]byte(p.Get("ExternalId")), []byte(role.ExternalID)) {
		return nil, denied
	}
	mfa := c.mfa()
	if withMFA {
		if err := s.checkMFA(c.user, serial, code); err != nil {
			return nil, err
		}
		mfa = true
	}
	if role.RequireMFA && !mfa {
		return nil, denied
	}
	max := role.MaxSessionDuration
	if max == 0 {
		max = 3600
	}
	if c.cred != nil && d > 3600 {
		return nil, errValidation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if d > max {
		return nil, errValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	cred := s.issue(&issued{User: c.user, Role: role, SessionName: session, MFA: mfa, Chained: c.cred != nil}, d)
	type assumedRoleUser struct {
		AssumedRoleID string `xml:"AssumedRoleId"`
		Arn           string
	}
	type result struct {
		Credentials      credentialsXML
		AssumedRoleUser  assumedRoleUser
		PackedPolicySize *int `xml:",omitempty"`
	}
	res := result{
		Credentials:     credXML(cred),
		AssumedRoleUser: assumedRoleUser{uniqueID("AROA", role.ARN) + ":" + session, assumedRoleARN(role, session)},
	}
	if pol := p.Get("Policy"); pol != "" {
		// Percentage of the packed session policy limit, roughly as STS
		// reports it; the policy itself is not evaluated.
		n := min(100, len(pol)*100/2048)
		res.PackedPolicySize = &n
	}
	return marshal(struct {
		XMLName xml.Name         `xml:"AssumeRoleResponse"`
		Xmlns   string           `xml:"xmlns,attr"`
		Result  result           `xml:"AssumeRoleResult"`
		Meta    responseMetadata `xml:"ResponseMetadata"`
	}{Xmlns: xmlns, Result: res, Meta: responseMetadata{reqID}}), nil
}

// trusts reports whether role's trust policy admits principal.
func trusts(role *Role, principal string) bool {
	for _, t := range role.TrustedPrincipals {
		if t == "*" || t == principal {
			return true
		}
		if rootARNRe.MatchString(t) && account(t) == account(principal) {
			return true
		}
	}
	return false
}

func (s *Server) getCallerIdentity(c caller, reqID string) ([]byte, *apiError) {
	type result struct {
		UserID  string `xml:"UserId"`
		Account string
		Arn     string
	}
	res := result{Arn: c.arn()}
	if c.cred != nil && c.cred.Role != nil {
		res.UserID = uniqueID("AROA", c.cred.Role.ARN) + ":" + c.cred.SessionName
		res.Account = account(c.cred.Role.ARN)
	} else {
		res.UserID = uniqueID("AIDA", c.user.ARN)
		res.Account = account(c.user.ARN)
	}
	return marshal(struct {
		XMLName xml.Name         `xml:"GetCallerIdentityResponse"`
		Xmlns   string           `xml:"xmlns,attr"`
		Result  result           `xml:"GetCallerIdentityResult"`
		Meta    responseMetadata `xml:"ResponseMetadata"`
	}{Xmlns: xmlns, Result: res, Meta: responseMetadata{reqID}}), nil
}

// errorXML renders an ErrorResponse document.
func errorXML(e *apiError, reqID string) []byte {
	type errXML struct {
		Type    string
		Code    string
		Message string
	}
	return marshal(struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		Xmlns     string   `xml:"xmlns,attr"`
		Error     errXML
		RequestID string `xml:"RequestId"`
	}{Xmlns: xmlns, Error: errXML{e.errType(), e.Code, e.Message}, RequestID: reqID})
}
