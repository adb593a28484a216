package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
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
	Parallel int      `default:"32" help:"AssumeRole calls at once (each is one connection to STS)."`
	Watch    bool     `help:"Keep running; re-sync each section before its refresh window. Stops on SIGINT/SIGTERM."`
	MFACode  string   `name:"mfa-code" help:"MFA code, if a new session is needed (or STSLIB_MFA_CODE)."`
	// Recheck is how often --watch reads the configuration again.
	Recheck time.Duration `hidden:"" default:"1m" help:"With --watch: the longest pause between passes."`
}

func (c *syncCmd) Help() string {
	return "Examples:\n  stslib-proc sync\n  stslib-proc sync DynamoDBRole-dev --dry-run\n  stslib-proc sync --watch"
}

func (c *syncCmd) Run(d *deps) error {
	if c.Parallel < 1 || c.Parallel > 64 {
		return fmt.Errorf("--parallel must be from 1 to 64")
	}
	if !c.Watch {
		_, err := c.once(context.Background(), d)
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	for {
		// Every pass reads config.yml and the AWS files again: a profile
		// pointed at another account, added or removed, is synced as it
		// is now, never as it was when --watch started.
		next, err := c.once(ctx, d)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			fmt.Fprintf(d.Stderr, "stslib-proc: sync failed, retrying in 1m: %s\n", oneLine(err.Error()))
			for _, h := range hints(err) {
				fmt.Fprintf(d.Stderr, "hint: %s\n", oneLine(h))
			}
			next = d.Now().Add(time.Minute)
		}
		wait := max(time.Until(next), min(10*time.Second, c.recheck()))
		wait = min(wait, c.recheck())
		select {
		case <-ctx.Done():
			fmt.Fprintln(d.Stderr, "stslib-proc: sync --watch stopped")
			return nil
		case <-time.After(wait):
		}
	}
}

// recheck is the longest --watch sleeps between passes, so that edits to
// the AWS files (a new account, a removed profile) are picked up soon.
func (c *syncCmd) recheck() time.Duration {
	if c.Recheck <= 0 {
		return time.Minute
	}
	return c.Recheck
}

// core builds this pass's library object, with progress lines when a
// person watches stderr.
func (c *syncCmd) core(d *deps, e *env) *credproc.Core {
	if !stderrIsTerminal(d) {
		return e.core(c.MFACode)
	}
	return e.coreWith(c.MFACode, func(o *credproc.Options) {
		var mu sync.Mutex
		o.Progress = func(profile string, took time.Duration, err error) {
			mu.Lock()
			defer mu.Unlock()
			mark := "✓"
			if err != nil {
				mark = "✗"
			}
			fmt.Fprintf(d.Stderr, "  %s %s (%s)\n", mark, printable(profile), took.Round(time.Millisecond))
		}
	})
}

// once reads the configuration, syncs and returns when the earliest
// section enters its refresh window. Syncing every profile also removes
// the sections stslib-proc wrote for role profiles that are gone.
func (c *syncCmd) once(ctx context.Context, d *deps) (time.Time, error) {
	e, err := load(d)
	if err != nil {
		return time.Time{}, err
	}
	core := c.core(d, e)
	r, err := core.Resolver()
	if err != nil {
		return time.Time{}, err
	}
	profiles := c.Profiles
	var gone []string
	if len(profiles) == 0 {
		for _, name := range r.RoleProfiles() {
			if _, err := r.Resolve(name); err != nil {
				fmt.Fprintf(d.Stderr, "stslib-proc: skipping %s\n", oneLine(err.Error()))
				continue
			}
			profiles = append(profiles, name)
		}
		if gone, err = goneSections(e, r); err != nil {
			return time.Time{}, err
		}
		if len(profiles) == 0 && len(gone) == 0 {
			return time.Time{}, fmt.Errorf("no role profiles (role_arn + source_profile) in %s", e.Paths.ConfigFile)
		}
	}
	for _, p := range profiles {
		if err := inifile.ValidName(e.Config.Prefix + p); err != nil {
			return time.Time{}, fmt.Errorf("profile %s: %w", p, err)
		}
	}
	m, err := core.CredentialsN(ctx, profiles, c.Parallel)
	if err != nil && (!c.Partial || len(m) == 0) {
		return time.Time{}, fmt.Errorf("%w; nothing written", err)
	}
	if err != nil {
		fmt.Fprintf(d.Stderr, "stslib-proc: warning: some profiles failed, writing the others (--partial): %s\n", oneLine(err.Error()))
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
	if next.IsZero() {
		next = d.Now().Add(c.recheck())
	}
	opts := inifile.Options{Force: c.Force}
	if c.DryRun {
		opts.DryRun = d.Stdout
	}
	changed, werr := inifile.Update(ctx, e.Paths.CredentialsFile, sections, gone, opts)
	if werr != nil {
		return time.Time{}, werr
	}
	if !c.DryRun {
		for _, g := range gone {
			fmt.Fprintf(d.Stderr, "stslib-proc: removed [%s]: its role profile is gone from %s\n", printable(g), e.Paths.ConfigFile)
		}
		verb := "synced"
		if !changed {
			verb = "unchanged"
		}
		if c.Watch && !changed {
			return next, nil // a service logs what it changed, not every pass
		}
		fmt.Fprintf(d.Stderr, "stslib-proc: %s %d section(s) in %s: %s\n", verb, len(sections), e.Paths.CredentialsFile, printable(strings.Join(names(sections), ", ")))
	}
	// With --partial the failures were reported as a warning above.
	return next, nil
}

// goneSections lists the sections stslib-proc wrote (marked as its own,
// named with the prefix) whose role profile no longer exists.
func goneSections(e *env, r *credproc.Resolver) ([]string, error) {
	data, err := os.ReadFile(e.Paths.CredentialsFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	owned, err := inifile.Owned(data)
	if err != nil {
		return nil, nil // Update reports the file's problem with its line
	}
	roles := map[string]bool{}
	for _, n := range r.RoleProfiles() {
		roles[n] = true
	}
	var gone []string
	for _, s := range owned {
		if name, ok := strings.CutPrefix(s, e.Config.Prefix); ok && name != "" && !roles[name] {
			gone = append(gone, s)
		}
	}
	return gone, nil
}

func names(s []inifile.Section) []string {
	out := make([]string, len(s))
	for i := range s {
		out[i] = s[i].Name
	}
	return out
}

func removeSections(e *env, names []string) ([]string, error) {
	if _, err := os.Stat(e.Paths.CredentialsFile); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return inifile.RemoveOwned(context.Background(), e.Paths.CredentialsFile, names, inifile.Options{})
}
