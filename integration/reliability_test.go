//go:build integration

package integration_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stslib/stslib-proc/inifile"
	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/stsemu"
	"github.com/stslib/stslib-proc/internal/testenv"
)

// summary prints a test's figures twice: with t.Logf, and as one line on
// stdout that CI logs keep whatever the verbosity:
//
//	reliability: <name>: trials=N faults=N failures=N leaks=N
func summary(t *testing.T, name string, trials, faults, failures, leaks int) {
	t.Helper()
	line := fmt.Sprintf("reliability: %s: trials=%d faults=%d failures=%d leaks=%d", name, trials, faults, failures, leaks)
	t.Log(line)
	fmt.Println(line)
	// go test hides a passing test's output; .ci/run collects these lines
	// through STSLIB_REPORT and prints them after the tests.
	if p := os.Getenv("STSLIB_REPORT"); p != "" {
		if f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			fmt.Fprintln(f, line)
			f.Close()
		}
	}
}

// soakRoles returns n role profiles over n emulator roles (the three of
// the default fixture, then extra ones that trust BobSmith).
func soakRoles(n int) (extra []string, roles []e2e.RoleProfile) {
	base := []string{"DynamoDBRole", "CodeDeployRole", "S3ReadOnlyRole"}
	for i := len(base); i < n; i++ {
		extra = append(extra, fmt.Sprintf("SoakRole%02d", i))
	}
	for _, r := range append(base, extra...)[:n] {
		roles = append(roles, e2e.RoleProfile{Name: r + "-soak", Role: r, SessionName: "bob"})
	}
	return extra, roles
}

// soakDuration is the light soak's length: 15 s, or STSLIB_SOAK_DURATION.
func soakDuration(t *testing.T) time.Duration {
	if v := os.Getenv("STSLIB_SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("STSLIB_SOAK_DURATION=%s: %v", v, err)
		}
		return d
	}
	return 15 * time.Second
}

