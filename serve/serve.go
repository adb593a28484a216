package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/user"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/stslib/stslib-proc/cache"
	"github.com/stslib/stslib-proc/credproc"
	"github.com/stslib/stslib-proc/internal/owner"
	"github.com/stslib/stslib-proc/internal/paths"
	"github.com/stslib/stslib-proc/internal/tty"
	"github.com/stslib/stslib-proc/keychain"
	"github.com/stslib/stslib-proc/serve/warm"
)

// Env is what serving needs from the process. cmd fills it from the real
// one; tests fill it by hand.
type Env struct {
	Stderr  io.Writer // warnings, notes and debug lines; never secrets
	Getenv  func(string) string
	Environ func() []string
	Now     func() time.Time
	Home    string
	// Interactive reports whether a person may be asked (MFA code,
	// passphrase); nil means never.
	Interactive func() bool
	// NewSTS overrides the STS client (tests); nil for the real one.
	NewSTS func(credproc.STSConfig) credproc.STSAPI
	// Debug turns on one log line per STS call.
	Debug bool
	// Keyring overrides config.yml's keyring and STSLIB_KEYRING (--keyring).
	Keyring string
}

func (e Env) interactive() bool { return e.Interactive != nil && e.Interactive() }

// Runtime is the loaded configuration of one run: config.yml, the AWS
// files, the data and state directories and the cache over the keyring.
type Runtime struct {
	Env      Env
	Config   credproc.Config
	Paths    credproc.Paths
	DataDir  string
	StateDir string
	Cache    *cache.Cache
}

// Open reads config.yml and wires the cache. It opens no keyring: the
// durable store is opened on first use, so a call that the hot tier
// answers never talks to D-Bus or derives a passphrase. Nothing is written
// where another user's files are (a "sudo stslib-proc" would lock the user
// out later); root may write into another user's HOME only with
// STSLIB_ALLOW_FOREIGN_HOME=1.
func Open(env Env) (*Runtime, error) {
	cfg, err := credproc.LoadConfig(credproc.ConfigPath(env.Getenv, env.Home))
	if err != nil {
		return nil, err
	}
	r := &Runtime{
		Env: env, Config: cfg, Paths: credproc.DefaultPaths(env.Getenv, env.Home),
		DataDir: paths.DataDir(env.Getenv, env.Home), StateDir: paths.StateDir(env.Getenv, env.Home),
	}
	if env.Getenv(owner.AllowEnv) != "1" {
		if err := owner.CheckHome(env.Home); err != nil {
			return nil, err
		}
		if err := owner.Check("data directory", r.DataDir); err != nil {
			return nil, err
		}
		if err := owner.Check("state directory", r.StateDir); err != nil {
			return nil, err
		}
	}
	name := cfg.Keyring
	if v := env.Getenv("STSLIB_KEYRING"); v != "" {
		name = v
	}
	if env.Keyring != "" {
		name = env.Keyring
	}
	if !slices.Contains(keychain.Backends, name) {
		return nil, fmt.Errorf("STSLIB_KEYRING=%s: want one of %v", name, keychain.Backends)
	}
	store := &lazyStore{open: func() (keychain.Store, error) { return r.openStore(name) }}
	r.Cache = &cache.Cache{Dir: r.DataDir, Backend: store, Now: env.Now}
	if name != "memory" {
		if hot := warm.HotTier(r.DataDir); hot != nil {
			r.Cache.Hot = hot
		}
	}
	return r, nil
}

// openStore opens the durable keyring. "auto" is the OS keyring when it
// answers within 2 s; otherwise the age-encrypted file keyring when a
// passphrase can be had (STSLIB_FILE_PASSPHRASE or a terminal); otherwise,
// on a headless Linux host with neither, the kernel user keyring (kept in
// kernel memory, never on disk, until expiry or reboot), with a one-line
// note. The kernel store is the hot tier's: each record is kept once.
func (r *Runtime) openStore(name string) (keychain.Store, error) {
	env := r.Env
	return keychain.Open(name, keychain.Options{
		Dir:          filepath.Join(r.DataDir, "keyring"),
		Passphrase:   r.passphrase,
		Notes:        prefixed{env.Stderr},
		NoPassphrase: env.Getenv("STSLIB_FILE_PASSPHRASE") == "" && !env.interactive(),
		KernelDir:    r.DataDir,
	})
}

// prefixed puts "stslib-proc: " before each note.
type prefixed struct{ w io.Writer }

