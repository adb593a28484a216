package warm

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/stslib/stslib-proc/internal/paths"
)

// Commands are stslib-proc's command words ("help" included): a bare
// word among them runs the command, never serves a profile of that name.
var Commands = map[string]bool{
	"process": true, "get": true, "login": true, "status": true, "clear": true, "sync": true,
	"configure": true, "console": true, "demo": true, "version": true, "help": true, "completion": true,
	"exec": true, "serve": true, RefreshCommand: true,
}

// ProfileArg returns the profile of a credential_process command line:
// "process -- ROLE" (what configure writes: any name, even "-x" or
// "sync"), "process ROLE" (ROLE not a flag), or a bare "ROLE" that is
// neither a flag nor a command word. Anything else is not a plain
// credential_process call.
func ProfileArg(args []string) (string, bool) {
	switch {
	case len(args) == 3 && args[0] == "process" && args[1] == "--":
		return args[2], true
	case len(args) == 2 && args[0] == "process" && !strings.HasPrefix(args[1], "-"):
		return args[1], true
	case len(args) == 1 && !strings.HasPrefix(args[0], "-") && !Commands[args[0]]:
		return args[0], true
	}
	return "", false
}

// Main is cmd/stslib-proc-fast: answer a credential_process call
// ("process -- ROLE", "process ROLE" or a bare "ROLE", see [ProfileArg])
// from the cache, and hand everything else (a miss, a refresh, any
// subcommand, no home directory) to the full stslib-proc, installed beside
// this program or on PATH, with the same arguments. It returns the exit
// status when it cannot hand over.
func Main(args []string) int {
	if profile, ok := ProfileArg(args); ok && os.Getenv("STSLIB_PROC_ACTIVE") == "" {
		// The same home as stslib-proc's (HOME, else the password
		// database); none known: the full program says so.
		if home, err := paths.Home(os.Getenv); err == nil && Serve(os.Stdout, env(home), profile) {
			return 0
		}
	}
	full, err := fullBinary()
	if err != nil {
		fmt.Fprintf(os.Stderr, "stslib-proc-fast: error: %v\nhint: install stslib-proc next to stslib-proc-fast (go install ./cmd/...)\n", err)
		return 1
	}
	return execFull(full, args)
}

// env is the process's [Env].
func env(home string) Env {
	e := Env{Getenv: os.Getenv, Home: home, Now: time.Now}
	if os.Getenv("STSLIB_DEBUG") == "1" {
		e.Debug = os.Stderr
	}
	return e
}

// fullBinary finds stslib-proc beside this executable, else on PATH.
func fullBinary() (string, error) {
	p, err := FullBinary()
	if err != nil {
		return "", fmt.Errorf("cannot find stslib-proc beside this program or on PATH")
	}
	return p, nil
}
