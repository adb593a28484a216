//go:build integration

package integration_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"unicode"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/stsemu"
	"github.com/stslib/stslib-proc/internal/testenv"
)

// outcome is what a hostile input must lead to.
type outcome int

const (
	mustFail  outcome = iota // a one-line error, non-zero exit, nothing written
	mustWork                 // success (a corrupt cache is re-fetched)
	mayEither                // success, or a clean failure as for mustFail
)

// hostileCase is one hostile input. The world starts with the default
// source (no MFA device: the cases never wait for a TOTP step), the
// CodeDeployRole-dev role profile and the user's credentials file.
type hostileCase struct {
	name  string
	setup func(t *testing.T, w *e2e.World)
	args  []string
	want  outcome
	// errWant are substrings of the error line ($CONFIG, $CREDS and
	// $STSLIB stand for the files' paths).
	errWant []string
	// check runs after the command, for extra assertions.
	check func(t *testing.T, w *e2e.World, r e2e.Result)
}

// garbage is n bytes of seeded random binary data.
func garbage(seed uint64, n int) string {
	rng := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	return string(b)
}

const hostileRole = "CodeDeployRole-dev"

func addConfig(w *e2e.World, text string) { w.Write(w.ConfigFile, w.Read(w.ConfigFile)+text) }

func roleSection(name, role, source string) string {
	return fmt.Sprintf("\n[profile %s]\nrole_arn = %s\nsource_profile = %s\n", name, e2e.RoleARN(role), source)
}

// warm runs the role once so the cache holds a session and the role.
func warm(t *testing.T, w *e2e.World) {
	t.Helper()
	w.MustRun(hostileRole)
}

// corruptIndex overwrites the role's index file with data.
func corruptIndex(t *testing.T, w *e2e.World, data string) {
	t.Helper()
	dir := filepath.Join(w.DataDir, "index")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		var ie struct{ Profile, Kind string }
		b, _ := os.ReadFile(p)
		if json.Unmarshal(b, &ie) == nil && ie.Profile == hostileRole {
			n++
			if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n != 1 {
		t.Fatalf("found %d index files for %s, want 1", n, hostileRole)
	}
}

// moveDataDir copies the data directory to a new path and points the
// world at it, so the kernel keyring's hot tier (namespaced by the data
// directory) misses and the file keyring is read.
func moveDataDir(t *testing.T, w *e2e.World) {
	t.Helper()
	to := filepath.Join(w.Dir, "data2")
	if out, err := exec.Command("cp", "-a", w.DataDir, to).CombinedOutput(); err != nil {
		t.Fatalf("cp -a: %v\n%s", err, out)
	}
	// The old directory's kernel records would outlive the world, which
	// cleans up the new one's.
	testenv.RemoveKernelRecords(w.DataDir)
	w.DataDir = to
}

// corruptKeyring rewrites every record of the file keyring (not its
// identity) with f.
func corruptKeyring(t *testing.T, w *e2e.World, f func([]byte) []byte) {
	t.Helper()
	dir := filepath.Join(w.DataDir, "keyring")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".age") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f(b), 0o600); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n < 2 {
		t.Fatalf("corrupted %d keyring records, want the session and the role", n)
	}
}

// refetched asserts that the role was fetched again from STS.
func refetched(assumeRoles int) func(t *testing.T, w *e2e.World, r e2e.Result) {
	return func(t *testing.T, w *e2e.World, r e2e.Result) {
		t.Helper()
		if n := e2e.OK(w.STS, "AssumeRole"); n != assumeRoles {
			t.Errorf("AssumeRole calls: %d, want %d (the corrupt record re-fetched)", n, assumeRoles)
		}
		if r := w.Run(hostileRole); r.Code != 0 {
			t.Errorf("the call after the re-fetch: %v", r)
		}
		if n := e2e.OK(w.STS, "AssumeRole"); n != assumeRoles {
			t.Errorf("AssumeRole calls after one more call: %d, want %d (the re-fetched record is cached)", n, assumeRoles)
		}
	}
}

