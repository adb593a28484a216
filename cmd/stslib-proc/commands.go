package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/stslib/stslib-proc/credproc"
	"github.com/stslib/stslib-proc/serve"
)

type processCmd struct {
	Profile string `arg:"" help:"Role profile (role_arn + source_profile) in the AWS config file."`
	MFACode string `name:"mfa-code" help:"MFA code, if a new session is needed (or STSLIB_MFA_CODE)."`
}

func (c *processCmd) Help() string {
	return "What the AWS CLI and SDKs run. In ~/.aws/config:\n\n" +
		"  [profile dev]\n  credential_process = stslib-proc DynamoDBRole-dev\n\n" +
		"Example:\n  stslib-proc DynamoDBRole-dev"
}

func (c *processCmd) Run(d *deps) error { return processCredentials(d, c.Profile, c.MFACode) }

// processCredentials is credential_process mode: one role, Version 1 JSON
// on stdout, nothing else there.
func processCredentials(d *deps, profile, mfaCode string) error {
	return serve.Process(context.Background(), d.Stdout, d.serveEnv(), profile, mfaCode)
}

type getCmd struct {
	Profiles []string `arg:"" help:"Role profiles." predictor:"profile"`
	Format   string   `short:"f" help:"Output format: process, vault, boto, env or ini (default: config.yml's format, else vault)."`
	MFACode  string   `name:"mfa-code" help:"MFA code, if a new session is needed (or STSLIB_MFA_CODE)."`
}

func (c *getCmd) Help() string {
	return "Example:\n  stslib-proc get DynamoDBRole-dev CodeDeployRole-qa --format boto"
}

func (c *getCmd) Run(d *deps) error {
	e, err := load(d)
	if err != nil {
		return err
	}
	f := e.Config.Format
	if c.Format != "" {
		if f, err = credproc.ParseFormat(c.Format); err != nil {
			return err
		}
	}
	core := e.core(c.MFACode)
	m, err := core.Credentials(context.Background(), c.Profiles)
	if err != nil {
		return err
	}
	return credproc.WriteMap(d.Stdout, f, m)
}

type loginCmd struct {
	Source   string        `arg:"" optional:"" help:"Source profile, or a role profile to start the session it uses (default: config.yml's source_profile, else the one source behind every role profile)." predictor:"profile"`
	MFACode  string        `name:"mfa-code" help:"MFA code (or STSLIB_MFA_CODE); asked on the terminal otherwise."`
	Duration time.Duration `help:"Session length, 15m to 36h (default: config.yml's session_duration, else 12h)."`
}

func (c *loginCmd) Help() string {
	return "Starts the session the role profiles use, with their MFA device: the source's mfa_serial, " +
		"else the one the role profiles behind it set. When they set different ones, name a role profile.\n\n" +
		"Example:\n  stslib-proc login BobSmith --mfa-code 123456\n  stslib-proc login DynamoDBRole-dev   # the session this role uses"
}

func (c *loginCmd) Run(d *deps) error {
	e, err := load(d)
	if err != nil {
		return err
	}
	src := c.Source
	if src == "" {
		src = e.Config.SourceProfile
	}
	if src == "" {
		src = onlySource(e)
	}
	if src == "" {
		return fmt.Errorf("login needs a source profile: name one, or set source_profile in %s", credproc.ConfigPath(d.Getenv, d.Home))
	}
	if c.Duration != 0 && (c.Duration < 15*time.Minute || c.Duration > 36*time.Hour) {
		return fmt.Errorf("--duration must be from 15m to 36h")
	}
	// The flag's code goes to Login itself, which refuses it when no MFA
	// device applies rather than dropping it.
	creds, err := e.core("").Login(context.Background(), src, c.MFACode, c.Duration)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.Stderr, "stslib-proc: session for %s valid until %s (%s)\n", creds.Profile, creds.End.Local().Format(time.RFC1123), humanDuration(creds.End.Sub(d.Now())))
	return nil
}

type statusCmd struct {
	JSON bool `help:"Print JSON for scripts."`
}

func (c *statusCmd) Help() string { return "Example:\n  stslib-proc status --json" }

