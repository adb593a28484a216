// Command stslib-proc-fast is the warm path of stslib-proc on its own:
// point credential_process at it (credential_process = stslib-proc-fast
// ROLE) and a cached call costs about as much as starting a hello-world Go
// binary. It links only the standard library and the small fast-path
// packages; whenever it cannot answer from the cache (a first call, a
// refresh, an edited config, any subcommand) it runs the full stslib-proc
// installed beside it, or on PATH, with the same arguments.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/stslib/stslib-proc/internal/fastpath"
)

func main() {
	args := os.Args[1:]
	if len(args) == 1 && !strings.HasPrefix(args[0], "-") && os.Getenv("STSLIB_PROC_ACTIVE") == "" {
		home, _ := os.UserHomeDir()
		if fastpath.Serve(os.Stdout, fastpath.Env{Getenv: os.Getenv, Home: home, Now: time.Now}, args[0]) {
			return
		}
	}
	full, err := fullBinary()
	if err != nil {
		fmt.Fprintf(os.Stderr, "stslib-proc-fast: error: %v\nhint: install stslib-proc next to stslib-proc-fast (go install ./cmd/...)\n", err)
		os.Exit(1)
	}
	os.Exit(execFull(full, args))
}

// fullBinary finds stslib-proc beside this executable, else on PATH.
func fullBinary() (string, error) {
	name := "stslib-proc"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	p, err := exec.LookPath("stslib-proc")
	if err != nil {
		return "", fmt.Errorf("cannot find stslib-proc beside this program or on PATH")
	}
	return p, nil
}
