package fastpath

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Main is cmd/stslib-proc-fast: answer "stslib-proc-fast ROLE" from the
// cache, and hand everything else (a miss, a refresh, any subcommand) to
// the full stslib-proc, installed beside this program or on PATH, with the
// same arguments. It returns the exit status when it cannot hand over.
func Main(args []string) int {
	if len(args) == 1 && !strings.HasPrefix(args[0], "-") && os.Getenv("STSLIB_PROC_ACTIVE") == "" {
		home, _ := os.UserHomeDir()
		if Serve(os.Stdout, Env{Getenv: os.Getenv, Home: home, Now: time.Now}, args[0]) {
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
