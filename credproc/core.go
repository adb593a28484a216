package credproc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/stslib/stslib-proc/cache"
)

// Options configure a [Core]. The zero value of every field has a sensible
// default, except Paths.
type Options struct {
	// Paths are the AWS config and credentials files.
	Paths Paths
	// Config is stslib's config.yml (defaults when zero).
	Config Config
	// SourceProfile is the source of SessionToken, like StsCore's
	// profile_name; Config.SourceProfile when empty.
	SourceProfile string
	// SessionName is the role_session_name for profiles that set none.
	SessionName string

	// StateDir is the user's state directory (shared by every data
	// directory): where the record of MFA codes already sent is kept, so
	// no code is sent twice by any of the user's processes. Empty: the
	// cache directory.
	StateDir string

	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// NewSTS returns the STS client for one call; when nil, a pool that
	// keeps one client (and its connections) per region and endpoint
	// ([STSPool]). It is the seam for fakes.
	NewSTS func(STSConfig) STSAPI
	// Cache stores sessions and role credentials. When nil, New uses a
	// cache held in memory (index and locks included), so nothing outlives
	// the process and nothing is written.
	Cache *cache.Cache

	// MFACode is a code given up front (--mfa-code, STSLIB_MFA_CODE).
	MFACode string
	// Prompt asks a person for a code; nil when nobody can answer.
	Prompt func(ctx context.Context, profile, serial string) (string, error)
	// Getenv and Environ read the environment (credential_source =
	// Environment, AWS_ENDPOINT_URL*, children's environment); empty when
	// nil.
	Getenv  func(string) string
	Environ func() []string

	// Warn receives one-line warnings (stale record served, duration
	// clamped); Debug receives one line per STS call. Never secrets.
	Warn  func(msg string)
	Debug func(msg string)

	// Progress, when set, is told about each role of Credentials as it
	// finishes (err nil on success): for progress lines on a terminal.
	Progress func(profile string, took time.Duration, err error)

	// Timeout bounds all STS work of one call (default 25 s, well under
	// the SDKs' 60 s credential_process timeout).
	Timeout time.Duration
}

// Core is the Go form of stslib's StsCore: one MFA session for a source
// profile, turned into credentials for many role profiles. It is safe for
// concurrent use.
type Core struct {
	opts Options

	mu       sync.Mutex
	resolver *Resolver
	usedMFA  usedCodes // codes sent, never sent twice (mfaused.go)
}

// New returns a Core. It has no side effects: it reads, writes and
// creates nothing until it is used.
func New(opts Options) *Core {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NewSTS == nil {
		opts.NewSTS = new(STSPool).Client
	}
	// Every zero field of a partial Config means its default.
	opts.Config = opts.Config.withDefaults()
	if opts.Cache == nil {
		// In memory only: no file, directory or keyring is touched.
		opts.Cache = &cache.Cache{Backend: newMemBackend(), Now: opts.Now}
	}
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	if opts.Environ == nil {
		opts.Environ = func() []string { return nil }
	}
	if opts.Warn == nil {
		opts.Warn = func(string) {}
	}
	if opts.Debug == nil {
		opts.Debug = func(string) {}
	}
	if opts.Timeout == 0 {
		opts.Timeout = 25 * time.Second
	}
	if opts.SourceProfile == "" {
		opts.SourceProfile = opts.Config.SourceProfile
	}
	return &Core{opts: opts}
}

// withDefaults fills the zero fields of c from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Format == "" {
		c.Format = d.Format
	}
	if c.Prefix == "" {
		c.Prefix = d.Prefix
	}
	if c.RefreshWindow == 0 {
		c.RefreshWindow = d.RefreshWindow
	}
	if c.Keyring == "" {
		c.Keyring = d.Keyring
	}
	if c.SessionDuration == 0 {
		c.SessionDuration = d.SessionDuration
	}
	if c.SessionNotice == 0 {
		c.SessionNotice = d.SessionNotice
	}
	return c
}

// Resolver returns the resolver over the AWS files, reading them once.
func (c *Core) Resolver() (*Resolver, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.resolver != nil {
		return c.resolver, nil
	}
	r, err := NewResolver(c.opts.Paths)
	if err != nil {
		return nil, err
	}
	r.SessionName = c.opts.SessionName
	r.Getenv = c.opts.Getenv
	c.resolver = r
	return r, nil
}

// Key returns the map key of a profile, "sts-<profile>" by default.
func (c *Core) Key(profile string) string { return c.opts.Config.Prefix + profile }