func hostileCases() []hostileCase {
	long := strings.Repeat("L", 100_000)
	return []hostileCase{
		{
			name:    "profile name with ] in config, sync",
			setup:   func(t *testing.T, w *e2e.World) { addConfig(w, roleSection("Bad]Name", "S3ReadOnlyRole", "BobSmith")) },
			args:    []string{"sync"},
			want:    mustFail,
			errWant: []string{"Bad]Name"},
		},
		{
			name:  "profile name with ] in config, process",
			setup: func(t *testing.T, w *e2e.World) { addConfig(w, roleSection("Bad]Name", "S3ReadOnlyRole", "BobSmith")) },
			args:  []string{"Bad]Name"},
			want:  mayEither,
		},
		{
			name: "profile name with newline",
			args: []string{"CodeDeploy\nRole-dev"},
			want: mustFail,
		},
		{
			name: "profile name with control characters",
			args: []string{"Code\x1b[2J\x07Deploy\rRole-dev"},
			want: mustFail,
		},
		{
			name: "sync of a profile name with control characters",
			args: []string{"sync", "Code\x1b[2JDeploy"},
			want: mustFail,
		},
		{
			name: "very long profile name",
			args: []string{long},
			want: mustFail,
		},
		{
			name: "very long profile name in config, sync",
			setup: func(t *testing.T, w *e2e.World) {
				addConfig(w, roleSection(long[:10_000], "S3ReadOnlyRole", "BobSmith"))
			},
			args:    []string{"sync"},
			want:    mustFail,
			errWant: []string{"LLLL"},
		},
		{
			name: "10 MB config file",
			setup: func(t *testing.T, w *e2e.World) {
				var b strings.Builder
				for i := 0; b.Len() < 10<<20; i++ {
					fmt.Fprintf(&b, "\n[profile filler-%d]\nregion = us-east-1\n# %s\n", i, strings.Repeat("x", 200))
				}
				addConfig(w, b.String())
			},
			args: []string{hostileRole},
			want: mayEither,
		},
		{
			name: "10 MB config file, sync",
			setup: func(t *testing.T, w *e2e.World) {
				addConfig(w, "\n# "+strings.Repeat("y", 10<<20)+"\n")
			},
			args: []string{"sync"},
			want: mayEither,
		},
		{
			name:    "binary garbage as config file",
			setup:   func(t *testing.T, w *e2e.World) { w.Write(w.ConfigFile, garbage(1, 64<<10)) },
			args:    []string{hostileRole},
			want:    mustFail,
			errWant: []string{"$CONFIG"},
		},
		{
			name:    "binary garbage as config file, sync",
			setup:   func(t *testing.T, w *e2e.World) { w.Write(w.ConfigFile, garbage(2, 64<<10)) },
			args:    []string{"sync"},
			want:    mustFail,
			errWant: []string{"$CONFIG"},
		},
		{
			name:    "binary garbage as credentials file",
			setup:   func(t *testing.T, w *e2e.World) { w.Write(w.CredentialsFile, garbage(3, 64<<10)) },
			args:    []string{hostileRole},
			want:    mustFail,
			errWant: []string{"$CREDS"},
		},
		{
			name: "binary garbage as credentials file, sync after login",
			setup: func(t *testing.T, w *e2e.World) {
				w.MustRun("login", "BobSmith")
				w.Write(w.CredentialsFile, garbage(4, 64<<10))
			},
			args:    []string{"sync"},
			want:    mustFail,
			errWant: []string{"$CREDS"},
		},
		{
			name: "credentials line without delimiter holding the secret",
			setup: func(t *testing.T, w *e2e.World) {
				w.Write(w.CredentialsFile, "[BobSmith]\naws_access_key_id = "+stsemu.DefaultAccessKeyID+"\naws_secret_access_key "+stsemu.DefaultSecretAccessKey+"\n")
			},
			args:    []string{hostileRole},
			want:    mustFail,
			errWant: []string{"$CREDS:3:"},
		},
		{
			name: "config line without delimiter, sync",
			setup: func(t *testing.T, w *e2e.World) {
				addConfig(w, "\n[profile x]\nmfa_serial "+stsemu.DefaultSecretAccessKey+"\n")
			},
			args:    []string{"sync"},
			want:    mustFail,
			errWant: []string{"$CONFIG"},
		},
		{
			name: "duplicate role sections in config",
			setup: func(t *testing.T, w *e2e.World) {
				addConfig(w, roleSection(hostileRole, "S3ReadOnlyRole", "BobSmith"))
			},
			args: []string{hostileRole},
			want: mayEither,
			check: func(t *testing.T, w *e2e.World, r e2e.Result) {
				// botocore merges duplicate sections (the last value wins);
				// a success must use that role.
				if r.Code == 0 {
					if calls := e2e.CallsOf(w.STS, "AssumeRole"); len(calls) != 1 || calls[0].Params.Get("RoleArn") != e2e.RoleARN("S3ReadOnlyRole") {
						t.Errorf("duplicate sections: assumed %v, want S3ReadOnlyRole as botocore would", calls)
					}
				}
			},
		},
		{
			name: "duplicate sts- sections in credentials file, sync",
			setup: func(t *testing.T, w *e2e.World) {
				w.MustRun("sync")
				c := w.Read(w.CredentialsFile)
				i := strings.Index(c, "[sts-"+hostileRole+"]")
				if i < 0 {
					t.Fatalf("sync wrote no sts-%s section", hostileRole)
				}
				w.Write(w.CredentialsFile, c+"\n"+c[i:])
				w.MustRun("clear", hostileRole)
			},
			args: []string{"sync"},
			want: mayEither,
			check: func(t *testing.T, w *e2e.World, r e2e.Result) {
				if r.Code == 0 {
					if n := strings.Count(w.Read(w.CredentialsFile), "[sts-"+hostileRole+"]"); n != 1 {
						t.Errorf("sync succeeded and left %d [sts-%s] sections; botocore's configparser refuses duplicates", n, hostileRole)
					}
				}
			},
		},
		{
			name: "duplicate source sections in credentials file",
			setup: func(t *testing.T, w *e2e.World) {
				w.Write(w.CredentialsFile, w.Read(w.CredentialsFile)+"\n[BobSmith]\naws_access_key_id = AKIADUPLICATE0000000\n")
			},
			args: []string{hostileRole},
			want: mayEither,
		},
		{
			name:    "self-referencing profile",
			setup:   func(t *testing.T, w *e2e.World) { addConfig(w, roleSection("Self", "S3ReadOnlyRole", "Self")) },
			args:    []string{"Self"},
			want:    mustFail,
			errWant: []string{"Self", "cycle"},
		},
		{
			name: "mutually-referencing profiles, sync",
			setup: func(t *testing.T, w *e2e.World) {
				addConfig(w, roleSection("LoopA", "S3ReadOnlyRole", "LoopB")+roleSection("LoopB", "S3ReadOnlyRole", "LoopA"))
			},
			args:    []string{"sync", "LoopA"},
			want:    mustFail,
			errWant: []string{"LoopA", "cycle"},
		},
		{
			name: "mutually-referencing profiles among good ones, sync",
			setup: func(t *testing.T, w *e2e.World) {
				addConfig(w, roleSection("LoopA", "S3ReadOnlyRole", "LoopB")+roleSection("LoopB", "S3ReadOnlyRole", "LoopA"))
			},
			args: []string{"sync"},
			want: mayEither,
		},
		{
			name:    "config.yml garbage",
			setup:   func(t *testing.T, w *e2e.World) { w.WriteStslibConfig(garbage(5, 4096)) },
			args:    []string{hostileRole},
			want:    mustFail,
			errWant: []string{"$STSLIB"},
		},
		{
			name:    "config.yml garbage, sync",
			setup:   func(t *testing.T, w *e2e.World) { w.WriteStslibConfig("refresh_window: [\x00\x01\n\t- {{{\n") },
			args:    []string{"sync"},
			want:    mustFail,
			errWant: []string{"$STSLIB"},
		},
		{
			name:  "corrupt index file",
			setup: func(t *testing.T, w *e2e.World) { warm(t, w); corruptIndex(t, w, garbage(6, 300)) },
			args:  []string{hostileRole},
			want:  mustWork,
			check: refetched(2),
		},
		{
			name:  "empty index file",
			setup: func(t *testing.T, w *e2e.World) { warm(t, w); corruptIndex(t, w, "") },
			args:  []string{hostileRole},
			want:  mustWork,
			check: refetched(2),
		},
		{
			name: "corrupt keyring records",
			setup: func(t *testing.T, w *e2e.World) {
				warm(t, w)
				moveDataDir(t, w)
				corruptKeyring(t, w, func(b []byte) []byte { return []byte(garbage(7, len(b))) })
			},
			args:  []string{hostileRole},
			want:  mustWork,
			check: refetched(2),
		},
		{
			name: "truncated keyring records",
			setup: func(t *testing.T, w *e2e.World) {
				warm(t, w)
				moveDataDir(t, w)
				corruptKeyring(t, w, func(b []byte) []byte { return b[:len(b)/2] })
			},
			args:  []string{hostileRole},
			want:  mustWork,
			check: refetched(2),
		},
		{
			name: "corrupt index file, status",
			setup: func(t *testing.T, w *e2e.World) {
				warm(t, w)
				corruptIndex(t, w, "{\"key\":")
			},
			args: []string{"status", "--json"},
			want: mustWork,
		},
	}
}

