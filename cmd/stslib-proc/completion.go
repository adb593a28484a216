package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/alecthomas/kong"
	"github.com/posener/complete"
	"github.com/willabides/kongplete"

	"github.com/stslib/stslib-proc/credproc"
)

type completionCmd struct {
	Shell string `arg:"" enum:"bash,zsh,fish" help:"bash, zsh or fish."`
	// Bin is for packagers: the scripts in release archives and packages
	// run "stslib-proc" from PATH, not the path of the binary that wrote them.
	Bin string `help:"The command the script runs to complete (default: this binary's path)." placeholder:"PATH"`
}

func (c *completionCmd) Help() string {
	return "Prints a completion script that completes commands, flags and profile names.\n\n" +
		"Examples:\n  source <(stslib-proc completion bash)      # ~/.bashrc\n" +
		"  source <(stslib-proc completion zsh)       # ~/.zshrc\n" +
		"  stslib-proc completion fish | source       # ~/.config/fish/config.fish"
}

// The scripts make the shell run stslib-proc with COMP_LINE set, which
// kongplete answers (see completeIfAsked). {bin} is the install path, quoted
// for the shell by completionScript.
var completionScripts = map[string]string{
	"bash": "complete -C {bin} stslib-proc\n",
	"zsh":  "autoload -U +X bashcompinit && bashcompinit\ncomplete -C {bin} stslib-proc\n",
	"fish": `function __complete_stslib_proc
    set -lx COMP_LINE (commandline -cp)
    test -z (commandline -ct)
    and set COMP_LINE "$COMP_LINE "
    {bin}
end
complete -f -c stslib-proc -a "(__complete_stslib_proc)"
`,
}

func (c *completionCmd) Run(d *deps) error {
	bin, err := os.Executable()
	if c.Bin != "" {
		bin = c.Bin
	} else if err != nil {
		bin = "stslib-proc"
	}
	_, err = fmt.Fprint(d.Stdout, completionScript(c.Shell, bin))
	return err
}

// completionScript is the script for shell with bin, the install path,
// quoted: a path with a space, a quote or "$(...)" is one word that the
// shell never expands. bash (and zsh's bashcompinit) parse complete -C's
// argument as a command line when they run it, so there it is quoted twice.
func completionScript(shell, bin string) string {
	q := shellQuote(shellQuote(bin))
	if shell == "fish" {
		q = fishQuote(bin)
	}
	return strings.ReplaceAll(completionScripts[shell], "{bin}", q)
}

// shellQuote makes s one word for sh, bash and zsh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// fishQuote makes s one word for fish, where \ and \' are the only escapes
// inside single quotes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// completeIfAsked answers a shell's completion request (COMP_LINE set) and
// reports whether it did.
func completeIfAsked(parser *kong.Kong, d *deps) (answered bool) {
	if d.Getenv("COMP_LINE") == "" {
		return false
	}
	profiles := complete.PredictFunc(func(complete.Args) []string {
		r, err := credproc.NewResolver(credproc.DefaultPaths(d.Getenv, d.Home))
		if err != nil {
			return nil
		}
		// The shell inserts a candidate into the command line and may
		// list it on the terminal: a name with a control character (an
		// escape sequence, a newline) is never offered.
		var names []string
		for _, n := range r.Profiles() {
			if printable(n) == n {
				names = append(names, n)
			}
		}
		return names
	})
	kongplete.Complete(parser,
		kongplete.WithPredictor("profile", profiles),
		kongplete.WithExitFunc(func(int) { answered = true }),
	)
	return answered
}