// Role returns credentials for a role profile: served from the cache while
// more than the refresh window is left, refreshed otherwise. When a refresh
// fails but the cached credentials are still valid, they are returned with
// a warning through Options.Warn.
func (c *Core) Role(ctx context.Context, profile string) (*Credentials, error) {
	creds, _, err := c.RoleSlot(ctx, profile)
	return creds, err
}

// Slot is where a role's credentials live in the cache: the key, and the
// configured refresh window from which each record's own window and
// refresh-ahead band are scaled ([cache.Window], [cache.Ahead]); computed
// once for each call (see [Core.RoleSlot]).
type Slot struct {
	Key    string
	Window time.Duration
}

// RoleSlot is Role, also returning the cache slot that served it, for
// callers that remember where a profile lives (the warm path's alias).
func (c *Core) RoleSlot(ctx context.Context, profile string) (*Credentials, Slot, error) {
	p, err := c.resolve(profile)
	if err != nil {
		return nil, Slot{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	slot, dur := c.slot(p)
	creds, err := c.role(ctx, p, slot, dur)
	return creds, slot, err
}

// resolve resolves profile with the Core's resolver.
func (c *Core) resolve(profile string) (*Profile, error) {
	r, err := c.Resolver()
	if err != nil {
		return nil, err
	}
	return r.Resolve(profile)
}

// slot computes a role's cache slot and the duration asked of STS: the
// one place either is worked out.
func (c *Core) slot(p *Profile) (Slot, int32) {
	dur := c.roleDuration(p)
	return Slot{Key: p.CacheKey(), Window: c.opts.Config.RefreshWindow}, dur
}

// roleDuration is the lifetime asked of AssumeRole: duration_seconds
// (default 1 h), at most 1 h because the caller signs with temporary
// credentials (a session token or another role).
func (c *Core) roleDuration(p *Profile) int32 {
	d := p.DurationSeconds
	if p.durationIgnored {
		c.opts.Warn(fmt.Sprintf("profile %s (%s): duration_seconds is not a whole number; ignored, as the AWS CLI ignores it (1 h)", p.Name, p.File))
	}
	if d == 0 {
		return 3600
	}
	if d > 3600 {
		c.opts.Warn(fmt.Sprintf("profile %s: duration_seconds %d clamped to 3600: roles assumed with a session token last at most 1 h", p.Name, d))
		return 3600
	}
	return int32(d)
}

// Window is the refresh window for credentials of the given lifetime.
func (c *Core) Window(lifetime time.Duration) time.Duration {
	return cache.Window(lifetime, c.opts.Config.RefreshWindow)
}

func (c *Core) role(ctx context.Context, p *Profile, slot Slot, dur int32) (*Credentials, error) {
	e, warn, err := c.roleWith(ctx, p, slot, dur, c.opts.Cache.Fetch)
	return c.served(p.Name, e, warn, err)
}

// RefreshAhead refreshes a role's credentials when they are inside their
// refresh-ahead band (see [cache.Ahead]), so that the next call finds new
// ones, and returns them; otherwise it does nothing and returns nil (it
// then reads only the non-secret index). It never prompts: a session that needs
// an MFA code is an error. Background refreshers (a detached stslib-proc,
// exec's and serve's endpoints) call it.
func (c *Core) RefreshAhead(ctx context.Context, profile string) (*Credentials, error) {
	p, err := c.resolve(profile)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	slot, dur := c.slot(p)
	if ie, err := c.opts.Cache.Index(slot.Key); err == nil &&
		!cache.NeedsAhead(&cache.Entry{Start: ie.Start, Expires: ie.Expires}, slot.Window, c.opts.Now()) {
		return nil, nil // not due: nothing read, nothing asked
	}
	e, warn, err := c.roleWith(WithoutPrompt(ctx), p, slot, dur, c.opts.Cache.FetchAhead)
	var se *cache.StoreError
	switch {
	case err != nil:
		return nil, err
	case warn != nil && !errors.As(warn, &se):
		// The current record is still valid, but the refresh failed (or
		// failed less than a minute ago): the caller logs it.
		return nil, fmt.Errorf("profile %s: refresh ahead: %w", p.Name, warn)
	}
	return c.served(p.Name, e, warn, nil)
}

// SessionEnd returns the source profile behind a role profile and when its
// cached MFA session ends; ok is false when there is no session. It reads
// only the non-secret index.
func (c *Core) SessionEnd(profile string) (source string, end time.Time, ok bool, err error) {
	p, err := c.resolve(profile)
	if err != nil {
		return "", time.Time{}, false, err
	}
	ie, err := c.opts.Cache.Index(p.SessionKey())
	if err != nil {
		return p.Root().Name, time.Time{}, false, nil
	}
	return p.Root().Name, ie.Expires, true, nil
}

// WithoutPrompt marks ctx so that no call made with it asks a person for
// an MFA code (a credential endpoint answering an SDK, a background
// refresh): a session that needs one is a NeedMFAError instead.
func WithoutPrompt(ctx context.Context) context.Context {
	return context.WithValue(ctx, noPromptKey{}, true)
}

// noPromptKey marks a context in which nobody may be asked for a code.
type noPromptKey struct{}

type fetchFunc func(ctx context.Context, key string, def time.Duration,
	refresh func(context.Context, *cache.Entry) (*cache.Entry, error)) (*cache.Entry, error, error)

func (c *Core) roleWith(ctx context.Context, p *Profile, slot Slot, dur int32, fetch fetchFunc) (*cache.Entry, error, error) {
	return fetch(ctx, slot.Key, slot.Window,
		func(ctx context.Context, stale *cache.Entry) (*cache.Entry, error) {
			creds, err := c.assume(ctx, p, dur)
			if err != nil {
				return nil, err
			}
			return c.entry(slot.Key, "vault", p.Name, creds)
		})
}

func (c *Core) served(profile string, e *cache.Entry, warn, err error) (*Credentials, error) {
	if err != nil {
		return nil, err
	}
	var se *cache.StoreError
	switch {
	case warn == nil, errors.Is(warn, cache.ErrBackoff):
		// Quiet: the failure was reported when it happened.
	case errors.As(warn, &se):
		c.opts.Warn(fmt.Sprintf("profile %s: %v (the credentials are fine; the next call asks STS again)", profile, se))
	default:
		c.opts.Warn(fmt.Sprintf("refresh failed, serving cached credentials valid until %s: %v", e.Expires.UTC().Format(time.RFC3339), warn))
	}
	creds, err := decodeRecord(profile, e.Data)
	if err != nil {
		return nil, fmt.Errorf("profile %s: cache: %v", profile, err)
	}
	return creds, nil
}

func (c *Core) entry(key, kind, profile string, creds *Credentials) (*cache.Entry, error) {
	data, err := encodeRecord(creds)
	if err != nil {
		return nil, err
	}
	return &cache.Entry{Key: key, Kind: kind, Profile: profile, Data: data, Start: creds.Start, Expires: creds.End}, nil
}

// assume calls AssumeRole for p with the credentials of its source,
// dropping a session that STS says is gone and trying once more.
func (c *Core) assume(ctx context.Context, p *Profile, dur int32) (*Credentials, error) {
	for attempt := 0; ; attempt++ {
		src, viaSession, err := c.sourceCreds(ctx, p)
		if err != nil {
			return nil, err
		}
		in := &sts.AssumeRoleInput{
			RoleArn:         aws.String(p.RoleARN),
			RoleSessionName: aws.String(p.RoleSessionName),
			DurationSeconds: aws.Int32(dur),
		}
		if p.ExternalID != "" {
			in.ExternalId = aws.String(p.ExternalID)
		}
		if !viaSession && src.Session != "" && p.MFASerial != "" {
			// Temporary source credentials from another tool cannot get a
			// session token: the MFA goes straight into AssumeRole.
			code, err := c.mfaCode(ctx, p, p.MFASerial)
			if err != nil {
				return nil, err
			}
			in.SerialNumber, in.TokenCode = aws.String(p.MFASerial), aws.String(code)
		}
		out, err := c.call(ctx, p, src, "AssumeRole", func(api STSAPI) (any, error) { return api.AssumeRole(ctx, in) })
		if err != nil {
			code := apiCode(err)
			if viaSession && attempt == 0 && (code == "ExpiredToken" || code == "InvalidClientTokenId") {
				c.opts.Warn(fmt.Sprintf("session of %s %s; starting a new one", p.Root().Name, map[string]string{"ExpiredToken": "has expired", "InvalidClientTokenId": "was revoked"}[code]))
				if derr := c.opts.Cache.Delete(p.SessionKey()); derr != nil && !errors.Is(derr, cache.ErrMiss) {
					return nil, derr
				}
				continue
			}
			return nil, err
		}
		o := out.(*sts.AssumeRoleOutput)
		creds := fromSTS(p.Name, o.Credentials, c.opts.Now())
		if o.AssumedRoleUser != nil {
			creds.ARN = aws.ToString(o.AssumedRoleUser.Arn)
			creds.AccountID = accountOf(creds.ARN)
		}
		return creds, nil
	}
}

// sourceCreds returns the credentials that assume p: another role's (role
// chaining), the source's MFA session, or temporary credentials the source
// already holds. viaSession reports a cached session.
func (c *Core) sourceCreds(ctx context.Context, p *Profile) (creds *Credentials, viaSession bool, err error) {
	s := p.Source
	if s.IsRole() {
		slot, dur := c.slot(s)
		creds, err := c.role(ctx, s, slot, dur)
		return creds, false, err
	}
	base, err := c.baseCreds(ctx, s)
	if err != nil {
		return nil, false, err
	}
	if base.Session != "" {
		return base, false, nil
	}
	creds, err = c.session(ctx, p, base, false)
	return creds, true, err
}

// baseCreds returns the source profile's own credentials.
func (c *Core) baseCreds(ctx context.Context, s *Profile) (*Credentials, error) {
	switch s.kind {
	case kindEnvironment:
		id, secret := c.opts.Getenv("AWS_ACCESS_KEY_ID"), c.opts.Getenv("AWS_SECRET_ACCESS_KEY")
		if id == "" || secret == "" {
			return nil, fmt.Errorf("profile %s: credential_source = Environment but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set", s.Name)
		}
		return &Credentials{Profile: s.Name, AccessKey: id, SecretKey: Secret(secret), Session: Secret(c.opts.Getenv("AWS_SESSION_TOKEN"))}, nil
	case kindProcess:
		out, err := c.runCommand(ctx, s.Name, "credential_process", s.CredentialProcess)
		if err != nil {
			return nil, err
		}
		return processCredentials(s.Name, out)
	case kindStatic:
		return &Credentials{Profile: s.Name, AccessKey: s.keys.id, SecretKey: s.keys.secret, Session: s.keys.token}, nil
	}
	return nil, fmt.Errorf("profile %s (%s): %w", s.Name, s.File, ErrNoSource)
}

// session returns the source's MFA session for p's chain, from the cache
// or by GetSessionToken. force skips the cache (login).
func (c *Core) session(ctx context.Context, p *Profile, base *Credentials, force bool) (*Credentials, error) {
	root := p.Root()
	serial := p.SessionMFASerial()
	key := p.SessionKey()
	dur := c.opts.Config.SessionDuration
	refresh := func(ctx context.Context, stale *cache.Entry) (*cache.Entry, error) {
		creds, err := c.getSessionToken(ctx, p, base, serial, dur, "")
		if err != nil {
			return nil, err
		}
		return c.entry(key, "session", root.Name, creds)
	}
	if force {
		e, err := refresh(ctx, nil)
		if err != nil {
			return nil, err
		}
		if err := c.opts.Cache.Put(e); err != nil {
			return nil, err
		}
		return decodeRecord(root.Name, e.Data)
	}
	e, warn, err := c.opts.Cache.Fetch(ctx, key, c.opts.Config.RefreshWindow, refresh)
	return c.served(root.Name, e, warn, err)
}

func (c *Core) getSessionToken(ctx context.Context, p *Profile, base *Credentials, serial string, dur time.Duration, code string) (*Credentials, error) {
	root := p.Root()
	in := &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(int32(dur / time.Second))}
	if serial != "" {
		var err error
		if code == "" {
			code, err = c.mfaCode(ctx, p, serial)
			if err != nil {
				return nil, err
			}
		}
		in.SerialNumber, in.TokenCode = aws.String(serial), aws.String(code)
	}
	out, err := c.call(ctx, p, base, "GetSessionToken", func(api STSAPI) (any, error) { return api.GetSessionToken(ctx, in) })
	if err != nil {
		if serial != "" && apiCode(err) == "AccessDenied" {
			return nil, fmt.Errorf("session for %s: %w by STS (AccessDenied): check the device %s and the clock, and wait for a new code", root.Name, ErrMFARejected, serial)
		}
		return nil, err
	}
	o := out.(*sts.GetSessionTokenOutput)
	return fromSTS(root.Name, o.Credentials, c.opts.Now()), nil
}

// call runs one STS call with the endpoint and region of p's chain (those
// of the profile asked for, as botocore uses one client for the whole
// chain), logging it through Debug without secrets.
func (c *Core) call(ctx context.Context, p *Profile, creds *Credentials, action string, fn func(STSAPI) (any, error)) (any, error) {
	cfg := c.stsConfig(p)
	cfg.Credentials = creds
	start := time.Now()
	out, err := fn(c.opts.NewSTS(cfg))
	outcome := "ok"
	if err != nil {
		err = stsError(fmt.Sprintf("profile %s: %s", p.Name, action), err)
		outcome = "error: " + err.Error()
	}
	c.opts.Debug(fmt.Sprintf("sts %s profile=%s key=%s region=%s took=%s %s", action, p.Name, MaskKeyID(creds.AccessKey), cfg.Region, time.Since(start).Round(time.Millisecond), outcome))
	return out, err
}

// stsConfig is where p's STS calls go: the region and endpoint resolved
// for the profile asked for (see [Resolver.Resolve]).
func (c *Core) stsConfig(p *Profile) STSConfig {
	top := p.caller
	if top == nil {
		top = p
	}
	return STSConfig{Region: top.stsRegion, Endpoint: top.stsEndpoint, CABundle: p.CABundle()}
}

// mfaCode gets a code for serial: Options.MFACode, then mfa_process (the
// source's, the role's, then config.yml's), then the prompt. It never
// hands out the same code twice in one process.
func (c *Core) mfaCode(ctx context.Context, p *Profile, serial string) (string, error) {
	root := p.Root()
	code := c.opts.MFACode
	switch {
	case code != "":
		if !ValidMFACode(code) {
			return "", fmt.Errorf("session for %s: the MFA code must be 6 digits", root.Name)
		}
	case c.mfaProcess(p) != "":
		var err error
		code, err = c.runMFAProcess(ctx, p, serial)
		if err != nil {
			return "", err
		}
	case c.opts.Prompt != nil && ctx.Value(noPromptKey{}) == nil:
		var err error
		code, err = c.opts.Prompt(ctx, root.Name, serial)
		if err != nil {
			return "", fmt.Errorf("session for %s: %w", root.Name, err)
		}
		if !ValidMFACode(code) {
			return "", fmt.Errorf("session for %s: the MFA code must be 6 digits", root.Name)
		}
	default:
		return "", &NeedMFAError{Source: root.Name, Serial: serial}
	}
	if c.codeUsed(serial, code) {
		return "", fmt.Errorf("session for %s: this MFA code was used already; wait for the next one", root.Name)
	}
	c.markUsed(serial, code)
	return code, nil
}

func (c *Core) mfaProcess(p *Profile) string {
	if s := p.Root().MFAProcess; s != "" {
		return s
	}
	for q := p; q != nil; q = q.Source {
		if q.MFAProcess != "" {
			return q.MFAProcess
		}
	}
	return c.opts.Config.MFAProcess
}

// runMFAProcess runs mfa_process. A code already sent for this device is
// never sent again: it waits (up to one TOTP step) for the next code.
func (c *Core) runMFAProcess(ctx context.Context, p *Profile, serial string) (string, error) {
	root := p.Root()
	if err := c.checkMFAProcess(p); err != nil {
		return "", err
	}
	deadline := time.Now().Add(35 * time.Second)
	for {
		out, err := c.runCommand(ctx, root.Name, "mfa_process", c.mfaProcess(p))
		if err != nil {
			return "", err
		}
		code := string(trimSpace(out))
		if !ValidMFACode(code) {
			return "", fmt.Errorf("session for %s: mfa_process must print a 6-digit code", root.Name)
		}
		if !c.codeUsed(serial, code) {
			return code, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("session for %s: mfa_process keeps printing a code that was used already", root.Name)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\n' || b[0] == '\r' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// NeedMFAError says that a session needs an MFA code and nothing can give
// one (no --mfa-code, no mfa_process, no terminal).
type NeedMFAError struct {
	Source string
	Serial string
}

func (e *NeedMFAError) Error() string {
	return fmt.Sprintf("session for %s needs an MFA code", e.Source)
}

// Is makes errors.Is(err, ErrNeedMFA) true.
func (e *NeedMFAError) Is(target error) bool { return target == ErrNeedMFA }

func fromSTS(profile string, c *types.Credentials, now time.Time) *Credentials {
	if c == nil {
		return &Credentials{Profile: profile, Start: now.UTC()}
	}
	return &Credentials{
		Profile: profile, Start: now.UTC().Truncate(time.Second), End: aws.ToTime(c.Expiration).UTC(),
		AccessKey: aws.ToString(c.AccessKeyId), SecretKey: Secret(aws.ToString(c.SecretAccessKey)),
		Session: Secret(aws.ToString(c.SessionToken)),
	}
}

// accountOf returns the account ID in an ARN.
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}