// TestSoak is the light soak: 40 credential_process invocations at a time
// over 10 roles (MFA from oathtool) for about 15 s, a sync every second,
// and readers of the credentials file (python3's configparser as botocore
// uses it, and inifile.Owned) all along. Every invocation succeeds, the
// processes share one GetSessionToken and one AssumeRole per role (the
// 1-hour roles need no refresh in 15 s), and no read ever sees a file that
// does not parse or lacks a section it had.
func TestSoak(t *testing.T) {
	testenv.Tool(t, "/usr/bin/oathtool")
	py := testenv.Python(t)
	const concurrency, nroles = 40, 10
	dur := soakDuration(t)
	extra, roles := soakRoles(nroles)
	w := world(t, e2e.EmulatorConfig(extra, nil))
	w.WriteProfiles(e2e.DefaultSource(), roles, "")
	original := w.Read(w.CredentialsFile)

	start := time.Now()
	deadline := start.Add(dur)
	var invocations, failures, syncs, syncFailures, goReads, goBad atomic.Int64
	var failMu sync.Mutex
	var failSamples []string
	fail := func(format string, args ...any) {
		failMu.Lock()
		defer failMu.Unlock()
		if len(failSamples) < 5 {
			failSamples = append(failSamples, fmt.Sprintf(format, args...))
		}
	}
	stdouts := make(chan string, 1024)
	var secrets sync.Map // secret key and token values seen on stdout
	var collect sync.WaitGroup
	collect.Go(func() {
		for out := range stdouts {
			if p, err := e2e.ParseProcess(out); err == nil {
				secrets.Store(p.SecretAccessKey, true)
				secrets.Store(p.SessionToken, true)
			}
		}
	})

	// botocore's reader, in one long-lived python3 process.
	pyCmd := exec.Command(py, "-c", e2e.BotocoreReader, w.CredentialsFile, strconv.FormatFloat(float64(deadline.UnixNano())/1e9, 'f', 3, 64))
	var pyOut, pyErr bytes.Buffer
	pyCmd.Stdout, pyCmd.Stderr = &pyOut, &pyErr
	if err := pyCmd.Start(); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	// inifile's reader, in this process.
	wg.Go(func() { e2e.ReadCredentialsUntil(w.CredentialsFile, original, deadline, &goReads, &goBad, fail) })
	// A sync every second. From the second one on, one role is cleared
	// first, so every sync fetches it again and rewrites the file while
	// the readers read.
	var clears atomic.Int64
	wg.Go(func() {
		for i := 0; time.Now().Before(deadline); i++ {
			next := time.Now().Add(time.Second)
			if i > 0 {
				if r := w.Run("clear", roles[i%len(roles)].Name); r.Code != 0 {
					syncFailures.Add(1)
					fail("clear: %v", r)
				}
				clears.Add(1)
			}
			r := w.Run("sync")
			syncs.Add(1)
			if r.Code != 0 {
				syncFailures.Add(1)
				fail("sync: %v", r)
			}
			time.Sleep(time.Until(next))
		}
	})
	// The invocations.
	for i := range concurrency {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			for time.Now().Before(deadline) {
				role := roles[rng.IntN(len(roles))].Name
				r := w.Run(role)
				invocations.Add(1)
				if r.Code != 0 {
					failures.Add(1)
					fail("%s: %v", role, r)
					continue
				}
				if _, err := e2e.ParseProcess(r.Stdout); err != nil {
					failures.Add(1)
					fail("%s: %v", role, err)
					continue
				}
				if strings.TrimSpace(r.Stderr) != "" {
					failures.Add(1)
					fail("%s: stderr not empty: %s", role, r.Stderr)
				}
				select {
				case stdouts <- r.Stdout:
				default:
				}
			}
		})
	}
	wg.Wait()
	close(stdouts)
	collect.Wait()
	if err := pyCmd.Wait(); err != nil {
		t.Fatalf("python3 reader: %v\n%s", err, pyErr.String())
	}
	var pc e2e.ReaderCounts
	if err := json.Unmarshal(pyOut.Bytes(), &pc); err != nil {
		t.Fatalf("python3 reader output: %v\n%s", err, pyOut.String())
	}

	gst, ar := e2e.OK(w.STS, "GetSessionToken"), e2e.OK(w.STS, "AssumeRole")
	leaks := checkNoStrayFiles(t, w) + secretHits(t, w, &secrets)
	t.Logf("soak %s: %d invocations (%d failed), %d syncs (%d failed, %d clears), %d python3 reads (%d bad, max %d sts- sections, %v), %d inifile reads (%d bad); STS: %d GetSessionToken, %d AssumeRole, stats %v",
		time.Since(start).Round(time.Millisecond), invocations.Load(), failures.Load(), syncs.Load(), syncFailures.Load(), clears.Load(),
		pc.Reads, pc.Bad, pc.MaxSTS, pc.Errors, goReads.Load(), goBad.Load(), gst, ar, w.STS.Stats())
	for _, s := range failSamples {
		t.Errorf("failure: %s", s)
	}
	if n := failures.Load() + syncFailures.Load(); n != 0 {
		t.Errorf("%d invocations or syncs failed", n)
	}
	if pc.Bad != 0 || goBad.Load() != 0 {
		t.Errorf("bad reads of the credentials file: python3 %d of %d (%v), inifile %d of %d", pc.Bad, pc.Reads, pc.Errors, goBad.Load(), goReads.Load())
	}
	if pc.Reads == 0 || goReads.Load() == 0 || invocations.Load() < concurrency {
		t.Errorf("too little happened: %d python3 reads, %d inifile reads, %d invocations", pc.Reads, goReads.Load(), invocations.Load())
	}
	if pc.MaxSTS != nroles {
		t.Errorf("python3 saw at most %d sts- sections, want %d", pc.MaxSTS, nroles)
	}
	if gst != 1 {
		t.Errorf("GetSessionToken calls: %d, want 1", gst)
	}
	// One-hour roles with a 15-minute window need no refresh in the run:
	// one AssumeRole per role, and at most one more per clear.
	if ar < nroles || ar > nroles+int(clears.Load()) {
		t.Errorf("AssumeRole calls: %d, want from %d to %d (one per role, one per clear)", ar, nroles, nroles+int(clears.Load()))
	}
	if leaks != 0 {
		t.Errorf("%d leaks (stray temp files or secrets at rest)", leaks)
	}
	summary(t, "soak", int(invocations.Load()+syncs.Load()), 0, int(failures.Load()+syncFailures.Load()+goBad.Load())+pc.Bad, leaks)
}

