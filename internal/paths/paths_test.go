package paths

import (
	"encoding/json"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// python runs /usr/bin/python3, or skips when it is missing (unless CI
// requires the tools).
func python(t *testing.T) string {
	t.Helper()
	const py = "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		if os.Getenv("STSLIB_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is required: %v", py, err)
		}
		t.Skipf("%s not found", py)
	}
	return py
}

// TestAWSMatchesPython checks AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE expansion against what botocore does with
// them: os.path.expanduser(os.path.expandvars(value)), run by
// /usr/bin/python3 with the same environment.
func TestAWSMatchesPython(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX expansion")
	}
	py := python(t)
	root, err := user.Lookup("root")
	if err != nil {
		t.Skip("no root user in the password database")
	}
	type tcase struct {
		Name  string            `json:"name"`
		Home  string            `json:"home"`
		Value string            `json:"value"`
		Env   map[string]string `json:"env"`
		Want  string            `json:"-"` // "" means: what Python says
	}
	vars := map[string]string{"D": "/srv/aws", "T": "~", "TU": "~root", "REL": "rel/dir", "SP": "a b"}
	cases := []tcase{
		{Name: "absolute", Value: "/etc/aws/config"},
		{Name: "relative", Value: "conf/aws"},
		{Name: "tilde", Value: "~"},
		{Name: "tilde slash", Value: "~/"},
		{Name: "tilde path", Value: "~/cfg/config"},
		{Name: "home with trailing slash", Home: "/tmp/h/", Value: "~/x"},
		{Name: "home is root", Home: "/", Value: "~/x"},
		{Name: "home is root alone", Home: "/", Value: "~"},
		{Name: "tilde user", Value: "~root/config"},
		{Name: "tilde user alone", Value: "~root"},
		{Name: "unknown user", Value: "~no-such-user-xyz/config"},
		{Name: "tilde not first", Value: "/a/~/b"},
		{Name: "var", Value: "$D/config"},
		{Name: "braced var", Value: "${D}/config"},
		{Name: "unknown var", Value: "$NOPE_UNSET/config"},
		{Name: "unknown braced var", Value: "${NOPE_UNSET}/config"},
		{Name: "two vars", Value: "$D$D"},
		{Name: "var then text", Value: "${D}x${NOPE_UNSET}y$D"},
		{Name: "word stops at dot", Value: "$D.d/config"},
		{Name: "home var", Value: "$HOME/.aws/other"},
		{Name: "var holding a tilde", Value: "$T/config"},
		{Name: "var holding a tilde user", Value: "$TU/config"},
		{Name: "var then tilde", Value: "~/$D"},
		{Name: "relative var", Value: "$REL/config"},
		{Name: "space in value", Value: "$SP/config"},
		{Name: "lone dollar", Value: "a$"},
		{Name: "dollar slash", Value: "$/x"},
		{Name: "double dollar", Value: "$$D"},
		{Name: "open brace", Value: "${D/x"},
		{Name: "empty braces", Value: "${}/x"},
		{Name: "braces with odd name", Value: "${a-b}/x"},
		{Name: "non-ASCII name", Value: "$é/x"},
	}
	for i := range cases {
		if cases[i].Home == "" {
			cases[i].Home = "/home/tester"
		}
		cases[i].Env = map[string]string{"HOME": cases[i].Home}
		for k, v := range vars {
			cases[i].Env[k] = v
		}
	}
	in, _ := json.Marshal(cases)
	script := `
import json, os, sys
out = []
for c in json.load(sys.stdin):
    os.environ.clear()
    os.environ.update(c["env"])
    out.append(os.path.expanduser(os.path.expandvars(c["value"])))
json.dump(out, sys.stdout)
`
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(string(in))
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	var want []string
	if err := json.Unmarshal(b, &want); err != nil || len(want) != len(cases) {
		t.Fatalf("python printed %q: %v", b, err)
	}
	if want[8] != root.HomeDir+"/config" {
		t.Fatalf("python expands ~root to %q, the password database says %q", want[8], root.HomeDir)
	}
	for i, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			for _, key := range []string{"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
				m := map[string]string{key: c.Value}
				for k, v := range c.Env {
					m[k] = v
				}
				cfg, creds := AWS(env(m), c.Home)
				got := cfg
				if key == "AWS_SHARED_CREDENTIALS_FILE" {
					got = creds
				}
				if got != want[i] {
					t.Errorf("%s=%q: got %q, python %q", key, c.Value, got, want[i])
				}
			}
		})
	}
}

// TestAWSDefaults: unset or empty means the default files, in home.
func TestAWSDefaults(t *testing.T) {
	for _, tc := range []struct {
		name       string
		env        map[string]string
		home       string
		cfg, creds string
	}{
		{"unset", nil, "/home/a", "/home/a/.aws/config", "/home/a/.aws/credentials"},
		{"empty", map[string]string{"AWS_CONFIG_FILE": "", "AWS_SHARED_CREDENTIALS_FILE": ""}, "/home/a", "/home/a/.aws/config", "/home/a/.aws/credentials"},
		{"one set", map[string]string{"AWS_CONFIG_FILE": "~/c"}, "/home/a", "/home/a/c", "/home/a/.aws/credentials"},
		// Python substitutes a set-but-empty variable; getenv cannot tell
		// it from an unset one, so it is left as written (documented).
		{"set but empty var", map[string]string{"AWS_CONFIG_FILE": "$EMPTY/c"}, "/home/a", "$EMPTY/c", "/home/a/.aws/credentials"},
		{"no home: no file, not the current directory", nil, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, creds := AWS(env(tc.env), tc.home)
			if cfg != filepath.FromSlash(tc.cfg) || creds != filepath.FromSlash(tc.creds) {
				t.Errorf("AWS = %q, %q; want %q, %q", cfg, creds, tc.cfg, tc.creds)
			}
		})
	}
}

