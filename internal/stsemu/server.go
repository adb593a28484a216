package stsemu

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	mrand "math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

const (
	apiVersion = "2011-06-15"
	xmlns      = "https://sts.amazonaws.com/doc/2011-06-15/"
	// maxBody bounds a request body; real STS requests are a few KiB at most.
	maxBody = 1 << 20
)

// Server is the STS emulator. It is an [http.Handler]; [Start] also runs
// it on a loopback listener. All methods are safe for concurrent use.
type Server struct {
	users map[string]*User // by access key ID
	roles map[string]*Role // by ARN
	// region the credential scope must name; "" accepts any.
	region string

	mu        sync.Mutex
	latency   time.Duration
	offset    time.Duration
	faults    []*faultState
	stats     map[string]int
	calls     []Call
	issued    map[string]*issued        // by temporary access key ID
	usedSteps map[string]map[int64]bool // by user ARN: TOTP steps already used
	fed       federation                // the federation endpoint (federation.go)

	done         chan struct{}
	closeOnce    sync.Once
	srv          *http.Server
	url          string
	net          netState      // connection latency and counters (tls.go)
	roleLifetime time.Duration // cap on AssumeRole credentials (lifetime.go)
}

// issued is a set of temporary credentials the emulator handed out.
type issued struct {
	AccessKeyID string
	Secret      string
	Token       string
	Expiry      time.Time
	User        *User  // the IAM user at the start of the chain
	Role        *Role  // nil for GetSessionToken credentials
	SessionName string // AssumeRole RoleSessionName
	MFA         bool   // the session was MFA-authenticated
	Chained     bool   // AssumeRole called with temporary credentials (role chaining)
}

// Call is one request to an STS action as the emulator saw it.
type Call struct {
	Action      string
	AccessKeyID string
	// Params holds every request parameter, TokenCode included: tests need
	// it, and it must never be logged.
	Params url.Values
	Status int    // HTTP status; 0 for a reset or hung call
	Code   string // error code, "" on success, "Reset"/"Hang" for those faults
	Time   time.Time
}

// New returns a server for cfg. It panics if cfg is invalid (see
// [Config.Validate]); [Start] returns the error instead.
func New(cfg Config) *Server {
	s, err := newServer(cfg)
	if err != nil {
		panic("stsemu: invalid config: " + err.Error())
	}
	return s
}

func newServer(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{
		users:     map[string]*User{},
		roles:     map[string]*Role{},
		region:    cfg.Region,
		latency:   cfg.Latency,
		offset:    cfg.ClockOffset,
		stats:     map[string]int{},
		issued:    map[string]*issued{},
		usedSteps: map[string]map[int64]bool{},
		done:      make(chan struct{}),
	}
	for i := range cfg.Users {
		u := cfg.Users[i]
		s.users[u.AccessKeyID] = &u
	}
	for i := range cfg.Roles {
		r := cfg.Roles[i]
		r.TrustedPrincipals = append([]string(nil), r.TrustedPrincipals...)
		s.roles[r.ARN] = &r
	}
	return s, nil
}

// Start validates cfg and serves it on 127.0.0.1 at a free port.
func Start(cfg Config) (*Server, error) { return Listen(cfg, "127.0.0.1:0") }

// Listen validates cfg and serves it on addr (host:port).
func Listen(cfg Config, addr string) (*Server, error) {
	s, err := newServer(cfg)
	if err != nil {
		return nil, fmt.Errorf("stsemu: invalid config: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("stsemu: listen: %w", err)
	}
	s.url = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second, ConnState: s.countConn}
	go func() { _ = s.srv.Serve(delayedListener{ln, s}) }()
	return s, nil
}

// TB is the part of testing.TB that StartTest uses; the product binary
// (demo) links this package, so it does not import package testing.
type TB interface {
	Helper()
	Fatal(args ...any)
	Cleanup(func())
}

