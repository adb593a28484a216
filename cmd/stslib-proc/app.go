package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"unicode"

	"github.com/alecthomas/kong"

	"github.com/stslib/stslib-proc/credproc"
	"github.com/stslib/stslib-proc/internal/signin"
	"github.com/stslib/stslib-proc/serve/warm"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed; stderr says why
	exitUsage = 2 // the command line is wrong
)

// cli is the kong grammar. Each command is a struct with Run(*deps).
type cli struct {
	Debug   bool   `help:"Log each STS call (action, profile, duration, outcome) to stderr. Never logs secrets."`
	Keyring string `help:"Keyring backend: auto, os, file or memory (default: config.yml's keyring, or STSLIB_KEYRING)." enum:"auto,os,file,memory," default:""`
	// ShowVersion is --version, the same as the version command.
	ShowVersion kong.VersionFlag `name:"version" help:"Print the version, commit and build date, and exit."`

	Process    processCmd    `cmd:"" default:"withargs" help:"Print credential_process JSON for a role profile (the default command)."`
	Get        getCmd        `cmd:"" help:"Print credentials for role profiles, keyed sts-<profile>."`
	Login      loginCmd      `cmd:"" help:"Start an MFA session for a source profile."`
	Status     statusCmd     `cmd:"" help:"Show cached sessions and role credentials and when they expire."`
	Clear      clearCmd      `cmd:"" help:"Forget cached credentials (and, with --sections, remove synced sections)."`
	Sync       syncCmd       `cmd:"" help:"Write sts-<profile> sections into the AWS credentials file."`
	Configure  configureCmd  `cmd:"" help:"Add profiles that run stslib-proc to the AWS config file."`
	Console    consoleCmd    `cmd:"" help:"Sign in to the AWS web console as a role (opens the browser, or --print)."`
	Demo       demoCmd       `cmd:"" help:"Run the whole flow against a built-in STS emulator, with no AWS account."`
	Version    versionCmd    `cmd:"" help:"Print the version."`
	Completion completionCmd `cmd:"" help:"Print a shell completion script (bash, zsh, fish)."`

	Exec  execCmd  `cmd:"" help:"Run a command with credentials for a role that stay valid for the whole session."`
	Serve serveCmd `cmd:"" help:"Serve role credentials to containers and tools (ECS credential endpoint format)."`

	RefreshAhead refreshAheadCmd `cmd:"" name:"refresh-ahead" hidden:"" help:"Renew a role ahead of its refresh window (run in the background)."`
}

// run is main without the process: it returns the exit code.
func run(args []string, d *deps) int {
	d.Stderr = escapeControls{d.Stderr}
	// STSLIB_DEBUG=1 is --debug for processes started by the SDKs, whose
	// command line is the profile's credential_process.
	d.Debug = d.Debug || d.Getenv("STSLIB_DEBUG") == "1"
	if d.homeErr != nil && needsHome(args) {
		return report(d, d.homeErr)
	}
	// The credential_process fast path: "stslib-proc process -- PROFILE"
	// (what configure writes), "process PROFILE" and a bare "PROFILE" skip
	// kong's reflection-heavy set-up, because SDKs run them before every
	// client.
	if profile, ok := warm.ProfileArg(args); ok {
		return report(d, processCredentials(d, profile, ""))
	}
	// A bare word that is a command and also a role profile: a
	// hand-written "credential_process = stslib-proc sync" must not run
	// sync.
	if len(args) == 1 && warm.Commands[args[0]] {
		if file := roleProfileFile(d, args[0]); file != "" {
			run := "'stslib-proc " + args[0] + " --'"
			if args[0] == "help" {
				run = "'stslib-proc --help'"
			}
			fmt.Fprintf(d.Stderr, "stslib-proc: error: %s\n", oneLine(fmt.Sprintf(
				"%q is a command and also a role profile in %s: for its credentials use 'stslib-proc process -- %s' (stslib-proc configure writes that form); to run the command, %s",
				args[0], file, args[0], run)))
			return exitUsage
		}
	}
	if len(args) > 0 && args[0] == "help" { // "help [COMMAND]" is "[COMMAND] --help"
		args = append(append([]string{}, args[1:]...), "--help")
	}
	var c cli
	exit := -1
	parser, err := kong.New(&c,
		kong.Name("stslib-proc"),
		kong.Description("MFA-backed, cached AWS role credentials for the AWS CLI and SDKs (credential_process)."),
		kong.Writers(d.Stdout, d.Stderr),
		kong.Exit(func(code int) { exit = code }),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Bind(d),
		kong.Vars{"version": currentBuild().String()},
	)
	if err != nil {
		fmt.Fprintf(d.Stderr, "stslib-proc: error: %v\n", err)
		return exitError
	}
	if completeIfAsked(parser, d) {
		return exitOK
	}
	kctx, err := parser.Parse(args)
	if exit >= 0 {
		return exit
	}
	if err != nil {
		fmt.Fprintf(d.Stderr, "stslib-proc: error: %v\n", err)
		return exitUsage
	}
	d.Debug = d.Debug || c.Debug
	if c.Keyring != "" {
		d.keyringFlag = c.Keyring
	}
	return report(d, kctx.Run(d))
}

