//go:build integration

package integration_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/stsemu"
	"github.com/stslib/stslib-proc/internal/testenv"
)

// childCase is a misbehaving mfa_process or source credential_process.
// $PIDS in its command is a file where it appends the PIDs that must be
// gone once stslib-proc has exited.
type childCase struct {
	name string
	// mfa is the source's mfa_process; proc, when set, makes the role's
	// source a profile whose credential_process it is.
	mfa, proc string
	// ok: the call succeeds; else it fails with one error line holding
	// errWant.
	ok      bool
	errWant string
	// warnWant is a substring of a warning line.
	warnWant string
	// env is added to stslib-proc's environment (which always holds
	// STSLIB_FILE_PASSPHRASE).
	env []string
}

// TestChildProcessFaults runs the real binary with children that hang,
// flood their output or leave an orphan holding it, and checks the exit
// status, the one error line, and that no process they started outlives
// stslib-proc.
func TestChildProcessFaults(t *testing.T) {
	testenv.Tool(t, "/usr/bin/oathtool")
	seed := e2e.SeedFile(stsemu.DefaultTOTPSecret)
	oath := "/usr/bin/oathtool --totp -b @" + seed
	cases := []childCase{
		{name: "hang", mfa: `sh -c 'echo $$ >> $PIDS; exec sleep 100'`, errWant: "error: profile BobSmith: mfa_process did not finish within 2"},
		{name: "hang with a child", mfa: `sh -c 'sleep 100 & echo $$ $! >> $PIDS; wait'`, errWant: "mfa_process did not finish within 2"},
		{name: "orphan holds stdout", mfa: `sh -c 'sleep 100 & echo $! >> $PIDS; ` + oath + `'`, ok: true,
			warnWant: "warning: profile BobSmith: mfa_process left processes running that held its output; they were killed"},
		{name: "flood", mfa: `sh -c 'echo $$ >> $PIDS; exec yes 123456'`, errWant: "error: profile BobSmith: mfa_process printed more than 4 KiB"},
		{name: "exit status", mfa: `sh -c 'echo 123456; echo "no such account" >&2; exit 3'`, errWant: "mfa_process exited with status 3",
			warnWant: "mfa_process said on stderr: no such account"},
		{name: "seed on argv", mfa: "/usr/bin/oathtool --totp -b " + stsemu.DefaultTOTPSecret, errWant: "'oathtool --totp -b @FILE'"},
		{name: "no secrets in its environment", proc: `sh -c 'env | grep -q "^STSLIB_FILE_PASSPHRASE=\|^STSLIB_MFA_CODE=" && exit 4; exit 5'`,
			env: []string{"STSLIB_MFA_CODE=123456"}, errWant: "error: profile Proc: credential_process exited with status 5"},
		{name: "credential_process hang", proc: `sh -c 'echo $$ >> $PIDS; exec sleep 100'`, errWant: "error: profile Proc: credential_process did not finish within 2"},
		{name: "credential_process flood", proc: `sh -c 'echo $$ >> $PIDS; exec yes {}'`, errWant: "error: profile Proc: credential_process printed more than 64 KiB"},
	}
	var trials, failures, leaks int
	results := make(chan [3]int, len(cases))
	t.Run("cases", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				f, l := runChildCase(t, tc)
				results <- [3]int{1, f, l}
			})
		}
	})
	close(results)
	for r := range results {
		trials, failures, leaks = trials+r[0], failures+r[1], leaks+r[2]
	}
	summary(t, "child-processes", trials, trials, failures, leaks)
}

// runChildCase runs one case and returns its failures and leaks.
func runChildCase(t *testing.T, tc childCase) (failures, leaks int) {
	w := world(t, e2e.EmulatorConfig(nil, nil))
	pids := filepath.Join(w.Dir, "pids")
	src := e2e.DefaultSource()
	role := e2e.RoleProfile{Name: "DynamoDBRole-dev", Role: "DynamoDBRole", SessionName: "bob"}
	extra := ""
	if tc.mfa != "" {
		src.MFAProcess = strings.ReplaceAll(tc.mfa, "$PIDS", pids)
	}
	if tc.proc != "" {
		role = e2e.RoleProfile{Name: "CodeDeployRole-dev", Role: "CodeDeployRole", Source: "Proc"}
		extra = "\n[profile Proc]\ncredential_process = " + strings.ReplaceAll(tc.proc, "$PIDS", pids) + "\n"
	}
	w.WriteProfiles(src, []e2e.RoleProfile{role}, extra)
	r := w.RunEnv(tc.env, role.Name)

	fail := func(format string, args ...any) {
		t.Helper()
		failures++
		t.Errorf(format, args...)
	}
	var errLines, warnLines []string
	for _, l := range strings.Split(strings.TrimRight(r.Stderr, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "stslib-proc: error: "):
			errLines = append(errLines, l)
		case strings.HasPrefix(l, "stslib-proc: warning: "):
			warnLines = append(warnLines, l)
		}
	}
	if tc.ok {
		if r.Code != 0 || len(errLines) != 0 {
			fail("want success: %v", r)
		}
	} else {
		if r.Code == 0 || len(errLines) != 1 || !strings.Contains(errLines[0], tc.errWant) {
			fail("want exit 1 and one error line with %q: %v", tc.errWant, r)
		}
	}
	if tc.warnWant != "" && !strings.Contains(strings.Join(warnLines, "\n"), tc.warnWant) {
		fail("want a warning with %q: %v", tc.warnWant, r)
	}
	for _, secret := range []string{stsemu.DefaultTOTPSecret, e2e.Passphrase, "123456\n"} {
		if strings.Contains(r.Stderr, secret) {
			fail("stderr holds a secret or the child's output: %v", r)
		}
	}
	if r.Took > 40*time.Second {
		fail("took %s: the deadline did not end it", r.Took)
	}
	return failures, leftOver(t, pids)
}

// leftOver counts the processes listed in file that are still running
// (waiting up to 5 s for each to go), and kills them.
func leftOver(t *testing.T, file string) int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		return 0 // the case starts nothing that could stay
	}
	n := 0
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		for end := time.Now().Add(5 * time.Second); running(pid) && time.Now().Before(end); {
			time.Sleep(50 * time.Millisecond)
		}
		if running(pid) {
			n++
			t.Errorf("process %d started by the child is still running", pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	return n
}

// running reports whether pid is a live process (not a zombie).
func running(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z")
}