// StartTest starts a server for a test and closes it in t.Cleanup.
func StartTest(t TB, cfg Config) *Server {
	t.Helper()
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// URL is the server's base URL, e.g. "http://127.0.0.1:41234"; empty for a
// server made with [New] that is not listening.
func (s *Server) URL() string { return s.url }

// Close stops the listener, releases hung and delayed requests and closes
// all connections.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.done)
		if s.srv != nil {
			err = s.srv.Close()
		}
	})
	return err
}

// SetLatency sets the delay added before each STS action is handled.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	s.latency = d
	s.mu.Unlock()
}

// SetClockOffset shifts the server clock by d.
func (s *Server) SetClockOffset(d time.Duration) {
	s.mu.Lock()
	s.offset = d
	s.mu.Unlock()
}

// Now is the server clock: the real time plus the clock offset.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Now().Add(s.offset)
}

// IssuedExpiry reports the expiry of temporary credentials the server
// issued.
func (s *Server) IssuedExpiry(accessKeyID string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.issued[accessKeyID]
	if !ok {
		return time.Time{}, false
	}
	return c.Expiry, true
}

// ExpireAll makes every temporary credential issued so far expired, so
// that using it gets ExpiredToken.
func (s *Server) ExpireAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := time.Now().Add(s.offset).Add(-time.Second)
	for _, c := range s.issued {
		c.Expiry = past
	}
}

// Stats returns the number of calls per action (failed and faulted ones
// included) and, under "Faults", the number of injected faults.
func (s *Server) Stats() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.stats))
	for k, v := range s.stats {
		out[k] = v
	}
	return out
}

// Calls returns the calls handled so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		c.Params = cloneValues(c.Params)
		out[i] = c
	}
	return out
}

// ResetStats clears the counters and the call log.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = map[string]int{}
	s.calls = nil
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// ServeHTTP answers STS Query requests, the federation endpoint
// (federation.go) and the /__ control endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/__") {
		s.serveControl(w, r)
		return
	}
	if r.URL.Path == FederationPath {
		s.serveFederation(w, r)
		return
	}
	reqID := newRequestID()
	res := s.handle(w, r, reqID)
	if res.hijacked {
		return
	}
	h := w.Header()
	h.Set("x-amzn-RequestId", reqID)
	h.Set("Date", s.Now().UTC().Format(http.TimeFormat))
	h.Set("Content-Type", "text/xml")
	body := res.body
	if res.err != nil {
		body = errorXML(res.err, reqID)
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(res.status())
	_, _ = w.Write(body)
}

type result struct {
	body     []byte
	err      *apiError
	hijacked bool // the fault took over the connection
}

func (r result) status() int {
	if r.err != nil {
		return r.err.Status
	}
	return http.StatusOK
}

// handle runs one STS request up to the response body. It records the
// call before returning, so a client that got its answer sees it in Calls.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, reqID string) (res result) {
	params, perr := readParams(r)
	action := params.Get("Action")
	akid := ""
	if a, err := parseAuthorization(r.Header.Get("Authorization")); err == nil {
		akid = a.AccessKeyID
	}
	key := action
	if key == "" {
		key = "(none)"
	}
	s.mu.Lock()
	s.stats[key]++
	latency := s.latency
	s.mu.Unlock()

	call := Call{Action: action, AccessKeyID: akid, Params: params.Values}
	record := func(status int, code string) {
		call.Status, call.Code, call.Time = status, code, s.Now()
		s.mu.Lock()
		s.calls = append(s.calls, call)
		s.mu.Unlock()
	}
	defer func() {
		switch {
		case res.hijacked:
		case res.err != nil:
			record(res.err.Status, res.err.Code)
		default:
			record(http.StatusOK, "")
		}
	}()

	if latency > 0 {
		t := time.NewTimer(latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return result{err: errInternal}
		case <-s.done:
			return result{err: errUnavailable}
		}
	}

	if kind, ok := s.pickFault(action); ok {
		switch kind {
		case FaultInternal500:
			return result{err: errInternal}
		case FaultUnavailable503:
			return result{err: errUnavailable}
		case FaultThrottle:
			return result{err: errThrottling}
		case FaultReset:
			record(0, "Reset")
			resetConn(w)
			return result{hijacked: true}
		case FaultHang:
			record(0, "Hang")
			select {
			case <-r.Context().Done():
			case <-s.done:
			}
			resetConn(w)
			return result{hijacked: true}
		}
	}

	if perr != nil {
		return result{err: perr}
	}
	c, err := s.authenticate(r, params.body)
	if err != nil {
		return result{err: err}
	}
	if action == "" {
		return result{err: newErr(http.StatusBadRequest, "MissingAction", "Missing Action")}
	}
	v := params.Get("Version")
	if v != apiVersion {
		if v == "" {
			v = "NO_VERSION_SPECIFIED"
		}
		return result{err: newErr(http.StatusBadRequest, "InvalidAction",
			fmt.Sprintf("Could not find operation %s for version %s", action, v))}
	}
	var body []byte
	switch action {
	case "GetSessionToken":
		body, err = s.getSessionToken(c, params.Values, reqID)
	case "AssumeRole":
		body, err = s.assumeRole(c, params.Values, reqID)
	case "GetCallerIdentity":
		body, err = s.getCallerIdentity(c, reqID)
	default:
		err = newErr(http.StatusBadRequest, "InvalidAction",
			fmt.Sprintf("Could not find operation %s for version %s", action, v))
	}
	return result{body: body, err: err}
}

