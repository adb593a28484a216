package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/stslib/stslib-proc/credproc"
	"github.com/stslib/stslib-proc/inifile"
)

type syncCmd struct {
	Profiles []string `arg:"" optional:"" help:"Role profiles to sync (default: every role profile)." predictor:"profile"`
	DryRun   bool     `name:"dry-run" help:"Print a unified diff (secrets masked) instead of writing."`
	Partial  bool     `help:"Write the profiles that succeeded even if some failed."`
	Force    bool     `help:"Replace same-named sections that stslib-proc did not write."`
	Parallel int      `default:"8" help:"AssumeRole calls at once."`
	Watch    bool     `help:"Keep running; re-sync each section before its refresh window. Stops on SIGINT/SIGTERM."`
	MFACode  string   `name:"mfa-code" help:"MFA code, if a new session is needed (or STSLIB_MFA_CODE)."`
}

func (c *syncCmd) Help() string {
	return "Examples:\n  stslib-proc sync\n  stslib-proc sync DynamoDBRole-dev --dry-run\n  stslib-proc sync --watch"
}

func (c *syncCmd) Run(d *deps) error {
	e, err := load(d)
	if err != nil {
		return err
	}
	if c.Parallel < 1 || c.Parallel > 64 {
		return fmt.Errorf("--parallel must be from 1 to 64")
	}
	core := e.core(c.MFACode)
	if stderrIsTerminal(d) {
		core = e.coreWith(c.MFACode, func(o *credproc.Options) {
			var mu sync.Mutex
			o.Progress = func(profile string, took time.Duration, err error) {
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					fmt.Fprintf(d.Stderr, "  ✗ %s (%s)\n", profile, took.Round(time.Millisecond))
					return
				}
				fmt.Fprintf(d.Stderr, "  ✓ %s (%s)\n", profile, took.Round(time.Millisecond))
			}
		})
	}
	if !c.Watch {
		_, err := c.once(context.Background(), d, e, core)
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	for {
		next, err := c.once(ctx, d, e, core)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			fmt.Fprintf(d.Stderr, "stslib-proc: sync failed, retrying in 1m: %v\n", err)
			next = d.Now().Add(time.Minute)
		}
		wait := time.Until(next)
		if wait < 10*time.Second {
			wait = 10 * time.Second
		}
		select {
		case <-ctx.Done():
			fmt.Fprintln(d.Stderr, "stslib-proc: sync --watch stopped")
			return nil
		case <-time.After(wait):
		}
	}
}

// once syncs and returns when the earliest section enters its refresh
// window.
func (c *syncCmd) once(ctx context.Context, d *deps, e *env, core *credproc.Core) (time.Time, error) {
	r, err := core.Resolver()
	if err != nil {
		return time.Time{}, err
	}
	profiles := c.Profiles
	if len(profiles) == 0 {
		for _, name := range r.RoleProfiles() {
			if _, err := r.Resolve(name); err != nil {
				fmt.Fprintf(d.Stderr, "stslib-proc: skipping %v\n", err)
				continue
			}
			profiles = append(profiles, name)
		}
		if len(profiles) == 0 {
			return time.Time{}, fmt.Errorf("no role profiles (role_arn + source_profile) in %s", e.paths.ConfigFile)
		}
	}
	for _, p := range profiles {
		if err := inifile.ValidName(e.cfg.Prefix + p); err != nil {
			return time.Time{}, fmt.Errorf("profile %s: %v", p, err)
		}
	}
	m, err := core.CredentialsN(ctx, profiles, c.Parallel)
	if err != nil && (!c.Partial || len(m) == 0) {
		return time.Time{}, fmt.Errorf("%v; nothing written", err)
	}
	if err != nil {
		fmt.Fprintf(d.Stderr, "stslib-proc: warning: some profiles failed, writing the others (--partial): %v\n", err)
	}
	var sections []inifile.Section
	next := time.Time{}
	for _, p := range profiles {
		cr, ok := m[core.Key(p)]
		if !ok {
			continue
		}
		sections = append(sections, inifile.Section{
			Name: core.Key(p),
			Keys: inifile.CredentialKeys(cr.AccessKey, string(cr.SecretKey), string(cr.Session), cr.End),
		})
		refresh := cr.End.Add(-core.Window(cr.Duration()))
		if next.IsZero() || refresh.Before(next) {
			next = refresh
		}
	}
	opts := inifile.Options{Force: c.Force}
	if c.DryRun {
		opts.DryRun = d.Stdout
	}
	changed, werr := inifile.Update(ctx, e.paths.CredentialsFile, sections, nil, opts)
	if werr != nil {
		return time.Time{}, werr
	}
	if !c.DryRun {
		verb := "synced"
		if !changed {
			verb = "unchanged"
		}
		fmt.Fprintf(d.Stderr, "stslib-proc: %s %d section(s) in %s: %s\n", verb, len(sections), e.paths.CredentialsFile, strings.Join(names(sections), ", "))
	}
	// With --partial the failures were reported as a warning above.
	return next, nil
}

func names(s []inifile.Section) []string {
	out := make([]string, len(s))
	for i := range s {
		out[i] = s[i].Name
	}
	return out
}

func removeSections(e *env, names []string) ([]string, error) {
	if _, err := os.Stat(e.paths.CredentialsFile); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return inifile.RemoveOwned(context.Background(), e.paths.CredentialsFile, names, inifile.Options{})
}
