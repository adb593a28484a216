package credproc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
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

// Login starts a new MFA session for source (a source profile, or a role
// profile whose chain leads to one), with duration d (config default when
// zero), and caches it.
func (c *Core) Login(ctx context.Context, source, mfaCode string, d time.Duration) (*Credentials, error) {
	r, err := c.Resolver()
	if err != nil {
		return nil, err
	}
	p, err := r.ResolveSource(source)
	if err != nil {
		return nil, err
	}
	for p.IsRole() {
		p = p.Source
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	base, err := c.baseCreds(ctx, p)
	if err != nil {
		return nil, err
	}
	if base.Session != "" {
		return nil, fmt.Errorf("profile %s: holds temporary credentials; a session needs long-term keys", p.Name)
	}
	if d == 0 {
		d = c.opts.Config.SessionDuration
	}
	creds, err := c.getSessionToken(ctx, p, base, p.SessionMFASerial(), d, mfaCode)
	if err != nil {
		return nil, err
	}
	e, err := c.entry(p.SessionKey(), "session", p.Name, creds)
	if err != nil {
		return nil, err
	}
	return creds, c.opts.Cache.Put(e)
}

// Credentials returns credentials for each role profile, keyed
// "sts-<profile>" (the configured prefix), like stslib's
// generate_credentials. Profiles are assumed in parallel, at most
// Parallel at once; the MFA session is shared. When some fail, the map
// holds those that succeeded and the error joins one line per failure.
func (c *Core) Credentials(ctx context.Context, profiles []string) (map[string]*Credentials, error) {
	return c.CredentialsN(ctx, profiles, 8)
}

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
			creds, err := c.role(ctx, p)
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
