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
}

func (c *completionCmd) Help() string {
	return "Prints a completion script that completes commands, flags and profile names.\n\n" +
		"Examples:\n  source <(stslib-proc completion bash)      # ~/.bashrc\n" +
		"  source <(stslib-proc completion zsh)       # ~/.zshrc\n" +
		"  stslib-proc completion fish | source       # ~/.config/fish/config.fish"
}

// The scripts make the shell run stslib-proc with COMP_LINE set, which
// kongplete answers (see completeIfAsked).
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
	if err != nil {
		bin = "stslib-proc"
	}
	_, err = fmt.Fprint(d.Stdout, strings.ReplaceAll(completionScripts[c.Shell], "{bin}", bin))
	return err
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
		return r.Profiles()
	})
	kongplete.Complete(parser,
		kongplete.WithPredictor("profile", profiles),
		kongplete.WithExitFunc(func(int) { answered = true }),
	)
	return answered
}
