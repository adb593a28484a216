package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stslib/stslib-proc/internal/stsemu"
	"github.com/stslib/stslib-proc/internal/testenv"
	"github.com/stslib/stslib-proc/keychain/kernel"
	"github.com/stslib/stslib-proc/serve/warm"
)

// world is a HOME with the README's layout against an emulator.
type world struct {
	t    *testing.T
	home string
	emu  *stsemu.Server
	vars map[string]string
}

func newWorld(t *testing.T) *world {
	emu := stsemu.StartTest(t, stsemu.DefaultConfig())
	home := t.TempDir()
	w := &world{t: t, home: home, emu: emu, vars: map[string]string{
		"HOME": home, "USER": "tester", "AWS_ENDPOINT_URL_STS": emu.URL(),
		"STSLIB_DATA_DIR": filepath.Join(home, "data"), "XDG_STATE_HOME": filepath.Join(home, "state"),
		"STSLIB_KEYRING": "memory",
	}}
	t.Cleanup(func() {
		testenv.RemoveKernelRecords(w.vars["STSLIB_DATA_DIR"])
		testenv.RemoveStateKernelRecords(filepath.Join(w.vars["XDG_STATE_HOME"], "stslib-proc"))
	})
	os.MkdirAll(filepath.Join(home, ".aws"), 0o700)
	w.write(".aws/credentials", "[BobSmith]\naws_access_key_id = "+stsemu.DefaultAccessKeyID+"\naws_secret_access_key = "+stsemu.DefaultSecretAccessKey+"\n")
	w.config("CodeDeployRole")
	return w
}

func (w *world) write(name, text string) {
	if err := os.WriteFile(filepath.Join(w.home, name), []byte(text), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// config points profile R at role (same size for every role name of the
// same length, so only the content tells them apart).
func (w *world) config(role string) {
	w.write(".aws/config", "[profile BobSmith]\nmfa_serial = "+stsemu.DefaultMFASerial+"\n\n[profile R]\nrole_arn = arn:aws:iam::444455556666:role/"+role+"\nsource_profile = BobSmith\n")
	when := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	os.Chtimes(filepath.Join(w.home, ".aws", "config"), when, when)
}

func (w *world) env() Env {
	var stderr bytes.Buffer
	return Env{Stderr: &stderr, Getenv: func(k string) string { return w.vars[k] }, Now: time.Now, Home: w.home}
}

// process runs one credential_process request and returns the access key
// ID it printed.
func (w *world) process(code string) string {
	w.t.Helper()
	var out bytes.Buffer
	if err := Process(context.Background(), &out, w.env(), "R", code); err != nil {
		w.t.Fatal(err)
	}
	var got struct {
		Version     int
		AccessKeyId string
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || got.Version != 1 {
		w.t.Fatalf("output %q: %v", out.String(), err)
	}
	return got.AccessKeyId
}

func code(t *testing.T, at time.Time) string {
	c, err := stsemu.TOTP(stsemu.DefaultTOTPSecret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestProcessWarmThenFull: the first call takes the full path and
// remembers the alias; the next is answered warm (no STS call); after the
// config is pointed at another role, with the same size and time, the
// warm path steps aside and the new role is served.
func TestProcessWarmThenFull(t *testing.T) {
	if _, err := kernel.NewKernel(); err != nil {
		t.Skip("no kernel keyring: the warm path needs its hot tier")
	}
	w := newWorld(t)
	// auto on a headless host: the kernel keyring, no scrypt (which takes
	// seconds under the race detector).
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	w.vars["STSLIB_KEYRING"] = "auto"
	first := w.process(code(t, time.Now()))
	if n := w.emu.Stats()["AssumeRole"]; n != 1 {
		t.Fatalf("AssumeRole %d, want 1", n)
	}
	if again := w.process(""); again != first || w.emu.Stats()["AssumeRole"] != 1 {
		t.Errorf("second call: key %s (first %s), AssumeRole %d; want the cached record", again, first, w.emu.Stats()["AssumeRole"])
	}
	var out bytes.Buffer
	if !warm.Serve(&out, warm.Env{Getenv: w.env().Getenv, Home: w.home, Now: time.Now}, "R") {
		t.Error("the alias does not answer warm")
	}
	w.config("S3ReadOnlyRole") // same length as CodeDeployRole: same size and time
	if warm.Serve(&out, warm.Env{Getenv: w.env().Getenv, Home: w.home, Now: time.Now}, "R") {
		t.Fatal("the warm path answered for a changed config")
	}
	if other := w.process(""); other == first || w.emu.Stats()["AssumeRole"] != 2 {
		t.Errorf("after the edit: key %s, AssumeRole %d; want a new role's credentials", other, w.emu.Stats()["AssumeRole"])
	}
	calls := w.emu.Calls()
	if last := calls[len(calls)-1]; last.Params.Get("RoleArn") != "arn:aws:iam::444455556666:role/S3ReadOnlyRole" {
		t.Errorf("last AssumeRole for %s", last.Params.Get("RoleArn"))
	}
}

func TestOpenRefusesUnknownKeyring(t *testing.T) {
	w := newWorld(t)
	w.vars["STSLIB_KEYRING"] = "vault"
	_, err := Open(w.env())
	if err == nil || !strings.Contains(err.Error(), "auto") {
		t.Fatalf("err = %v, want the list of backends", err)
	}
}

// TestProcessRefusesRecursion: a command stslib-proc runs must not run it.
func TestProcessRefusesRecursion(t *testing.T) {
	w := newWorld(t)
	w.vars["STSLIB_PROC_ACTIVE"] = "1"
	if err := Process(context.Background(), new(bytes.Buffer), w.env(), "R", ""); err == nil || !strings.Contains(err.Error(), "recursion") {
		t.Fatalf("err = %v", err)
	}
}