// roleProfileFile is the file that defines name as a role profile, or ""
// when it is none (or the files cannot be read: the command then runs).
func roleProfileFile(d *deps, name string) string {
	r, err := credproc.NewResolver(credproc.DefaultPaths(d.Getenv, d.Home))
	if err != nil || !slices.Contains(r.RoleProfiles(), name) {
		return ""
	}
	if p, err := r.Resolve(name); err == nil && p.File != "" {
		return p.File
	}
	return r.ConfigFile
}

// needsHome reports whether a command line may read files under the home
// directory: all but version and help.
func needsHome(args []string) bool {
	for _, a := range args {
		if a == "--help" || a == "-h" || a == "--version" {
			return false
		}
	}
	return len(args) > 0 && args[0] != "version" && args[0] != "help"
}

// report prints an error for people: one "error:" line and optional
// "hint:" lines. Errors never carry secrets (credproc's contract).
func report(d *deps, err error) int {
	if err == nil {
		return exitOK
	}
	var child childExit
	if errors.As(err, &child) {
		return int(child) // exec: the child's status, and it spoke for itself
	}
	fmt.Fprintf(d.Stderr, "stslib-proc: error: %s\n", oneLine(err.Error()))
	for _, h := range hints(err) {
		fmt.Fprintf(d.Stderr, "hint: %s\n", oneLine(h))
	}
	if errors.Is(err, credproc.ErrConfig) {
		return exitUsage // a wrong config.yml is a usage error, like a wrong flag
	}
	return exitError
}

// maxErrorLine bounds the error line; longer messages (a 100 KB profile
// name) keep their start and end.
const maxErrorLine = 2048

// oneLine makes an error message safe for a terminal on one line: line
// breaks become "; ", other control characters (an escape sequence in a
// profile name) are shown escaped, and an overlong message is cut in the
// middle.
func oneLine(msg string) string {
	msg = strings.ReplaceAll(msg, "\n", "; ")
	var b strings.Builder
	for _, r := range msg {
		switch {
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	msg = b.String()
	if len(msg) > maxErrorLine {
		head, tail := msg[:maxErrorLine/2], msg[len(msg)-maxErrorLine/4:]
		msg = strings.ToValidUTF8(head, "") + fmt.Sprintf(" [... %d bytes cut ...] ", len(msg)-len(head)-len(tail)) + strings.ToValidUTF8(tail, "")
	}
	return msg
}

func hints(err error) []string {
	var need *credproc.NeedMFAError
	switch {
	case errors.As(err, &need):
		return []string{
			fmt.Sprintf("run 'stslib-proc login %s' in a terminal, or set mfa_process in [profile %s]", need.Source, need.Source),
		}
	case errors.Is(err, credproc.ErrSeveralMFADevices):
		return []string{"'stslib-proc login ROLE' starts the session that ROLE uses, with its MFA device"}
	case errors.Is(err, credproc.ErrMFARejected):
		return []string{"each code works once: wait for the next one, and check that the device's clock is right"}
	case errors.Is(err, credproc.ErrProfileNotFound):
		return []string{"role profiles need role_arn and source_profile in the AWS config file; 'aws configure list-profiles' lists them"}
	case errors.Is(err, credproc.ErrRecursion):
		return []string{"the profile with credential_process = stslib-proc ROLE must not be used as a source_profile"}
	case errors.Is(err, signin.ErrNoOpener):
		return []string{noOpenerHint}
	case errors.Is(err, credproc.ErrNoSource):
		return []string{"the source profile needs long-term keys (aws_access_key_id, aws_secret_access_key)"}
	}
	return nil
}

// signalContext is cancelled on SIGINT and SIGTERM.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
}

// escapeControls shows control characters other than newline and tab
// escaped, so nothing printed on stderr (a hostile profile name in a
// warning, say) can drive the terminal.
type escapeControls struct{ w io.Writer }

func (e escapeControls) Write(p []byte) (int, error) {
	clean := true
	for _, c := range p {
		if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return e.w.Write(p)
	}
	var b strings.Builder
	for _, c := range p {
		if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
			fmt.Fprintf(&b, `\x%02x`, c)
			continue
		}
		b.WriteByte(c)
	}
	if _, err := io.WriteString(e.w, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}
