//go:build integration

package integration_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/testenv"
)

// TestConcurrentColdStart runs 50 credential_process invocations at once
// over 5 roles with an empty cache and the file keyring: the processes
// share one MFA session (one GetSessionToken, its code from mfa_process
// running oathtool) and one AssumeRole per role, and every one of them
// prints valid credentials.
func TestConcurrentColdStart(t *testing.T) {
	testenv.Tool(t, "/usr/bin/oathtool")
	const procs = 50
	extra := []string{"LambdaRole", "EC2Role"}
	w := world(t, e2e.EmulatorConfig(extra, nil))
	var roles []e2e.RoleProfile
	for _, r := range append([]string{"DynamoDBRole", "CodeDeployRole", "S3ReadOnlyRole"}, extra...) {
		roles = append(roles, e2e.RoleProfile{Name: r + "-dev", Role: r, SessionName: "bob"})
	}
	w.WriteProfiles(e2e.DefaultSource(), roles, "")

	results := make([]e2e.Result, procs)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range procs {
		wg.Go(func() {
			<-start
			results[i] = w.Run(roles[i%len(roles)].Name)
		})
	}
	close(start)
	wg.Wait()

	keys := map[string]map[string]bool{} // role profile -> access keys seen
	for i, r := range results {
		role := roles[i%len(roles)].Name
		if r.Code != 0 {
			t.Errorf("invocation %d (%s): %v", i, role, r)
			continue
		}
		p, err := e2e.ParseProcess(r.Stdout)
		if err != nil {
			t.Errorf("invocation %d (%s): %v", i, role, err)
			continue
		}
		if keys[role] == nil {
			keys[role] = map[string]bool{}
		}
		keys[role][p.AccessKeyID] = true
	}
	gst, ar := e2e.OK(w.STS, "GetSessionToken"), e2e.OK(w.STS, "AssumeRole")
	t.Logf("%d invocations: %d GetSessionToken, %d AssumeRole, stats %v", procs, gst, ar, w.STS.Stats())
	if gst != 1 {
		t.Errorf("GetSessionToken calls: %d, want 1", gst)
	}
	if ar != len(roles) {
		t.Errorf("AssumeRole calls: %d, want %d", ar, len(roles))
	}
	// The durable tier is the file keyring: its records outlive the hot tier.
	if ents, err := os.ReadDir(filepath.Join(w.DataDir, "keyring")); err != nil || len(ents) == 0 {
		t.Errorf("file keyring %s is empty (%v): the file backend was not used", filepath.Join(w.DataDir, "keyring"), err)
	}
	for role, k := range keys {
		if len(k) != 1 {
			t.Errorf("%s: %d different access keys served, want 1", role, len(k))
		}
	}
}
