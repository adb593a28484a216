//go:build integration

package integration_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/stsemu"
	"github.com/stslib/stslib-proc/internal/testenv"
)

// TestHungSTSInsideTheWindow: with a valid record inside its refresh
// window and an STS that hangs, the first call serves the record after a
// bounded try (never the whole 25 s budget) with one warning, and the
// calls after it serve at once without asking STS again.
func TestHungSTSInsideTheWindow(t *testing.T) {
	testenv.Tool(t, "/usr/bin/oathtool")
	t.Parallel()
	w := world(t, e2e.EmulatorConfig(nil, nil))
	// Role credentials that last 20 s: 11 s after they were issued they are
	// inside their 10-s window and still valid for longer than the
	// bounded refresh (4 s) takes.
	w.STS.SetRoleLifetime(20 * time.Second)
	w.WriteProfiles(e2e.DefaultSource(), []e2e.RoleProfile{{Name: "CodeDeployRole-dev", Role: "CodeDeployRole"}}, "")
	first, err := e2e.ParseProcess(w.MustRun("CodeDeployRole-dev").Stdout)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(11 * time.Second)
	w.STS.InjectFault(stsemu.Fault{Action: "AssumeRole", Kind: stsemu.FaultHang})
	r := w.Run("CodeDeployRole-dev")
	got, err := e2e.ParseProcess(r.Stdout)
	if r.Code != 0 || err != nil || got.AccessKeyID != first.AccessKeyID {
		t.Fatalf("hung STS with a valid record: %v", r)
	}
	if !strings.Contains(r.Stderr, "refresh failed, serving cached credentials") {
		t.Errorf("no warning for the failed refresh:\n%s", r.Stderr)
	}
	hangs := w.STS.Stats()["Faults"]
	if hangs == 0 {
		t.Fatal("STS was not asked: the record was not in its window")
	}
	// The failure is remembered: the next calls do not ask STS.
	for range 3 {
		r := w.Run("CodeDeployRole-dev")
		if r.Code != 0 || strings.Contains(r.Stderr, "warning") {
			t.Fatalf("call after the failure: %v", r)
		}
	}
	if n := w.STS.Stats()["Faults"]; n != hangs {
		t.Errorf("STS asked again %d times within a minute of the failure", n-hangs)
	}
	t.Logf("first call after the hang took %s", r.Took.Round(100*time.Millisecond))
}

// TestAnotherEndpointIsAnotherSTS: records are never served across STS
// endpoints: after AWS_ENDPOINT_URL_STS points at another STS, the next
// call asks it (session and role), warm path included.
func TestAnotherEndpointIsAnotherSTS(t *testing.T) {
	testenv.Tool(t, "/usr/bin/oathtool")
	t.Parallel()
	w := world(t, e2e.EmulatorConfig(nil, nil))
	other := stsemu.StartTest(t, e2e.EmulatorConfig(nil, nil))
	w.WriteProfiles(e2e.DefaultSource(), []e2e.RoleProfile{{Name: "CodeDeployRole-dev", Role: "CodeDeployRole"}}, "")
	a := w.MustRun("CodeDeployRole-dev")
	b := w.RunEnv([]string{"AWS_ENDPOINT_URL_STS=" + other.URL()}, "CodeDeployRole-dev")
	if b.Code != 0 {
		t.Fatalf("other STS: %v", b)
	}
	if e2e.OK(other, "AssumeRole") != 1 || e2e.OK(other, "GetSessionToken") != 1 {
		t.Errorf("the other STS saw %v; want a session and a role of its own", other.Stats())
	}
	if a.Stdout == b.Stdout {
		t.Error("the first STS's credentials were served for the other one")
	}
	// Back to the first: its record is still there.
	c := w.MustRun("CodeDeployRole-dev")
	if c.Stdout != a.Stdout || e2e.OK(w.STS, "AssumeRole") != 1 {
		t.Errorf("back on the first STS: want its cached record, AssumeRole %d", e2e.OK(w.STS, "AssumeRole"))
	}
}