// strayFiles lists temporary files left in the data directory and beside
// the credentials file.
func strayFiles(t *testing.T, w *e2e.World) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(w.DataDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.Contains(d.Name(), ".tmp") || strings.HasPrefix(d.Name(), ".alias-")) {
			out = append(out, p)
		}
		return nil
	})
	ents, _ := os.ReadDir(filepath.Dir(w.CredentialsFile))
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			out = append(out, filepath.Join(filepath.Dir(w.CredentialsFile), e.Name()))
		}
	}
	return out
}

// checkNoStrayFiles fails the test for each temporary file left behind.
func checkNoStrayFiles(t *testing.T, w *e2e.World) int {
	t.Helper()
	stray := strayFiles(t, w)
	for _, p := range stray {
		t.Errorf("stray temporary file %s", p)
	}
	return len(stray)
}

// ---- kill -9 ----

// proc is a stslib-proc started in the background.
type proc struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
	done   chan struct{}
	err    error
}

// startProc starts stslib-proc in the world without waiting for it.
func startProc(t *testing.T, w *e2e.World, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(w.Bin, args...), done: make(chan struct{})}
	p.cmd.Env = append(w.Environ(), env...)
	p.cmd.Dir = w.Dir
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill9() })
	return p
}

// kill9 sends SIGKILL and waits for the process. It reports whether the
// process was still running (so the kill landed).
func (p *proc) kill9() bool {
	select {
	case <-p.done:
		return false
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
	}
	return false
}

