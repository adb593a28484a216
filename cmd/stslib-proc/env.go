package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"time"

	"github.com/stslib/stslib-proc/cache"
	"github.com/stslib/stslib-proc/credproc"
	"github.com/stslib/stslib-proc/internal/fastpath"
	"github.com/stslib/stslib-proc/internal/owner"
	"github.com/stslib/stslib-proc/internal/paths"
	"github.com/stslib/stslib-proc/internal/tty"
	"github.com/stslib/stslib-proc/keychain"
)

// deps is what every command needs from the outside world. main fills it
// from the process; tests fill it by hand.
type deps struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Environ        func() []string
	Now            func() time.Time
	Home           string
	// NewSTS overrides the STS client (tests); nil for the real one.
	NewSTS func(credproc.STSConfig) credproc.STSAPI
	// Debug turns on one log line per STS call.
	Debug bool
	// Interactive reports whether a person may be asked (a terminal).
	Interactive func() bool
	// keyringFlag is --keyring.
	keyringFlag string
	// homeErr says why Home is unknown; run refuses the commands that
	// need it rather than use the current directory.
	homeErr error
}

func osDeps() *deps {
	home, err := osHome(os.Getenv)
	return &deps{
		Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Environ: os.Environ,
		Now: time.Now, Home: home, homeErr: err,
		// STSLIB_NONINTERACTIVE=1 never asks, even with a terminal (CI,
		// scripts, tests run from a terminal).
		Interactive: func() bool { return os.Getenv("STSLIB_NONINTERACTIVE") != "1" && tty.Available() },
	}
}

// osHome finds the home directory as botocore does: HOME when set and not
// empty, else the password database (paths.Home reads /etc/passwd, as
// stslib-proc-fast does; os/user also asks NSS, for directory-service
// users), never the current directory.
func osHome(getenv func(string) string) (string, error) {
	home, err := paths.Home(getenv)
	if err == nil {
		return home, nil
	}
	if u, uerr := user.Current(); uerr == nil && filepath.IsAbs(u.HomeDir) {
		return u.HomeDir, nil
	}
	return "", err
}

// env is the loaded configuration of one run.
type env struct {
	d       *deps
	cfg     credproc.Config
	paths   credproc.Paths
	dataDir string
	cache   *cache.Cache
	store   *lazyStore
}

// load reads config.yml and wires the cache. It opens no keyring: the
// durable store is opened on first use, so a warm call that the hot tier
// answers never talks to D-Bus or derives a passphrase.
func load(d *deps) (*env, error) {
	cfg, err := credproc.LoadConfig(credproc.ConfigPath(d.Getenv, d.Home))
	if err != nil {
		return nil, err
	}
	e := &env{d: d, cfg: cfg, paths: credproc.DefaultPaths(d.Getenv, d.Home), dataDir: paths.DataDir(d.Getenv, d.Home)}
	// Nothing is written where another user's files are: files that a
	// "sudo stslib-proc" left would lock the user out later. Root may
	// write into another user's HOME only when told to.
	if d.Getenv(owner.AllowEnv) != "1" {
		if err := owner.CheckHome(d.Home); err != nil {
			return nil, err
		}
		if err := owner.Check("data directory", e.dataDir); err != nil {
			return nil, err
		}
		if err := owner.Check("state directory", paths.StateDir(d.Getenv, d.Home)); err != nil {
			return nil, err
		}
	}
	name := cfg.Keyring
	if v := d.Getenv("STSLIB_KEYRING"); v != "" {
		name = v
	}
	if d.keyringFlag != "" {
		name = d.keyringFlag
	}
	switch name {
	case "auto", "os", "file", "memory":
	default:
		return nil, fmt.Errorf("STSLIB_KEYRING=%s: want auto, os, file or memory", name)
	}
	e.store = &lazyStore{open: func() (keychain.Store, error) { return openStore(d, name, e.dataDir) }}
	e.cache = &cache.Cache{Dir: e.dataDir, Backend: e.store, Now: d.Now}
	if name != "memory" {
		if hot := fastpath.HotTier(e.dataDir); hot != nil {
			e.cache.Hot = hot
		}
	}
	return e, nil
}

// openStore opens the durable keyring. "auto" is the OS keyring when it
// answers within 2 s; otherwise the age-encrypted file keyring when a
// passphrase can be had (STSLIB_FILE_PASSPHRASE or a terminal); otherwise,
// on a headless Linux host with neither, the kernel user keyring (kept in
// kernel memory, never on disk, until expiry or reboot), with a one-line
// note.
func openStore(d *deps, name, dataDir string) (keychain.Store, error) {
	return keychain.Open(name, keychain.Options{
		Dir:          filepath.Join(dataDir, "keyring"),
		Passphrase:   func() (string, error) { return passphrase(d) },
		Notes:        prefixed{d.Stderr},
		NoPassphrase: d.Getenv("STSLIB_FILE_PASSPHRASE") == "" && (d.Interactive == nil || !d.Interactive()),
		KernelDir:    dataDir, // the hot tier's namespace: one copy per record
	})
}

// prefixed puts "stslib-proc: " before each note.
type prefixed struct{ w io.Writer }

func (p prefixed) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, "stslib-proc: "+string(b)); err != nil {
		return 0, err
	}
	return len(b), nil
}

func passphrase(d *deps) (string, error) {
	if v := d.Getenv("STSLIB_FILE_PASSPHRASE"); v != "" {
		return v, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := tty.ReadLine(ctx, "stslib-proc: passphrase for the file keyring: ", true)
	if err != nil {
		return "", fmt.Errorf("the file keyring needs a passphrase: set STSLIB_FILE_PASSPHRASE or run in a terminal")
	}
	return p, nil
}

// core builds the library object for one run.
func (e *env) core(mfaCode string) *credproc.Core { return e.coreWith(mfaCode, nil) }

// coreWith is core with a last word on the options.
func (e *env) coreWith(mfaCode string, mutate func(*credproc.Options)) *credproc.Core {
	d := e.d
	if mfaCode == "" {
		mfaCode = d.Getenv("STSLIB_MFA_CODE")
	}
	opts := credproc.Options{
		Paths: e.paths, Config: e.cfg, Now: d.Now, NewSTS: d.NewSTS, Cache: e.cache,
		MFACode: mfaCode, Getenv: d.Getenv, Environ: d.Environ,
		SessionName: sessionName(d), StateDir: paths.StateDir(d.Getenv, d.Home),
		Warn: func(msg string) { fmt.Fprintf(d.Stderr, "stslib-proc: warning: %s\n", msg) },
	}
	if d.Debug {
		opts.Debug = func(msg string) { fmt.Fprintf(d.Stderr, "stslib-proc: debug: %s\n", msg) }
	}
	if d.Interactive != nil && d.Interactive() {
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
func sessionName(d *deps) string {
	name := d.Getenv("USER")
	if name == "" {
		name = d.Getenv("USERNAME")
	}
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	return credproc.DefaultSessionName(name)
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

func (l *lazyStore) Delete(key string) error {
	s, err := l.get()
	if err != nil {
		return err
	}
	return s.Delete(key)
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

// Name is the backend's name once opened.
func (l *lazyStore) Name() string {
	if s, err := l.get(); err == nil {
		return s.Name()
	}
	return "unavailable"
}
