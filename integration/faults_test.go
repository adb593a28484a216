//go:build integration

package integration_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/stsemu"
	"github.com/stslib/stslib-proc/internal/testenv"
)

// noMFASource is BobSmith without an MFA device: every cold invocation
// costs a GetSessionToken and an AssumeRole, with no TOTP step to wait for.
func noMFASource() e2e.Source { return e2e.Source{} }

// TestFaultsFlakySTS: with throttling and 500s on about 30 % of calls, 20
// cold invocations in a row all succeed (the retryer absorbs the faults).
// The memory keyring keeps nothing between processes, so each invocation
// is cold.
func TestFaultsFlakySTS(t *testing.T) {
	t.Parallel()
	const runs = 20
	w := world(t, e2e.EmulatorConfig(nil, nil))
	w.Keyring = "memory"
	w.WriteProfiles(noMFASource(), []e2e.RoleProfile{{Name: "CodeDeployRole-dev", Role: "CodeDeployRole", SessionName: "bob"}}, "")
	// Faults are tried in order: 15 % throttled, then 18 % of the rest
	// answer 500; about 30 % of all calls fail.
	w.STS.InjectFault(stsemu.Fault{Kind: stsemu.FaultThrottle, Rate: 0.15})
	w.STS.InjectFault(stsemu.Fault{Kind: stsemu.FaultInternal500, Rate: 0.18})
	failed := 0
	for i := range runs {
		r := w.Run("CodeDeployRole-dev")
		if r.Code != 0 {
			failed++
			t.Errorf("invocation %d: %v", i, r)
			continue
		}
		if _, err := e2e.ParseProcess(r.Stdout); err != nil {
			t.Errorf("invocation %d: %v", i, err)
		}
	}
	st := w.STS.Stats()
	t.Logf("%d cold invocations, %d failed; emulator: %d GetSessionToken, %d AssumeRole requests, %d faults injected",
		runs, failed, st["GetSessionToken"], st["AssumeRole"], st["Faults"])
	summary(t, "sts-faults-30pct", runs, st["Faults"], failed, 0)
	if got := e2e.OK(w.STS, "AssumeRole"); got != runs-failed {
		t.Errorf("successful AssumeRole calls: %d, want %d (one per invocation)", got, runs-failed)
	}
	if st["Faults"] == 0 {
		t.Errorf("no fault was injected: the test proves nothing")
	}
}

// TestFaultsHungSTS: an STS that never answers makes the invocation fail
// with an error saying so, instead of hanging until the SDK's 60 s
// credential_process timeout.
func TestFaultsHungSTS(t *testing.T) {
	t.Parallel()
	w := world(t, e2e.EmulatorConfig(nil, nil))
	w.Keyring = "memory"
	w.WriteProfiles(noMFASource(), []e2e.RoleProfile{{Name: "CodeDeployRole-dev", Role: "CodeDeployRole"}}, "")
	w.STS.InjectFault(stsemu.Fault{Kind: stsemu.FaultHang})
	r := w.Run("CodeDeployRole-dev")
	t.Logf("hung STS: exit %d after %s: %s", r.Code, r.Took.Round(100*time.Millisecond), strings.TrimSpace(r.Stderr))
	checkError(t, w, errorCase{want: []string{"CodeDeployRole-dev", "GetSessionToken", "STS did not answer"}}, r)
}

// TestFaultsStaleServed: STS is down (AssumeRole answers 500) while the
// cached role credentials are inside their refresh window but still valid:
// they are served, with one warning line.
//
// A fresh record is never inside its window (the window is at most half
// its lifetime), so the emulator issues role credentials for 20 s, and the
// test waits until 9 s are left, inside the 10-s window.
func TestFaultsStaleServed(t *testing.T) {
	testenv.Tool(t, "/usr/bin/oathtool")
	t.Parallel()
	w := world(t, e2e.EmulatorConfig(nil, nil))
	w.STS.SetRoleLifetime(20 * time.Second)
	w.WriteProfiles(e2e.DefaultSource(), []e2e.RoleProfile{{Name: "CodeDeployRole-dev", Role: "CodeDeployRole"}}, "")

	first := w.MustRun("CodeDeployRole-dev")
	want, err := e2e.ParseProcess(first.Stdout)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(11 * time.Second)
	w.STS.InjectFault(stsemu.Fault{Action: "AssumeRole", Kind: stsemu.FaultInternal500})
	r := w.Run("CodeDeployRole-dev")
	if r.Code != 0 {
		t.Fatalf("STS down with a valid record: %v", r)
	}
	got, err := e2e.ParseProcess(r.Stdout)
	if err != nil {
		t.Fatal(err)
	}
	if got.AccessKeyID != want.AccessKeyID {
		t.Errorf("served key %s, want the cached %s", got.AccessKeyID, want.AccessKeyID)
	}
	lines := strings.Split(strings.TrimRight(r.Stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "stslib-proc: warning: ") {
		t.Errorf("want one warning line on stderr, got:\n%s", r.Stderr)
	}
	if n := w.STS.Stats()["Faults"]; n == 0 {
		t.Errorf("AssumeRole was not tried: the record was not in its refresh window")
	}
	t.Logf("stderr: %s", strings.TrimSpace(r.Stderr))
}

// TestFaultsClockOffset: an STS clock 10 minutes ahead or behind does not
// matter (SigV4 allows 15 minutes; expiry comes from STS).
func TestFaultsClockOffset(t *testing.T) {
	testenv.AWS(t)
	testenv.Tool(t, "/usr/bin/oathtool")
	for _, off := range []time.Duration{-10 * time.Minute, 10 * time.Minute} {
		t.Run(fmt.Sprint(off), func(t *testing.T) {
			t.Parallel()
			w := world(t, e2e.EmulatorConfig(nil, nil))
			w.STS.SetClockOffset(off)
			// The MFA device keeps STS's time; our clock is the one off.
			src := e2e.DefaultSource()
			src.MFAProcess = e2e.OathtoolMFAAt(stsemu.DefaultTOTPSecret, off)
			w.WriteProfiles(src, []e2e.RoleProfile{{Name: "DynamoDBRole-dev", Role: "DynamoDBRole", SessionName: "bob", Proc: "dev"}}, "")
			for range 2 {
				if got, want := w.CallerARN("dev"), "arn:aws:sts::444455556666:assumed-role/DynamoDBRole/bob"; got != want {
					t.Errorf("caller %q, want %q", got, want)
				}
			}
			if n := e2e.OK(w.STS, "AssumeRole"); n != 1 {
				t.Errorf("AssumeRole calls: %d, want 1 (the record must stay fresh)", n)
			}
		})
	}
}