// waitRequests waits until the emulator has received more than n requests
// of action (the call is then in flight, held by the emulator's latency),
// or the process ended. It reports whether the request arrived.
func waitRequests(w *e2e.World, p *proc, action string, n int) bool {
	for {
		if w.STS.Stats()[action] > n {
			return true
		}
		select {
		case <-p.done:
			return false
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// statusRecord is one record of "status --json".
type statusRecord struct {
	Profile string    `json:"profile"`
	Kind    string    `json:"kind"`
	Expires time.Time `json:"expires"`
	Expired bool      `json:"expired"`
	Backend string    `json:"backend"`
}

// checkCache asserts that the data directory is consistent: status --json
// succeeds and decodes, every index file decodes, and there are no stray
// temp files. It returns the records.
func checkCache(t *testing.T, w *e2e.World) []statusRecord {
	t.Helper()
	r := w.Run("status", "--json")
	if r.Code != 0 {
		t.Errorf("status --json after the kill: %v", r)
		return nil
	}
	var recs []statusRecord
	dec := json.NewDecoder(strings.NewReader(r.Stdout))
	if err := dec.Decode(&recs); err != nil {
		t.Errorf("status --json output does not decode: %v\n%s", err, r.Stdout)
	}
	for _, rec := range recs {
		if rec.Profile == "" || rec.Kind == "" || rec.Expires.IsZero() {
			t.Errorf("status shows an incomplete record: %+v", rec)
		}
	}
	ents, _ := os.ReadDir(filepath.Join(w.DataDir, "index"))
	n := 0
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		n++
		b, err := os.ReadFile(filepath.Join(w.DataDir, "index", e.Name()))
		var v map[string]any
		if err == nil {
			err = json.Unmarshal(b, &v)
		}
		if err != nil {
			t.Errorf("index file %s: %v (%d bytes)", e.Name(), err, len(b))
		}
	}
	if n != len(recs) {
		t.Errorf("status shows %d records, the index has %d files", len(recs), n)
	}
	return recs
}

func hasLockTimeout(stderr string) bool {
	return strings.Contains(stderr, "held it for") || strings.Contains(strings.ToLower(stderr), "lock")
}

// code returns the emulator's TOTP code for now+offset.
func code(t *testing.T, w *e2e.World, offset time.Duration) string {
	t.Helper()
	c, err := stsemu.TOTP(stsemu.DefaultTOTPSecret, w.STS.Now().Add(offset))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const killTrials = 3

// TestKill9Login: kill -9 lands while login's GetSessionToken is in
// flight (2 s of emulator latency). The next login (with the next step's
// code) succeeds at once without a lock timeout, and the cache is
// consistent; a role call then uses the new session.
func TestKill9Login(t *testing.T) {
	testenv.Tool(t, "/usr/bin/oathtool")
	t.Parallel()
	landed, failures := 0, 0
	for i := range killTrials {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			w := world(t, e2e.EmulatorConfig(nil, nil))
			src := e2e.DefaultSource()
			src.MFAProcess = ""
			w.WriteProfiles(src, []e2e.RoleProfile{{Name: "CodeDeployRole-dev", Role: "CodeDeployRole"}}, "")
			w.STS.SetLatency(2 * time.Second)
			p := startProc(t, w, nil, "login", "BobSmith", "--mfa-code", code(t, w, 0))
			if !waitRequests(w, p, "GetSessionToken", 0) {
				t.Fatalf("login ended before its GetSessionToken arrived: %v\n%s", p.err, p.stderr.String())
			}
			if !p.kill9() {
				t.Fatalf("kill -9 did not land: %v", p.err)
			}
			landed++
			w.STS.SetLatency(0)
			checkCache(t, w)
			r := w.Run("login", "BobSmith", "--mfa-code", code(t, w, 30*time.Second))
			t.Logf("login after kill: exit %d in %s: %s", r.Code, r.Took.Round(time.Millisecond), strings.TrimSpace(r.Stderr))
			if r.Code != 0 || hasLockTimeout(r.Stderr) {
				failures++
				t.Fatalf("login after kill -9: %v", r)
			}
			if recs := checkCache(t, w); len(recs) != 1 || recs[0].Expired {
				t.Errorf("after login: records %+v, want one valid session", recs)
			}
			if r := w.Run("CodeDeployRole-dev"); r.Code != 0 {
				failures++
				t.Errorf("role call after recovery: %v", r)
			} else if _, err := e2e.ParseProcess(r.Stdout); err != nil {
				t.Error(err)
			}
			if n := e2e.OK(w.STS, "GetSessionToken"); n != 1 {
				t.Errorf("successful GetSessionToken calls: %d, want 1", n)
			}
		})
	}
	summary(t, "kill9-login", killTrials, landed, failures, 0)
}

// TestKill9Refresh: kill -9 lands while a role refresh holds the role's
// lock (AssumeRole in flight, 2 s of latency). The next call takes the
// lock at once, refreshes and succeeds; the cache stays consistent.
func TestKill9Refresh(t *testing.T) {
	testenv.Tool(t, "/usr/bin/oathtool")
	t.Parallel()
	roles := []e2e.RoleProfile{
		{Name: "DynamoDBRole-dev", Role: "DynamoDBRole"},
		{Name: "CodeDeployRole-dev", Role: "CodeDeployRole"},
		{Name: "S3ReadOnlyRole-dev", Role: "S3ReadOnlyRole"},
	}
	w := world(t, e2e.EmulatorConfig(nil, nil))
	w.WriteProfiles(e2e.DefaultSource(), roles, "")
	w.MustRun("login", "BobSmith")
	landed, failures := 0, 0
	for i := range killTrials {
		role := roles[i%len(roles)]
		before := w.STS.Stats()["AssumeRole"]
		w.STS.SetLatency(2 * time.Second)
		p := startProc(t, w, nil, role.Name)
		if !waitRequests(w, p, "AssumeRole", before) {
			t.Fatalf("%s ended before its AssumeRole arrived: %v\n%s", role.Name, p.err, p.stderr.String())
		}
		if !p.kill9() {
			t.Fatalf("kill -9 did not land")
		}
		landed++
		w.STS.SetLatency(0)
		checkCache(t, w)
		r := w.Run(role.Name)
		t.Logf("%s after kill: exit %d in %s", role.Name, r.Code, r.Took.Round(time.Millisecond))
		if r.Code != 0 || hasLockTimeout(r.Stderr) {
			failures++
			t.Errorf("%s after kill -9: %v", role.Name, r)
			continue
		}
		if _, err := e2e.ParseProcess(r.Stdout); err != nil {
			t.Errorf("%s after kill -9: %v", role.Name, err)
		}
	}
	recs := checkCache(t, w)
	if len(recs) != 1+killTrials {
		t.Errorf("status shows %d records, want the session and %d roles: %+v", len(recs), killTrials, recs)
	}
	if n := e2e.OK(w.STS, "GetSessionToken"); n != 1 {
		t.Errorf("GetSessionToken calls: %d, want 1 (the session survives)", n)
	}
	summary(t, "kill9-refresh", killTrials, landed, failures, 0)
}

// TestKill9Sync kills sync (a) while its AssumeRole calls are in flight,
// then (b) at random moments of a whole sync. After each kill the
// credentials file is byte-identical to before or a complete new file
// (parses, the user's part intact, every section there), and the next sync
// succeeds without waiting for a lock.
func TestKill9Sync(t *testing.T) {
	testenv.Tool(t, "/usr/bin/oathtool")
	t.Parallel()
	const nroles = 6
	extra, roles := soakRoles(nroles)
	w := world(t, e2e.EmulatorConfig(extra, nil))
	w.WriteProfiles(e2e.DefaultSource(), roles, "")
	w.Write(w.CredentialsFile, userCredentials)
	w.MustRun("login", "BobSmith")
	var names []string
	for _, r := range roles {
		names = append(names, r.Name)
	}
	clearRoles := func() { w.MustRun(append([]string{"clear"}, names...)...) }

	landed, failures, trials := 0, 0, 0
	unchanged, complete := 0, 0
	check := func(what, before string) {
		t.Helper()
		after := w.Read(w.CredentialsFile)
		if after == before {
			unchanged++
			return
		}
		complete++
		if !strings.HasPrefix(after, userCredentials) {
			failures++
			t.Errorf("%s: the user's part of the credentials file changed", what)
			return
		}
		owned, err := inifile.Owned([]byte(after))
		if err != nil || len(owned) != nroles {
			failures++
			t.Errorf("%s: partial credentials file: %d owned sections (%v), want %d", what, len(owned), err, nroles)
		}
	}
	recover := func(what string) {
		t.Helper()
		r := w.Run("sync")
		if r.Code != 0 || hasLockTimeout(r.Stderr) {
			failures++
			t.Errorf("%s: sync after kill -9: %v", what, r)
		}
		checkCache(t, w)
		check(what+", recovery", "")
		complete--
	}

	// (a) AssumeRole in flight.
	for i := range killTrials {
		trials++
		what := fmt.Sprintf("in-flight kill %d", i)
		clearRoles()
		before := w.Read(w.CredentialsFile)
		n := w.STS.Stats()["AssumeRole"]
		w.STS.SetLatency(2 * time.Second)
		p := startProc(t, w, nil, "sync")
		if !waitRequests(w, p, "AssumeRole", n) {
			t.Fatalf("sync ended before its AssumeRole calls arrived: %v\n%s", p.err, p.stderr.String())
		}
		if p.kill9() {
			landed++
		}
		w.STS.SetLatency(0)
		if got := w.Read(w.CredentialsFile); got != before {
			failures++
			t.Errorf("%s: sync killed before writing changed the credentials file", what)
		}
		recover(what)
	}

	// (b) Kill at random moments of a sync that must write every section.
	clearRoles()
	r := w.MustRun("sync")
	full := r.Took
	t.Logf("a full sync of %d roles took %s", nroles, full.Round(time.Millisecond))
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	const randomTrials = 10
	for i := range randomTrials {
		trials++
		what := fmt.Sprintf("random kill %d", i)
		clearRoles()
		before := w.Read(w.CredentialsFile)
		delay := time.Duration(rng.Int64N(int64(full)*3/2 + 1))
		p := startProc(t, w, nil, "sync")
		time.Sleep(delay)
		if p.kill9() {
			landed++
		}
		check(fmt.Sprintf("%s after %s", what, delay.Round(time.Millisecond)), before)
		recover(what)
	}
	t.Logf("%d kills landed of %d trials; after the kill the file was unchanged %d times, complete and new %d times", landed, trials, unchanged, complete)
	if landed == 0 {
		t.Errorf("no kill landed: the test proves nothing")
	}
	if _, err := os.Stat(w.CredentialsFile + ".lock"); err == nil {
		// The sidecar lock file may stay; it must not be held.
		r := w.Run("sync")
		if r.Code != 0 {
			t.Errorf("sync with the sidecar lock left behind: %v", r)
		}
	}
	// A killed writer leaves its temporary file behind. The next writer
	// removes those older than a minute (a live writer's is milliseconds
	// old): age what the kills left, write once more, and none may stay.
	left := strayFiles(t, w)
	t.Logf("%d temporary files left by the kills", len(left))
	past := time.Now().Add(-2 * time.Minute)
	for _, p := range left {
		os.Chtimes(p, past, past)
	}
	clearRoles()
	w.MustRun("sync")
	leaks := 0
	t.Run("killed writers' temporary files are cleaned up", func(t *testing.T) { leaks = checkNoStrayFiles(t, w) })
	summary(t, "kill9-sync", trials, landed, failures, leaks)
}
