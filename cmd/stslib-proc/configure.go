package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
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
	return "Adds [profile NAME] with credential_process = stslib-proc process -- ROLE to the AWS config file " +
		"(ROLE quoted when needed, so that the AWS CLI and every SDK read it the same way).\n\n" +
		"Examples:\n  stslib-proc configure DynamoDBRole-dev --name dev\n  stslib-proc configure DynamoDBRole-dev=dev CodeDeployRole-qa=qa --dry-run\n" +
		"  stslib-proc configure --name x -- -x     # a role profile whose name starts with -"
}

// processLine is the credential_process value configure writes for a role
// profile: the subcommand named and the profile after "--", so that no
// profile name ("sync", "-x") is read as a command or a flag, and the name
// quoted so that botocore (shlex.split), the SDKs that run the line through
// sh -c, and credproc.SplitCommand all read the same four words. On
// Windows (botocore's own splitting, cmd.exe /C) double quotes are used.
func processLine(role string, windows bool) (string, error) {
	return processLineFor("stslib-proc", role, windows)
}

// processLineFor is processLine for another program name: configure writes
// stslib-proc-fast, the warm path's own binary, when it is installed
// beside stslib-proc.
func processLineFor(program, role string, windows bool) (string, error) {
	q, err := quoteArg(role, windows)
	if err != nil {
		return "", fmt.Errorf("profile %s: %v", role, err)
	}
	return program + " process -- " + q, nil
}

// fastInstalled reports whether stslib-proc-fast sits beside this binary.
func fastInstalled() bool {
	exe, err := os.Executable()
	if err != nil {
		return false
	}
	name := "stslib-proc-fast"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	st, err := os.Stat(filepath.Join(filepath.Dir(exe), name))
	return err == nil && st.Mode().IsRegular()
}

// quoteArg quotes s as Python's shlex.quote does: as it is when it is made
// only of characters no shell treats specially, else in single quotes,
// each ' written as '"'"'.
func quoteArg(s string, windows bool) (string, error) {
	safe := s != ""
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '@' || c == '%' || c == '+' || c == '=' || c == ':' || c == ',' || c == '.' || c == '/' || c == '-' ||
			'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			safe = false
			break
		}
	}
	if windows {
		if strings.ContainsAny(s, "\"%!^\\") {
			return "", fmt.Errorf("the name cannot be quoted for cmd.exe: it has \", %%, !, ^ or \\; rename the profile")
		}
		if safe {
			return s, nil
		}
		return `"` + s + `"`, nil
	}
	if safe {
		return s, nil
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'", nil
}

func (c *configureCmd) Run(d *deps) error {
	e, err := load(d)
	if err != nil {
		return err
	}
	if c.Name != "" && len(c.Roles) != 1 {
		return fmt.Errorf("--name takes exactly one role")
	}
	r, err := credproc.NewResolver(e.Paths)
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
		program := "stslib-proc"
		if d.FastInstalled != nil && d.FastInstalled() {
			program = "stslib-proc-fast"
		}
		line, err := processLineFor(program, role, runtime.GOOS == "windows")
		if err != nil {
			return err
		}
		sections = append(sections, inifile.Section{
			Name:    "profile " + name,
			Keys:    []inifile.KV{{Key: "credential_process", Value: line}},
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
	changed, err := inifile.Update(context.Background(), e.Paths.ConfigFile, sections, nil, opts)
	if err != nil {
		return err
	}
	if !c.DryRun {
		state := "added"
		if !changed {
			state = "already present"
		}
		fmt.Fprintf(d.Stderr, "stslib-proc: %s %s in %s\n", state, strings.Join(names(sections), ", "), e.Paths.ConfigFile)
	}
	return nil
}
