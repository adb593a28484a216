package credproc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// SessionToken starts a new MFA session for the source profile
// (Options.SourceProfile), like stslib's generate_session_token, and stores
// it so later role calls reuse it. mfaCode may be empty when an mfa_process
// or a prompt can supply one.
func (c *Core) SessionToken(ctx context.Context, mfaCode string) (*Credentials, error) {
	if c.opts.SourceProfile == "" {
		return nil, errors.New("no source profile: pass one or set source_profile in config.yml")
	}
	return c.Login(ctx, c.opts.SourceProfile, mfaCode, 0)
}

// Login starts a new MFA session with duration d (config default when
// zero) and caches it where the role profiles look for it. name is a
// source profile, or a role profile whose chain leads to one.
//
// The session is the one the role profiles will use, with their MFA
// device and under their cache key: for a role, the session of its chain;
// for a source with mfa_serial, the source's; for a source without one,
// the session of the role profiles behind it that set mfa_serial (the
// layout the AWS documentation shows). When those roles name different
// devices, Login refuses ([ErrSeveralMFADevices]) and a role must be
// named. mfaCode (else Options.MFACode) is never silently dropped: when
// no device applies, a code is an error.
func (c *Core) Login(ctx context.Context, name, mfaCode string, d time.Duration) (*Credentials, error) {
	r, err := c.Resolver()
	if err != nil {
		return nil, err
	}
	p, err := r.ResolveSource(name)
	if err != nil {
		return nil, err
	}
	p, err = loginProfile(r, p)
	if err != nil {
		return nil, err
	}
	root, serial := p.Root(), p.SessionMFASerial()
	if serial == "" && (mfaCode != "" || c.opts.MFACode != "") {
		return nil, fmt.Errorf("session for %s: an MFA code was given but no mfa_serial applies (none on %s nor on a role profile that uses it), so it would not be sent; leave the code out, or add mfa_serial", root.Name, root.Name)
	}
	if serial != "" && mfaCode != "" {
		if !ValidMFACode(mfaCode) {
			return nil, fmt.Errorf("session for %s: the MFA code must be 6 digits", root.Name)
		}
		if c.codeUsed(serial, mfaCode) {
			return nil, fmt.Errorf("session for %s: this MFA code was used already; wait for the next one", root.Name)
		}
		c.markUsed(serial, mfaCode)
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	base, err := c.baseCreds(ctx, root)
	if err != nil {
		return nil, err
	}
	if base.Session != "" {
		return nil, fmt.Errorf("profile %s: holds temporary credentials; a session needs long-term keys", root.Name)
	}
	if d == 0 {
		d = c.opts.Config.SessionDuration
	}
	creds, err := c.getSessionToken(ctx, p, base, serial, d, mfaCode)
	if err != nil {
		return nil, err
	}
	e, err := c.entry(p.SessionKey(), "session", root.Name, creds)
	if err != nil {
		return nil, err
	}
	return creds, c.opts.Cache.Put(e)
}

// ErrSeveralMFADevices: the role profiles behind a source name different
// MFA devices, so login must be told which one (by naming a role).
var ErrSeveralMFADevices = errors.New("role profiles behind the source use different MFA devices")

// sessionHop returns the role on p's chain whose session p uses: the one
// next to the source (every role above it chains from its credentials).
func sessionHop(p *Profile) *Profile {
	for p.IsRole() && p.Source != nil && p.Source.IsRole() {
		p = p.Source
	}
	return p
}

// loginProfile is the profile whose session Login starts for p, so that
// its SessionKey and SessionMFASerial are those Role will look up.
func loginProfile(r *Resolver, p *Profile) (*Profile, error) {
	if p.IsRole() {
		return sessionHop(p), nil
	}
	if p.MFASerial != "" {
		return p, nil
	}
	users := map[string][]string{} // serial -> role profiles
	hops := map[string]*Profile{}
	for _, name := range r.RoleProfiles() {
		q, err := r.Resolve(name)
		if err != nil || q.Root().Name != p.Name {
			continue
		}
		h := sessionHop(q)
		s := h.SessionMFASerial()
		if s == "" {
			continue // a session without MFA: nothing to log in for
		}
		users[s] = append(users[s], name)
		if hops[s] == nil {
			hops[s] = h
		}
	}
	switch len(users) {
	case 0:
		return p, nil
	case 1:
		for _, h := range hops {
			return h, nil
		}
	}
	serials := slices.Sorted(maps.Keys(users))
	parts := make([]string, len(serials))
	for i, s := range serials {
		parts[i] = fmt.Sprintf("%s (%s)", s, strings.Join(users[s], ", "))
	}
	return nil, fmt.Errorf("profile %s: %w: %s; name the role profile whose session to start", p.Name, ErrSeveralMFADevices, strings.Join(parts, "; "))
}

// Credentials returns credentials for each role profile, keyed
// "sts-<profile>" (the configured prefix), like stslib's
// generate_credentials. Profiles are assumed in parallel, at most
// Parallel at once; the MFA session is shared. When some fail, the map
// holds those that succeeded and the error joins one line per failure.
func (c *Core) Credentials(ctx context.Context, profiles []string) (map[string]*Credentials, error) {
	return c.CredentialsN(ctx, profiles, DefaultParallel)
}

// DefaultParallel is how many AssumeRole calls Credentials makes at once:
// enough that 100 roles at 50 ms from STS take about 0.3 s over TLS, with
// one keep-alive connection per call in flight (STS's request quotas are
// far above it; throttled calls are retried with backoff).
const DefaultParallel = 32

// CredentialsN is Credentials with a bound on parallel AssumeRole calls.
func (c *Core) CredentialsN(ctx context.Context, profiles []string, parallel int) (map[string]*Credentials, error) {
	r, err := c.Resolver()
	if err != nil {
		return nil, err
	}
	resolved := make([]*Profile, len(profiles))
	for i, name := range profiles {
		if resolved[i], err = r.Resolve(name); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout+30*time.Second)
	defer cancel()
	// The sessions first, one per source, so that parallel roles share
	// them and ask for MFA once.
	done := map[string]bool{}
	for _, p := range resolved {
		root := p
		for root.Source.IsRole() {
			root = root.Source
		}
		if k := root.SessionKey(); !done[k] {
			done[k] = true
			if _, _, err := c.sourceCreds(ctx, root); err != nil {
				return nil, err
			}
		}
	}
	if parallel < 1 {
		parallel = 1
	}
	out := make(map[string]*Credentials, len(profiles))
	errs := make([]error, len(profiles))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallel)
	for i, p := range resolved {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			start := time.Now()
			slot, dur := c.slot(p)
			creds, err := c.role(ctx, p, slot, dur)
			if c.opts.Progress != nil {
				c.opts.Progress(p.Name, time.Since(start), err)
			}
			if err != nil {
				errs[i] = err
				return
			}
			mu.Lock()
			out[c.Key(p.Name)] = creds
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// Provider returns an aws.CredentialsProvider for a role profile, so Go
// programs get the same cached, refreshed credentials inside
// aws-sdk-go-v2. Wrap it in aws.NewCredentialsCache.
func (c *Core) Provider(profile string) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		creds, err := c.Role(ctx, profile)
		if err != nil {
			return aws.Credentials{}, err
		}
		return aws.Credentials{
			AccessKeyID: creds.AccessKey, SecretAccessKey: string(creds.SecretKey), SessionToken: string(creds.Session),
			Source: "stslib-proc", CanExpire: true, Expires: creds.End, AccountID: creds.AccountID,
		}, nil
	})
}

// memBackend is the cache store of a Core built without one.
type memBackend struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newMemBackend() *memBackend { return &memBackend{m: map[string][]byte{}} }

func (b *memBackend) Get(key string) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.m[key]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return append([]byte(nil), v...), nil
}

func (b *memBackend) Set(key string, data []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m[key] = append([]byte(nil), data...)
	return nil
}

func (b *memBackend) Delete(key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, key)
	return nil
}