// TestHome: HOME when set and not empty, else the password database (as
// Python's expanduser finds it with HOME unset), never the current
// directory.
func TestHome(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX home")
	}
	py := python(t)
	cmd := exec.Command(py, "-c", "import os; print(os.path.expanduser('~'))")
	cmd.Env = []string{"PATH=/usr/bin:/bin"} // no HOME
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	pw := strings.TrimSpace(string(out))
	if pw == "~" || pw == "" {
		t.Skip("this user has no entry in the password database")
	}
	cwd, _ := os.Getwd()
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"set", map[string]string{"HOME": "/home/set"}, "/home/set"},
		{"unset", nil, pw},
		{"empty", map[string]string{"HOME": ""}, pw},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Home(env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Home = %q, want %q", got, tc.want)
			}
			if tc.env["HOME"] == "" && (got == cwd || got == "." || !filepath.IsAbs(got)) {
				t.Errorf("Home = %q: the current directory or relative", got)
			}
		})
	}
}

// TestXDGRelativeIgnored: relative XDG_* values are invalid (XDG spec).
func TestXDGRelativeIgnored(t *testing.T) {
	home := t.TempDir()
	for _, tc := range []struct {
		name       string
		env        map[string]string
		data, conf string
	}{
		{"absolute", map[string]string{"XDG_DATA_HOME": "/x/data", "XDG_CONFIG_HOME": "/x/conf"},
			"/x/data/stslib-proc", "/x/conf/stslib/config.yml"},
		{"relative", map[string]string{"XDG_DATA_HOME": "data", "XDG_CONFIG_HOME": "./conf"},
			filepath.Join(home, ".local", "share", "stslib-proc"), filepath.Join(home, ".config", "stslib", "config.yml")},
		{"unset", nil,
			filepath.Join(home, ".local", "share", "stslib-proc"), filepath.Join(home, ".config", "stslib", "config.yml")},
		{"STSLIB_DATA_DIR wins", map[string]string{"STSLIB_DATA_DIR": "/d", "XDG_DATA_HOME": "/x/data"},
			"/d", filepath.Join(home, ".config", "stslib", "config.yml")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := DataDir(env(tc.env), home); got != filepath.FromSlash(tc.data) {
				t.Errorf("DataDir = %q, want %q", got, tc.data)
			}
			if got := ConfigYML(env(tc.env), home); got != filepath.FromSlash(tc.conf) {
				t.Errorf("ConfigYML = %q, want %q", got, tc.conf)
			}
		})
	}
}

func TestLookupPasswd(t *testing.T) {
	f := filepath.Join(t.TempDir(), "passwd")
	data := "# comment\n+nis::0:0::/nis:/bin/sh\nroot:x:0:0:root:/root:/bin/bash\n" +
		"alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\nrel:x:1001:1001::home/rel:/bin/sh\n" +
		"short:x:1002\nalice:x:1003:1003::/home/second:/bin/sh\n"
	if err := os.WriteFile(f, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	old := passwdFile
	passwdFile = f
	t.Cleanup(func() { passwdFile = old })
	for _, tc := range []struct {
		field     int
		value     string
		want      string
		wantFound bool
	}{
		{2, "0", "/root", true},
		{2, "1000", "/home/alice", true},
		{0, "alice", "/home/alice", true}, // the first entry wins
		{0, "rel", "", false},             // a relative home is no home
		{0, "short", "", false},
		{0, "nis", "", false},
		{0, "+nis", "", false},
		{2, "4242", "", false},
	} {
		got, ok := lookupPasswd(tc.field, tc.value)
		if got != tc.want || ok != tc.wantFound {
			t.Errorf("lookupPasswd(%d, %q) = %q, %v; want %q, %v", tc.field, tc.value, got, ok, tc.want, tc.wantFound)
		}
	}
	if _, ok := passwdUserHome(""); ok {
		t.Error("~ with an empty user name found a home")
	}
	passwdFile = filepath.Join(t.TempDir(), "missing")
	if _, err := Home(env(nil)); err == nil && os.Getuid() >= 0 {
		t.Error("Home without HOME and without a password entry: no error")
	}
}

func TestStateDir(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "/home/u/.local/state/stslib-proc"},
		{map[string]string{"XDG_STATE_HOME": "/s"}, "/s/stslib-proc"},
		{map[string]string{"XDG_STATE_HOME": "rel"}, "/home/u/.local/state/stslib-proc"},
		{map[string]string{"STSLIB_DATA_DIR": "/d"}, "/home/u/.local/state/stslib-proc"},
	} {
		if runtime.GOOS == "windows" {
			t.Skip("POSIX paths")
		}
		if got := StateDir(env(tt.env), "/home/u"); got != tt.want {
			t.Errorf("StateDir(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}
