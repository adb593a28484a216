package main

import (
	"io"
	"os"
	"os/user"
	"path/filepath"
	"time"

	"github.com/stslib/stslib-proc/credproc"
	"github.com/stslib/stslib-proc/internal/paths"
	"github.com/stslib/stslib-proc/internal/tty"
	"github.com/stslib/stslib-proc/serve"
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
	// FastInstalled reports whether stslib-proc-fast is installed beside
	// this binary (configure then writes it); nil means no.
	FastInstalled func() bool
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
		Now: time.Now, Home: home, homeErr: err, FastInstalled: fastInstalled,
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

// serveEnv is what the serving path needs of deps.
func (d *deps) serveEnv() serve.Env {
	return serve.Env{
		Stderr: d.Stderr, Getenv: d.Getenv, Environ: d.Environ, Now: d.Now, Home: d.Home,
		Interactive: d.Interactive, NewSTS: d.NewSTS, Debug: d.Debug, Keyring: d.keyringFlag,
	}
}

// env is the loaded configuration of one run (see [serve.Runtime]).
type env struct {
	*serve.Runtime
	d *deps
}

// load reads config.yml and wires the cache; see [serve.Open].
func load(d *deps) (*env, error) {
	r, err := serve.Open(d.serveEnv())
	if err != nil {
		return nil, err
	}
	return &env{Runtime: r, d: d}, nil
}

// core builds the library object for one run.
func (e *env) core(mfaCode string) *credproc.Core { return e.Runtime.Core(mfaCode, nil) }

// coreWith is core with a last word on the options.
func (e *env) coreWith(mfaCode string, mutate func(*credproc.Options)) *credproc.Core {
	return e.Runtime.Core(mfaCode, mutate)
}