// resetConn aborts the connection with a TCP RST.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// requestParams are the Query parameters of a request plus its raw body.
type requestParams struct {
	url.Values
	body []byte
}

// readParams merges the query string and a form-encoded body. The error
// is kept for after fault handling; the values are best effort.
func readParams(r *http.Request) (requestParams, *apiError) {
	p := requestParams{Values: url.Values{}}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return p, newErr(http.StatusBadRequest, "InvalidAction", "The HTTP method "+safeText(r.Method, 16)+" is not supported; use POST or GET.")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return p, newErr(http.StatusBadRequest, "MalformedQueryString", "The request body could not be read.")
	}
	if len(body) > maxBody {
		return p, newErr(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request body is too large.")
	}
	p.body = body
	var perr *apiError
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		perr = newErr(http.StatusNotFound, "MalformedQueryString", "The query string contains a syntax error.")
	}
	for k, vs := range q {
		p.Values[k] = append(p.Values[k], vs...)
	}
	if len(body) > 0 {
		mt, _, merr := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if merr != nil || mt != "application/x-www-form-urlencoded" {
			if perr == nil {
				perr = newErr(http.StatusBadRequest, "MalformedQueryString", "The request body must be application/x-www-form-urlencoded.")
			}
			return p, perr
		}
		f, err := url.ParseQuery(string(body))
		if err != nil && perr == nil {
			perr = newErr(http.StatusNotFound, "MalformedQueryString", "The request body contains a syntax error.")
		}
		for k, vs := range f {
			p.Values[k] = append(p.Values[k], vs...)
		}
	}
	return p, perr
}

// safeText shortens client-supplied text quoted in a message.
func safeText(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "?")
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		x, _ := rand.Int(rand.Reader, max)
		b[i] = alphabet[x.Int64()]
	}
	return string(b)
}

// ---- faults ----

// FaultKind is a kind of injected failure.
type FaultKind int

const (
	// FaultInternal500 answers 500 InternalFailure.
	FaultInternal500 FaultKind = iota
	// FaultUnavailable503 answers 503 ServiceUnavailable.
	FaultUnavailable503
	// FaultThrottle answers 400 Throttling "Rate exceeded".
	FaultThrottle
	// FaultReset aborts the TCP connection with a reset.
	FaultReset
	// FaultHang never answers, until the client gives up or the server
	// closes.
	FaultHang
)

var faultNames = []string{"internal500", "unavailable503", "throttle", "reset", "hang"}

