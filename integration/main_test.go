//go:build integration

// The end-to-end tests run the stslib-proc binary, the AWS CLI and boto3
// against the STS emulator; each test has its own world (HOME, AWS files,
// data directory, emulator). See package e2e for the harness.
package integration_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/stsemu"
)

// bin is the stslib-proc binary built by TestMain.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "stslib-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// STSLIB_E2E_BIN runs the tests against a binary built elsewhere.
	if bin = os.Getenv("STSLIB_E2E_BIN"); bin == "" {
		bin, err = e2e.Build(dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// world starts an emulator with cfg and returns a world around it.
func world(t *testing.T, cfg stsemu.Config) *e2e.World {
	t.Helper()
	return e2e.New(t, bin, stsemu.StartTest(t, cfg))
}
