//go:build linux

package warm

import (
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperOut makes the test binary, started by StartRefresh, report how it
// was started instead of running tests.
const helperOut = "WARM_TEST_REFRESH_REPORT"

type childReport struct {
	Args          []string `json:"args"`
	OwnSession    bool     `json:"own_session"`
	Nice          []int    `json:"nice"` // of every thread
	Stdio         []string `json:"stdio"`
	NonInteractve string   `json:"noninteractive"`
	Wd            string   `json:"wd"`
	Socket        string   `json:"socket"`
}

func TestMain(m *testing.M) {
	if out := os.Getenv(helperOut); out != "" {
		os.Exit(reportChild(out))
	}
	os.Exit(m.Run())
}

// reportChild writes how this process was started to out, once the parent
// has lowered its priority (or after 5 s).
func reportChild(out string) int {
	var r childReport
	r.Args = os.Args[1:]
	sid, _, _ := syscall.RawSyscall(syscall.SYS_GETSID, 0, 0, 0)
	r.OwnSession = int(sid) == os.Getpid()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		r.Nice = threadNice()
		if len(r.Nice) > 0 && r.Nice[0] != 0 {
			break
		}
	}
	for fd := range 3 {
		l, _ := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
		r.Stdio = append(r.Stdio, l)
	}
	r.NonInteractve = os.Getenv("STSLIB_NONINTERACTIVE")
	r.Wd, _ = os.Getwd()
	r.Socket = os.Getenv(RefresherEnv)
	b, _ := json.Marshal(r)
	if err := os.WriteFile(out+".tmp", b, 0o600); err != nil {
		return 1
	}
	if err := os.Rename(out+".tmp", out); err != nil {
		return 1
	}
	return 0
}

// threadNice is the nice value of each of this process's threads.
func threadNice() []int {
	tasks, _ := os.ReadDir("/proc/self/task")
	var out []int
	for _, t := range tasks {
		b, err := os.ReadFile(filepath.Join("/proc/self/task", t.Name(), "stat"))
		if err != nil {
			continue
		}
		// Field 19 is nice; fields after the ")" of comm are split safely.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) > 16 {
			n, _ := strconv.Atoi(f[16])
			out = append(out, n)
		}
	}
	return out
}

func waitReport(t *testing.T, path string) childReport {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		var r childReport
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	t.Fatal("the background refresh never reported")
	return childReport{}
}

func TestStartRefresh(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(t.TempDir(), "data") // missing: the first call makes it
	out := filepath.Join(t.TempDir(), "report.json")
	t.Setenv(helperOut, out)
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}

	if s := StartRefresh(exe, dataDir, "-odd name"); s != Spawned {
		t.Fatalf("first StartRefresh: %s, want %s", s, Spawned)
	}
	r := waitReport(t, out)
	if want := []string{RefreshCommand, "--", "-odd name"}; strings.Join(r.Args, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("args = %q, want %q", r.Args, want)
	}
	if want := RefresherSocket(dataDir, exe, wd, os.Environ()); r.Socket != want || want == "" {
		t.Errorf("%s = %q, want %q", RefresherEnv, r.Socket, want)
	}
	if !r.OwnSession {
		t.Error("the refresh is not in a session of its own")
	}
	if len(r.Nice) == 0 {
		t.Error("no thread seen")
	}
	for _, n := range r.Nice {
		if n != backgroundNice {
			t.Errorf("thread nice values %v, want all %d", r.Nice, backgroundNice)
			break
		}
	}
	for i, l := range r.Stdio {
		if l != os.DevNull {
			t.Errorf("fd %d is %q, want %s", i, l, os.DevNull)
		}
	}
	if r.Wd != wd {
		t.Errorf("the refresh runs in %q, not in the caller's directory %q", r.Wd, wd)
	}
	if r.NonInteractve != "1" {
		t.Errorf("STSLIB_NONINTERACTIVE = %q, want 1", r.NonInteractve)
	}
	st, err := os.Stat(filepath.Join(dataDir, "refreshing"))
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("marker directory: %v, %v; want mode 0700", st, err)
	}

	// While the marker is fresh, no second refresh starts.
	os.Remove(out)
	if s := StartRefresh(exe, dataDir, "-odd name"); s != NotStarted {
		t.Errorf("while the first one's marker is fresh: %s, want %s", s, NotStarted)
	}
	// Another profile has its own marker.
	if s := StartRefresh(exe, dataDir, "other"); s != Spawned {
		t.Errorf("another profile: %s, want %s", s, Spawned)
	}
	waitReport(t, out)

	// A finished refresh removes its marker: the next one starts at once.
	os.Remove(out)
	RefreshDone(dataDir, "-odd name")
	if s := StartRefresh(exe, dataDir, "-odd name"); s != Spawned {
		t.Errorf("after the last one finished: %s, want %s", s, Spawned)
	}
	waitReport(t, out)

	// A marker older than spawnGap (its refresh died) or from the future
	// is stale.
	for _, age := range []time.Duration{spawnGap + time.Second, -time.Hour} {
		os.Remove(out)
		old := time.Now().Add(-age)
		if err := os.Chtimes(refreshMarker(dataDir, "-odd name"), old, old); err != nil {
			t.Fatal(err)
		}
		if s := StartRefresh(exe, dataDir, "-odd name"); s != Spawned {
			t.Errorf("marker aged %s: %s, want %s", age, s, Spawned)
			continue
		}
		waitReport(t, out)
	}

	// A binary that cannot start leaves no marker behind.
	RefreshDone(dataDir, "gone")
	if s := StartRefresh(filepath.Join(t.TempDir(), "missing"), dataDir, "gone"); s != NotStarted {
		t.Errorf("a missing binary: %s, want %s", s, NotStarted)
	}
	if _, err := os.Stat(refreshMarker(dataDir, "gone")); err == nil {
		t.Error("a failed start left its marker")
	}
}