func (p prefixed) Write(b []byte) (int, error) {
	if p.w == nil {
		return len(b), nil
	}
	if _, err := io.WriteString(p.w, "stslib-proc: "+string(b)); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (r *Runtime) passphrase() (string, error) {
	if v := r.Env.Getenv("STSLIB_FILE_PASSPHRASE"); v != "" {
		return v, nil
	}
	if !r.Env.interactive() {
		return "", errors.New("the file keyring needs a passphrase: set STSLIB_FILE_PASSPHRASE or run in a terminal")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := tty.ReadLine(ctx, "stslib-proc: passphrase for the file keyring: ", true)
	if err != nil {
		return "", errors.New("the file keyring needs a passphrase: set STSLIB_FILE_PASSPHRASE or run in a terminal")
	}
	return p, nil
}

// Core builds the library object for one run. mfaCode (else
// STSLIB_MFA_CODE) is a code given up front; mutate, when not nil, has the
// last word on the options.
func (r *Runtime) Core(mfaCode string, mutate func(*credproc.Options)) *credproc.Core {
	env := r.Env
	if mfaCode == "" {
		mfaCode = env.Getenv("STSLIB_MFA_CODE")
	}
	opts := credproc.Options{
		Paths: r.Paths, Config: r.Config, Now: env.Now, NewSTS: env.NewSTS, Cache: r.Cache,
		MFACode: mfaCode, Getenv: env.Getenv, Environ: env.Environ,
		SessionName: sessionName(env.Getenv), StateDir: r.StateDir,
		Warn: func(msg string) { fmt.Fprintf(env.Stderr, "stslib-proc: warning: %s\n", msg) },
	}
	if env.Debug {
		opts.Debug = func(msg string) { fmt.Fprintf(env.Stderr, "stslib-proc: debug: %s\n", msg) }
	}
	if env.interactive() {
		opts.Prompt = func(ctx context.Context, profile, serial string) (string, error) {
			code, err := tty.ReadLine(ctx, fmt.Sprintf("stslib-proc: MFA code for %s (%s): ", profile, serial), false)
			if err != nil {
				return "", &credproc.NeedMFAError{Source: profile, Serial: serial}
			}
			return code, nil
		}
	}
	if mutate != nil {
		mutate(&opts)
	}
	return credproc.New(opts)
}

// sessionName is the default role_session_name: the local user's name.
func sessionName(getenv func(string) string) string {
	name := getenv("USER")
	if name == "" {
		name = getenv("USERNAME")
	}
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	return credproc.DefaultSessionName(name)
}

// Process answers one credential_process request: the warm path when it
// can, else the full one, which remembers the alias for the next call. It
// writes the Version 1 JSON to w and nothing else.
func Process(ctx context.Context, w io.Writer, env Env, profile, mfaCode string) error {
	if env.Getenv(credproc.EnvActive) != "" {
		return fmt.Errorf("profile %s: %w: stslib-proc was started by a command that stslib-proc itself runs (mfa_process or a source's credential_process)", profile, credproc.ErrRecursion)
	}
	wenv := warm.Env{Getenv: env.Getenv, Home: env.Home, Now: env.Now}
	if env.Debug {
		wenv.Debug = env.Stderr
	}
	if warm.Serve(w, wenv, profile) {
		return nil
	}
	fp := warm.Fingerprint(wenv) // before reading, so an edit in between is caught
	r, err := Open(env)
	if err != nil {
		return err
	}
	creds, slot, err := r.Core(mfaCode, nil).RoleSlot(ctx, profile)
	if err != nil {
		return err
	}
	if err := credproc.WriteProcessJSON(w, creds); err != nil {
		return err
	}
	// Failing to remember is harmless: the next call is just slower.
	_ = warm.Remember(r.DataDir, profile, slot.Key, fp, slot.Window)
	refreshAheadIfDue(r, profile, creds, slot.Window)
	return nil
}

// lazyStore opens the durable keyring on first use.
type lazyStore struct {
	open  func() (keychain.Store, error)
	once  sync.Once
	store keychain.Store
	err   error
}

func (l *lazyStore) get() (keychain.Store, error) {
	l.once.Do(func() { l.store, l.err = l.open() })
	return l.store, l.err
}

func (l *lazyStore) Get(key string) ([]byte, error) {
	s, err := l.get()
	if err != nil {
		return nil, err
	}
	return s.Get(key)
}

func (l *lazyStore) Set(key string, data []byte) error {
	s, err := l.get()
	if err != nil {
		return err
	}
	return s.Set(key, data)
}

// SetWithTTL lets a store that expires records itself (the kernel
// keyring) keep each for its own lifetime.
func (l *lazyStore) SetWithTTL(key string, data []byte, ttl time.Duration) error {
	s, err := l.get()
	if err != nil {
		return err
	}
	if t, ok := s.(interface {
		SetWithTTL(string, []byte, time.Duration) error
	}); ok {
		return t.SetWithTTL(key, data, ttl)
	}
	return s.Set(key, data)
}

func (l *lazyStore) Delete(key string) error {
	s, err := l.get()
	if err != nil {
		return err
	}
	return s.Delete(key)
}

// Name is the backend's name once opened.
func (l *lazyStore) Name() string {
	if s, err := l.get(); err == nil {
		return s.Name()
	}
	return "unavailable"
}
