package main

import (
	"fmt"
	"runtime"

	"github.com/stslib/stslib-proc/credproc"
	"github.com/stslib/stslib-proc/internal/signin"
)

// federationEnv overrides where the getSigninToken request goes (tests,
// demo and private endpoints); the printed URL keeps the real host.
const federationEnv = "STSLIB_FEDERATION_URL"

type consoleCmd struct {
	Role        string `arg:"" help:"Role profile (role_arn + source_profile) in the AWS config file." predictor:"profile"`
	Print       bool   `help:"Print the sign-in URL on stdout instead of opening a browser."`
	Destination string `placeholder:"URL|SERVICE" help:"Where to land: a service (s3, ec2) or a full console URL (default: the console home of the region)."`
	Region      string `placeholder:"REGION" help:"Console region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1, cn-north-1 or us-gov-west-1 by partition)."`
}

func (c *consoleCmd) Help() string {
	return "Signs in to the AWS web console as the role, with its credentials from the cache (no MFA prompt " +
		"while the session is valid), and opens the browser (xdg-open, open, rundll32).\n\n" +
		"Console sessions last at most 1 hour: every role stslib-proc assumes with its MFA session is " +
		"role chaining, for which AWS refuses a longer SessionDuration, so none is asked for.\n\n" +
		"The URL grants console access to whoever has it, for 15 minutes: it is printed (on stdout, " +
		"nowhere else) only with --print. It works in the aws, aws-cn and aws-us-gov partitions.\n\n" +
		"Examples:\n  stslib-proc console DynamoDBRole-dev\n  stslib-proc console DynamoDBRole-dev --destination s3\n" +
		"  stslib-proc console DynamoDBRole-dev --print --region eu-west-1"
}

// Validate checks the flags' form (a wrong one exits 2); whether they fit
// the role's partition is known only later.
func (c *consoleCmd) Validate() error {
	if err := signin.CheckDestination(c.Destination); err != nil {
		return fmt.Errorf("--destination: %v", err)
	}
	if c.Region != "" {
		if err := signin.CheckRegionName(c.Region); err != nil {
			return fmt.Errorf("--region: %v", err)
		}
	}
	return nil
}

func (c *consoleCmd) Run(d *deps) error {
	e, err := load(d)
	if err != nil {
		return err
	}
	core := e.core("")
	r, err := core.Resolver()
	if err != nil {
		return err
	}
	p, err := r.Resolve(c.Role)
	if err != nil {
		return err
	}
	// Everything that can be refused without credentials is, before any
	// STS call or MFA prompt: the partition, the region, the destination,
	// the opener.
	part, err := signin.PartitionOf(p.RoleARN)
	if err != nil {
		return fmt.Errorf("profile %s (%s): %w", p.Name, p.File, err)
	}
	region := consoleRegion(c.Region, d.Getenv, p.Region)
	if _, err := part.Destination(c.Destination, region); err != nil {
		return fmt.Errorf("profile %s: %w", p.Name, err)
	}
	roots, err := credproc.LoadCABundle(p.CABundle()) // the federation endpoint is behind the same proxies as STS
	if err != nil {
		return fmt.Errorf("profile %s: %w", p.Name, err)
	}
	var open signin.Opener
	if !c.Print {
		var environ []string
		if d.Environ != nil {
			environ = d.Environ()
		}
		l := signin.Launcher{GOOS: runtime.GOOS, Getenv: d.Getenv, Environ: credproc.ChildEnv(environ)}
		if open, err = l.Opener(); err != nil {
			return fmt.Errorf("console: %w", err)
		}
	}
	ctx, stop := signalContext()
	defer stop()
	creds, err := core.Role(ctx, c.Role)
	if err != nil {
		return err
	}
	client := signin.Client{HTTP: signin.HTTPTrusting(roots), FederationURL: d.Getenv(federationEnv), Now: d.Now}
	if d.Debug {
		client.Debug = func(msg string) { fmt.Fprintf(d.Stderr, "stslib-proc: debug: %s profile=%s\n", msg, p.Name) }
	}
	if client.FederationURL != "" {
		if _, err := client.Endpoint(part); err != nil {
			return fmt.Errorf("%s: %v", federationEnv, err)
		}
	}
	url, err := client.URL(ctx, signin.Request{
		Profile: p.Name, RoleARN: p.RoleARN, Credentials: creds,
		// Every role stslib-proc assumes, it assumes with temporary
		// credentials (its MFA session, another role's, a source's
		// session token): role chaining, so no SessionDuration.
		Chained: true,
		Region:  region, Destination: c.Destination,
	})
	if err != nil {
		return err
	}
	if c.Print {
		_, err := fmt.Fprintln(d.Stdout, url)
		return err
	}
	if err := open(ctx, url); err != nil {
		return fmt.Errorf("console: open the browser: %w", err)
	}
	fmt.Fprintf(d.Stderr, "stslib-proc: opened the %s console as %s in the browser (the session lasts at most 1 hour)\n", part.ID, p.Name)
	return nil
}

// consoleRegion is the console's region: --region, AWS_REGION,
// AWS_DEFAULT_REGION, the profile's region (the AWS CLI's order), else ""
// for the partition's default.
func consoleRegion(flag string, getenv func(string) string, profile string) string {
	for _, v := range []string{flag, getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION")} {
		if v != "" {
			return v
		}
	}
	return profile
}

// noOpenerHint is the hint for a missing opener.
const noOpenerHint = "'stslib-proc console ROLE --print' prints the sign-in URL instead; it grants console access for 15 minutes, so paste it only into your own browser"