func (c *statusCmd) Run(d *deps) error {
	e, err := load(d)
	if err != nil {
		return err
	}
	list, err := e.Cache.List()
	if err != nil {
		return err
	}
	slices.SortFunc(list, func(a, b cacheListEntry) int {
		if a.Kind != b.Kind {
			return cmpString(b.Kind, a.Kind)
		}
		return cmpString(a.Profile, b.Profile)
	})
	now := d.Now()
	if c.JSON {
		type row struct {
			Profile   string    `json:"profile"`
			Kind      string    `json:"kind"`
			Start     time.Time `json:"start"`
			Expires   time.Time `json:"expires"`
			ExpiresIn int64     `json:"expires_in_seconds"`
			Expired   bool      `json:"expired"`
			Backend   string    `json:"backend"`
		}
		rows := []row{}
		for _, l := range list {
			rows = append(rows, row{l.Profile, l.Kind, l.Start.UTC(), l.Expires.UTC(), int64(l.Expires.Sub(now) / time.Second), !now.Before(l.Expires), l.Backend})
		}
		enc := json.NewEncoder(d.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	if len(list) == 0 {
		fmt.Fprintln(d.Stdout, "nothing cached")
		return nil
	}
	color := useColor(d)
	tw := tabwriter.NewWriter(d.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tKIND\tEXPIRES\tBACKEND")
	for _, l := range list {
		left := l.Expires.Sub(now)
		when := "in " + humanDuration(left)
		if left <= 0 {
			when = "expired " + humanDuration(-left) + " ago"
		}
		// Names come from the user's files: escape them (the colour codes
		// are ours).
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", printable(l.Profile), printable(kindName(l.Kind)), paint(color, left, e.Config.RefreshWindow, when), printable(l.Backend))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if fails := e.RefreshFailures(now.Add(-24 * time.Hour)); len(fails) > 0 {
		last := fails[len(fails)-1]
		fmt.Fprintf(d.Stdout, "background refresh failed %d time(s) in the last 24 h; last, %s ago: %s: %s\n",
			len(fails), humanDuration(now.Sub(last.Time)), printable(last.Profile), printable(last.Error))
	}
	if n := serve.RunningRefreshers(e.DataDir); n > 0 {
		fmt.Fprintf(d.Stdout, "%d background refresher(s) running; each exits after a minute without work (clear --all stops them)\n", n)
	}
	return nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// humanDuration prints 47m, 3h12m, 2d4h, 30s.
func humanDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		h := int(d / time.Hour)
		m := int((d % time.Hour) / time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%02dm", h, m)
	}
	return fmt.Sprintf("%dd%dh", int(d/(24*time.Hour)), int((d%(24*time.Hour))/time.Hour))
}

type clearCmd struct {
	Profiles []string `arg:"" optional:"" help:"Profiles to forget (role or source)." predictor:"profile"`
	All      bool     `help:"Forget everything cached."`
	Sections bool     `help:"Also remove the synced sts-<profile> sections from the credentials file (only sections stslib-proc wrote)."`
}

func (c *clearCmd) Help() string {
	return "Examples:\n  stslib-proc clear DynamoDBRole-dev\n  stslib-proc clear --all --sections"
}

func (c *clearCmd) Run(d *deps) error {
	if !c.All && len(c.Profiles) == 0 {
		return fmt.Errorf("clear needs profile names or --all")
	}
	e, err := load(d)
	if err != nil {
		return err
	}
	list, err := e.Cache.List()
	if err != nil {
		return err
	}
	n := 0
	var errs []error
	for _, l := range list {
		if c.All || slices.Contains(c.Profiles, l.Profile) {
			// Go on after a failure, so every record that can be
			// forgotten is, and report the failures together.
			if err := e.Cache.Delete(l.Key); err != nil {
				errs = append(errs, fmt.Errorf("clear %s: %v", l.Profile, err))
				continue
			}
			n++
		}
	}
	fmt.Fprintf(d.Stderr, "stslib-proc: forgot %d cached record(s)\n", n)
	if c.All {
		if k := serve.StopRefreshers(e.DataDir); k > 0 {
			fmt.Fprintf(d.Stderr, "stslib-proc: stopped %d background refresher(s)\n", k)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if c.Sections {
		var names []string
		if !c.All {
			for _, p := range c.Profiles {
				names = append(names, e.Config.Prefix+p)
			}
		}
		removed, err := removeSections(e, names)
		if err != nil {
			return err
		}
		fmt.Fprintf(d.Stderr, "stslib-proc: removed %d section(s) from %s\n", len(removed), e.Paths.CredentialsFile)
	}
	return nil
}

// kindName names a record kind for people: a role's credentials ("vault
// record" in stslib's words) or an MFA session.
func kindName(k string) string {
	if k == "vault" {
		return "role"
	}
	return k
}

// onlySource is the source profile behind every role profile, when there
// is exactly one; "" otherwise.
func onlySource(e *env) string {
	r, err := credproc.NewResolver(e.Paths)
	if err != nil {
		return ""
	}
	seen := map[string]bool{}
	for _, name := range r.RoleProfiles() {
		if p, err := r.Resolve(name); err == nil {
			seen[p.Root().Name] = true
		}
	}
	if len(seen) != 1 {
		return ""
	}
	for name := range seen {
		return name
	}
	return ""
}
