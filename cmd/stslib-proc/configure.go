package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/stslib/stslib-proc/credproc"
	"github.com/stslib/stslib-proc/inifile"
)

type configureCmd struct {
	Roles  []string `arg:"" help:"Role profiles, as ROLE or ROLE=NAME (NAME is the profile the AWS CLI will use)." predictor:"profile"`
	Name   string   `help:"Name of the new profile, when one role is given (default: ROLE-proc)."`
	DryRun bool     `name:"dry-run" help:"Print a unified diff instead of writing."`
	Force  bool     `help:"Replace same-named profiles that stslib-proc did not write."`
}

func (c *configureCmd) Help() string {
	return "Adds [profile NAME] with credential_process = stslib-proc ROLE to the AWS config file.\n\n" +
		"Examples:\n  stslib-proc configure DynamoDBRole-dev --name dev\n  stslib-proc configure DynamoDBRole-dev=dev CodeDeployRole-qa=qa --dry-run"
}

func (c *configureCmd) Run(d *deps) error {
	e, err := load(d)
	if err != nil {
		return err
	}
	if c.Name != "" && len(c.Roles) != 1 {
		return fmt.Errorf("--name takes exactly one role")
	}
	r, err := credproc.NewResolver(e.paths)
	if err != nil {
		return err
	}
	var sections []inifile.Section
	for _, arg := range c.Roles {
		role, name, ok := strings.Cut(arg, "=")
		if !ok {
			name = c.Name
		}
		if name == "" {
			name = role + "-proc"
		}
		if _, err := r.Resolve(role); err != nil {
			return err
		}
		if name == role {
			return fmt.Errorf("profile %s: the credential_process profile needs its own name: role_arn beside credential_process makes the AWS CLI assume the role itself and never run stslib-proc", name)
		}
		if err := inifile.ValidName("profile " + name); err != nil {
			return fmt.Errorf("profile %s: %v", name, err)
		}
		sections = append(sections, inifile.Section{
			Name:    "profile " + name,
			Keys:    []inifile.KV{{Key: "credential_process", Value: "stslib-proc " + role}},
			Comment: "# managed by stslib-proc: runs stslib-proc for role profile " + role,
		})
	}
	// Warn about the trap: role_arn beside credential_process.
	for _, name := range r.RoleProfiles() {
		if p, err := r.Resolve(name); err == nil && p.CredentialProcess != "" {
			fmt.Fprintf(d.Stderr, "stslib-proc: warning: profile %s (%s) has role_arn next to credential_process: the AWS CLI assumes the role itself and never runs credential_process\n", name, p.File)
		}
	}
	opts := inifile.Options{Force: c.Force}
	if c.DryRun {
		opts.DryRun = d.Stdout
	}
	changed, err := inifile.Update(context.Background(), e.paths.ConfigFile, sections, nil, opts)
	if err != nil {
		return err
	}
	if !c.DryRun {
		state := "added"
		if !changed {
			state = "already present"
		}
		fmt.Fprintf(d.Stderr, "stslib-proc: %s %s in %s\n", state, strings.Join(names(sections), ", "), e.paths.ConfigFile)
	}
	return nil
}