// String names the kind as the control endpoint accepts it.
func (k FaultKind) String() string {
	if k >= 0 && int(k) < len(faultNames) {
		return faultNames[k]
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// MarshalText encodes the kind by name.
func (k FaultKind) MarshalText() ([]byte, error) {
	if k < 0 || int(k) >= len(faultNames) {
		return nil, fmt.Errorf("stsemu: unknown fault kind %d", int(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText accepts a name ("throttle") or a number ("2").
func (k *FaultKind) UnmarshalText(b []byte) error {
	for i, n := range faultNames {
		if strings.EqualFold(string(b), n) {
			*k = FaultKind(i)
			return nil
		}
	}
	var n int
	if _, err := fmt.Sscanf(string(b), "%d", &n); err == nil && n >= 0 && n < len(faultNames) {
		*k = FaultKind(n)
		return nil
	}
	return fmt.Errorf("stsemu: unknown fault kind %q (want one of %s)", safeText(string(b), 32), strings.Join(faultNames, ", "))
}

// UnmarshalJSON accepts a JSON string name or number.
func (k *FaultKind) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		return k.UnmarshalText([]byte(s))
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("stsemu: fault kind must be a string or a number")
	}
	return k.UnmarshalText([]byte(fmt.Sprint(n)))
}

// Fault describes failures to inject.
type Fault struct {
	// Action limits the fault to one action; "" matches every action.
	Action string `json:"Action,omitempty"`
	Kind   FaultKind
	// Rate is the fraction of matching calls that fail; 0 or 1 means all.
	Rate float64 `json:"Rate,omitempty"`
	// Count limits how many calls fail; 0 means unlimited.
	Count int `json:"Count,omitempty"`
}

type faultState struct {
	Fault
	used int
}

// InjectFault adds a fault. Faults are tried in the order added; the first
// that fires decides the call.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f})
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

func (s *Server) pickFault(action string) (FaultKind, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.Action != "" && f.Action != action {
			continue
		}
		if f.Count > 0 && f.used >= f.Count {
			continue
		}
		if f.Rate > 0 && f.Rate < 1 && mrand.Float64() >= f.Rate {
			continue
		}
		f.used++
		s.stats["Faults"]++
		return f.Kind, true
	}
	return 0, false
}

// ---- control endpoints ----

func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	fail := func(status int, msg string) { reply(status, map[string]string{"error": msg}) }
	duration := func() (time.Duration, bool) {
		d, err := time.ParseDuration(r.URL.Query().Get("d"))
		if err != nil {
			fail(http.StatusBadRequest, "query parameter d must be a Go duration such as 50ms")
			return 0, false
		}
		return d, true
	}
	switch {
	case r.URL.Path == "/__stats" && r.Method == http.MethodGet:
		reply(http.StatusOK, s.Stats())
	case r.URL.Path == "/__faults" && r.Method == http.MethodPost:
		var list []Fault
		dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&list); err != nil && !errors.Is(err, io.EOF) {
			fail(http.StatusBadRequest, "body must be a JSON list of faults: "+err.Error())
			return
		}
		s.ClearFaults()
		for _, f := range list {
			s.InjectFault(f)
		}
		reply(http.StatusOK, map[string]int{"faults": len(list)})
	case r.URL.Path == "/__latency" && r.Method == http.MethodPost:
		if d, ok := duration(); ok {
			if d < 0 {
				fail(http.StatusBadRequest, "latency must not be negative")
				return
			}
			s.SetLatency(d)
			reply(http.StatusOK, map[string]string{"latency": d.String()})
		}
	case r.URL.Path == "/__clock" && r.Method == http.MethodPost:
		if d, ok := duration(); ok {
			s.SetClockOffset(d)
			reply(http.StatusOK, map[string]string{"clock_offset": d.String()})
		}
	case r.URL.Path == "/__expire" && r.Method == http.MethodPost:
		s.ExpireAll()
		reply(http.StatusOK, map[string]bool{"expired": true})
	case r.URL.Path == "/__reset" && r.Method == http.MethodPost:
		s.ResetStats()
		reply(http.StatusOK, map[string]bool{"reset": true})
	default:
		fail(http.StatusNotFound, "unknown control endpoint; have GET /__stats, POST /__faults, /__latency?d=, /__clock?d=, /__expire, /__reset")
	}
}