// TestHostileInputs feeds stslib-proc hostile profile names, files and
// cache contents. Each leads to a one-line error (no panic, non-zero exit,
// empty stdout, nothing written: the credentials file is byte-identical)
// or, for a corrupt cache, to a transparent re-fetch.
func TestHostileInputs(t *testing.T) {
	testenv.Tool(t, "/usr/bin/oathtool")
	t.Parallel()
	var trials, failures atomic.Int64
	t.Run("cases", func(t *testing.T) {
		for _, c := range hostileCases() {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				trials.Add(1)
				ok := false
				defer func() {
					if !ok || t.Failed() {
						failures.Add(1)
					}
				}()
				w := world(t, e2e.EmulatorConfig(nil, nil))
				w.WriteProfiles(noMFASource(), []e2e.RoleProfile{{Name: hostileRole, Role: "CodeDeployRole"}}, "")
				if c.setup != nil {
					c.setup(t, w)
				}
				before, err := os.ReadFile(w.CredentialsFile)
				if err != nil {
					t.Fatal(err)
				}
				r := w.Run(c.args...)
				t.Logf("exit %d, stderr (%d bytes): %.300q", r.Code, len(r.Stderr), r.Stderr)
				for _, s := range []string{"panic:", "goroutine ", "runtime error", "runtime/debug"} {
					if strings.Contains(r.Stderr, s) {
						t.Fatalf("stderr shows a crash (%q):\n%s", s, r.Stderr)
					}
				}
				if strings.Contains(r.Stderr, stsemu.DefaultSecretAccessKey) || strings.Contains(r.Stderr, stsemu.DefaultSecretAccessKey[:16]) {
					t.Errorf("stderr shows the long-term secret key")
				}
				if i := strings.IndexFunc(r.Stderr, func(r rune) bool { return r != '\n' && r != '\t' && unicode.IsControl(r) }); i >= 0 {
					t.Errorf("stderr holds a raw control character %q at byte %d: %.200q", r.Stderr[i], i, r.Stderr)
				}
				failed := r.Code != 0
				switch {
				case c.want == mustWork && failed:
					t.Fatalf("want success: %v", r)
				case c.want == mustFail && !failed:
					t.Fatalf("want an error: %v", r)
				}
				if failed {
					checkError(t, w, errorCase{}, r)
					for _, s := range c.errWant {
						s = strings.NewReplacer("$CONFIG", w.ConfigFile, "$CREDS", w.CredentialsFile, "$STSLIB", w.StslibConfig).Replace(s)
						if !strings.Contains(r.Stderr, s) {
							t.Errorf("error lacks %.80q:\n%.500s", s, r.Stderr)
						}
					}
					if l := len(strings.SplitN(r.Stderr, "\n", 2)[0]); l > 2000 {
						t.Errorf("the error line is %d bytes long", l)
					}
					if after, _ := os.ReadFile(w.CredentialsFile); string(after) != string(before) {
						t.Errorf("the failed command changed the credentials file (%d -> %d bytes)", len(before), len(after))
					}
				} else if len(c.args) > 0 && !strings.Contains("sync status", c.args[0]) {
					if _, err := e2e.ParseProcess(r.Stdout); err != nil {
						t.Errorf("success without credentials: %v", err)
					}
				}
				if c.check != nil {
					c.check(t, w, r)
				}
				ok = true
			})
		}
	})
	summary(t, "hostile-inputs", int(trials.Load()), int(trials.Load()), int(failures.Load()), 0)
}
