package stsemu

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	sigAlgorithm  = "AWS4-HMAC-SHA256"
	amzDateFormat = "20060102T150405Z"
	// signatureWindow is how far the signing time may be from the server
	// clock, as in real AWS.
	signatureWindow = 15 * time.Minute
)

// authHeader is a parsed SigV4 Authorization header.
type authHeader struct {
	AccessKeyID   string
	Date          string // yyyymmdd from the credential scope
	Region        string
	Service       string
	Terminator    string
	SignedHeaders string // as sent, e.g. "content-type;host;x-amz-date"
	Signature     string
}

// parseAuthorization parses "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
// Signature=…". Errors are IncompleteSignature API errors that never echo the
// header.
func parseAuthorization(h string) (authHeader, *apiError) {
	var a authHeader
	alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if alg != sigAlgorithm {
		return a, errIncompleteSignature("Unsupported AWS 'algorithm': only AWS4-HMAC-SHA256 is accepted.")
	}
	var cred, signed, sig string
	var seenCred, seenSigned, seenSig bool
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return a, errIncompleteSignature("Authorization header requires each component to have the form key=value.")
		}
		switch k {
		case "Credential":
			cred, seenCred = v, true
		case "SignedHeaders":
			signed, seenSigned = v, true
		case "Signature":
			sig, seenSig = v, true
		default:
			return a, errIncompleteSignature("Authorization header has an unknown component.")
		}
	}
	var missing []string
	if !seenCred {
		missing = append(missing, "Authorization header requires 'Credential' parameter.")
	}
	if !seenSig {
		missing = append(missing, "Authorization header requires 'Signature' parameter.")
	}
	if !seenSigned {
		missing = append(missing, "Authorization header requires 'SignedHeaders' parameter.")
	}
	if len(missing) > 0 {
		return a, errIncompleteSignature(strings.Join(missing, " "))
	}
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return a, errIncompleteSignature("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got " + strconv.Itoa(len(parts)) + ".")
	}
	if parts[0] == "" {
		return a, errIncompleteSignature("Credential must name an access key ID.")
	}
	if signed == "" {
		return a, errIncompleteSignature("Authorization header requires a non-empty 'SignedHeaders' parameter.")
	}
	if len(sig) != 64 {
		return a, errIncompleteSignature("Signature must be 64 hexadecimal characters.")
	}
	a = authHeader{
		AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3], Terminator: parts[4],
		SignedHeaders: signed, Signature: sig,
	}
	return a, nil
}

// canonicalRequest builds the SigV4 canonical request for r (whose body
// was read into body) using exactly the client's signed header list.
func canonicalRequest(r *http.Request, body []byte, signedHeaders string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	b.WriteString(uriEncode(path, false))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery))
	b.WriteByte('\n')
	for _, name := range strings.Split(signedHeaders, ";") {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(headerValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(signedHeaders)
	b.WriteByte('\n')
	sum := sha256.Sum256(body)
	b.WriteString(hex.EncodeToString(sum[:]))
	return b.String()
}

// headerValue is the canonical value of one signed header: values trimmed,
// inner whitespace runs collapsed, several values joined by commas.
func headerValue(r *http.Request, name string) string {
	var values []string
	switch name {
	case "host":
		values = []string{r.Host}
	case "content-length":
		values = r.Header.Values("Content-Length")
		if len(values) == 0 && r.ContentLength >= 0 {
			values = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	case "transfer-encoding":
		values = r.TransferEncoding
	default:
		values = r.Header.Values(name)
	}
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(out, ",")
}

// canonicalQuery sorts and re-encodes the raw query string per SigV4.
func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type kv struct{ k, v string }
	var pairs []kv
	for _, p := range strings.Split(raw, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		pairs = append(pairs, kv{uriEncode(k, true), uriEncode(v, true)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = p.k + "=" + p.v
	}
	return strings.Join(parts, "&")
}

// uriEncode percent-encodes every byte except the RFC 3986 unreserved ones
// (and '/' unless encodeSlash).
func uriEncode(s string, encodeSlash bool) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&15])
	}
	return b.String()
}

// signature computes the hex SigV4 signature of a canonical request.
func signature(secret, amzDate string, a authHeader, canonical string) string {
	scope := a.Date + "/" + a.Region + "/" + a.Service + "/" + a.Terminator
	sum := sha256.Sum256([]byte(canonical))
	sts := sigAlgorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	k := hmacSHA256([]byte("AWS4"+secret), a.Date)
	k = hmacSHA256(k, a.Region)
	k = hmacSHA256(k, a.Service)
	k = hmacSHA256(k, a.Terminator)
	return hex.EncodeToString(hmacSHA256(k, sts))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// requestTime reads the signing time from X-Amz-Date, or the Date header.
func requestTime(r *http.Request) (time.Time, string, *apiError) {
	if v := r.Header.Get("X-Amz-Date"); v != "" {
		t, err := time.Parse(amzDateFormat, v)
		if err != nil {
			return time.Time{}, "", errIncompleteSignature("Date must be in ISO-8601 'basic format'. See http://en.wikipedia.org/wiki/ISO_8601")
		}
		return t, v, nil
	}
	if v := r.Header.Get("Date"); v != "" {
		t, err := http.ParseTime(v)
		if err != nil {
			return time.Time{}, "", errIncompleteSignature("Date header must be an HTTP date.")
		}
		return t.UTC(), t.UTC().Format(amzDateFormat), nil
	}
	return time.Time{}, "", errIncompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
}