// TestStartRefreshHandsOver: with a refresher listening for this
// environment, the profile goes over its socket and no process starts; a
// socket that nobody answers any more is no obstacle.
func TestStartRefreshHandsOver(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(t.TempDir(), "d")
	out := filepath.Join(t.TempDir(), "report.json")
	t.Setenv(helperOut, out)
	wd, _ := os.Getwd()
	sock := RefresherSocket(dataDir, exe, wd, os.Environ())
	if sock == "" {
		t.Fatalf("no socket for data directory %s", dataDir)
	}
	if err := os.MkdirAll(filepath.Dir(sock), 0o700); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(c)
		c.Close()
		got <- string(b)
	}()
	if s := StartRefresh(exe, dataDir, "R1"); s != HandedOver {
		t.Fatalf("with a refresher listening: %s, want %s", s, HandedOver)
	}
	select {
	case msg := <-got:
		if want := RefresherRequest + "R1"; msg != want {
			t.Errorf("refresher got %q, want %q", msg, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the refresher got nothing")
	}
	time.Sleep(100 * time.Millisecond)
	if _, err := os.Stat(out); err == nil {
		t.Error("a process was started although the refresher took the profile")
	}

	// A refresher that takes profiles but never renews them (stopped,
	// hung): once the marker is older than spawnGap, the next call does not
	// hand over again but starts a refresh of its own, alone.
	old := time.Now().Add(-spawnGap - time.Second)
	if err := os.Chtimes(refreshMarker(dataDir, "R1"), old, old); err != nil {
		t.Fatal(err)
	}
	if s := StartRefresh(exe, dataDir, "R1"); s != Spawned {
		t.Fatalf("after a handed-over renewal never finished: %s, want %s", s, Spawned)
	}
	if r := waitReport(t, out); r.Socket != "" {
		t.Errorf("the refresh that bypasses a hung refresher got %s=%q; want none", RefresherEnv, r.Socket)
	}
	os.Remove(out)

	// The listener is gone but its file stays (it was killed): a process
	// starts, told to take the socket over.
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	if _, err := os.Stat(sock); err != nil {
		t.Fatal(err)
	}
	if s := StartRefresh(exe, dataDir, "R2"); s != Spawned {
		t.Fatalf("past a dead socket: %s, want %s", s, Spawned)
	}
	if r := waitReport(t, out); r.Socket != sock {
		t.Errorf("%s = %q, want %s", RefresherEnv, r.Socket, sock)
	}
}

func TestRefresherSocket(t *testing.T) {
	env := []string{"A=1", "B=2"}
	base := RefresherSocket("/d", "/bin/sh", "/w", env)
	if base == "" || filepath.Dir(base) != "/d/refresher" {
		t.Fatalf("socket %q, want one in /d/refresher", base)
	}
	for name, other := range map[string]string{
		"variable":  RefresherSocket("/d", "/bin/sh", "/w", []string{"A=1", "B=3"}),
		"directory": RefresherSocket("/d", "/bin/sh", "/x", env),
		"binary":    RefresherSocket("/d", "/bin/ls", "/w", env),
		"data":      RefresherSocket("/e", "/bin/sh", "/w", env),
		"split":     RefresherSocket("/d", "/bin/sh", "/w", []string{"A=1B=2"}),
	} {
		if other == base {
			t.Errorf("another %s, the same socket %q", name, base)
		}
	}
	if again := RefresherSocket("/d", "/bin/sh", "/w", env); again != base {
		t.Errorf("not stable: %q then %q", base, again)
	}
	if p := RefresherSocket("/"+strings.Repeat("x", 80), "/bin/sh", "/w", env); p != "" {
		t.Errorf("a path too long for a socket: %q", p)
	}
	if p := RefresherSocket("rel", "/bin/sh", "/w", env); p != "" {
		t.Errorf("a relative data directory gives %q", p)
	}
}

// BenchmarkStartRefreshHandOver is what a call in the refresh-ahead band
// adds when a refresher is listening: the marker, the socket's name, a
// connect and a write.
func BenchmarkStartRefreshHandOver(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	dataDir := filepath.Join(b.TempDir(), "d")
	wd, _ := os.Getwd()
	sock := RefresherSocket(dataDir, exe, wd, os.Environ())
	if err := os.MkdirAll(filepath.Dir(sock), 0o700); err != nil {
		b.Fatal(err)
	}
	l, err := net.Listen("unix", sock)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			io.Copy(io.Discard, c)
			c.Close()
		}
	}()
	for b.Loop() {
		if StartRefresh(exe, dataDir, "R") != HandedOver {
			b.Fatal("not handed over")
		}
		RefreshDone(dataDir, "R")
	}
}
