package inifile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stslib/stslib-proc/internal/testenv"
)

func TestParse(t *testing.T) {
	type sect map[string]string
	tests := []struct {
		name string
		src  string
		want map[string]sect // section -> key -> value
		line int             // error line; 0: no error
	}{
		{"plain", "[default]\nregion = eu-west-1\n", map[string]sect{"default": {"region": "eu-west-1"}}, 0},
		{"colon and case", "[a]\nRole_Arn: x\n", map[string]sect{"a": {"role_arn": "x"}}, 0},
		{"inline comment kept", "[a]\nregion = eu-west-1 # note\nx = a ; b\n", map[string]sect{"a": {"region": "eu-west-1 # note", "x": "a ; b"}}, 0},
		{"quotes kept", "[a]\nx = \"q\"\n", map[string]sect{"a": {"x": `"q"`}}, 0},
		{"continuation", "[a]\nrole_arn = x\n  external_id = y\n", map[string]sect{"a": {"role_arn": "x\nexternal_id = y"}}, 0},
		{"indented comment is a comment", "[a]\nrole_arn = x\n  # c\nregion = r\n", map[string]sect{"a": {"role_arn": "x", "region": "r"}}, 0},
		{"indented profile", "  [a]\n  role_arn = x\n  region = r\n", map[string]sect{"a": {"role_arn": "x", "region": "r"}}, 0},
		{"nested", "[a]\ns3 =\n  addressing_style = path\n", map[string]sect{"a": {"s3": "\naddressing_style = path"}}, 0},
		{"nested without =", "[a]\nrole_arn =\n  arn:aws:iam::1:role/x\n", nil, 2},
		{"DEFAULT applies", "[DEFAULT]\nregion = r\n[a]\nx = 1\n[b]\nregion = s\n", map[string]sect{"a": {"x": "1", "region": "r"}, "b": {"region": "s"}}, 0},
		{"duplicate section", "[a]\n[a]\n", nil, 2},
		{"duplicate key", "[a]\nx = 1\nX = 2\n", nil, 3},
		{"key before header", "x = 1\n[a]\n", nil, 1},
		{"BOM", "\ufeff[a]\nx = 1\n", nil, 1},
		{"CR only", "[a]\rx = 1\ry = 2\r", map[string]sect{"a": {"x": "1", "y": "2"}}, 0},
		{"not UTF-8", "[a]\nx = \xff\n", nil, 2},
		{"empty value", "[a]\nexternal_id =\n", map[string]sect{"a": {"external_id": ""}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse([]byte(tt.src))
			if tt.line > 0 {
				var pe *ParseError
				if !errors.As(err, &pe) || pe.Line != tt.line {
					t.Fatalf("Parse: got %v, want a ParseError at line %d", err, tt.line)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]sect{}
			for _, s := range d.Sections() {
				got[s.Name] = sect{}
				for _, k := range s.Keys {
					got[s.Name][k.Key] = k.Value
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestParseLines(t *testing.T) {
	d, err := Parse([]byte("[DEFAULT]\nregion = r\n\n[profile a]\n# c\nrole_arn = x\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, ok := d.Section("profile a")
	if !ok || s.Line != 4 {
		t.Fatalf("section: %v %+v", ok, s)
	}
	if k, _ := s.Get("role_arn"); k.Line != 6 || k.Default {
		t.Errorf("role_arn: %+v", k)
	}
	if k, _ := s.Get("region"); k.Line != 2 || !k.Default {
		t.Errorf("region: %+v", k)
	}
}

func TestProfileName(t *testing.T) {
	tests := []struct{ section, kind, name string }{
		{"default", "profile", "default"},
		{"profile default", "profile", "default"},
		{"profile a", "profile", "a"},
		{"profile  a", "profile", "a"},
		{"profile\ta", "profile", "a"},
		{`profile "my profile"`, "profile", "my profile"},
		{"profile 'x'", "profile", "x"},
		{"profile a b", "", ""},
		{"profile", "", ""},
		{"profile 'x", "", ""},
		{"profilex y", "profile", "y"},
		{"Default", "", ""},
		{"services s1", "services", "s1"},
		{"sso-session corp", "sso-session", "corp"},
		{"preview", "", ""},
	}
	for _, tt := range tests {
		kind, name := ProfileName(tt.section)
		if kind != tt.kind || name != tt.name {
			t.Errorf("ProfileName(%q) = %q, %q; want %q, %q", tt.section, kind, name, tt.kind, tt.name)
		}
	}
}

// TestShellSplitMatchesPython checks ShellSplit against Python's
// shlex.split on hand-picked and random strings.
func TestShellSplitMatchesPython(t *testing.T) {
	python := testenv.Python(t)
	inputs := []string{"profile a", `profile "a b"`, `profile 'a b'`, `profile a\ b`, `profile "a\"b"`, `profile "a\b"`,
		`profile 'a\b'`, `profile ''`, `profile ""`, `profile a"b"c`, `x\`, `"x`, "a\tb\r\nc", `\\`, `"\\"`, "ü 'ä'", `a#b`, `a;b`}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune(`ab '"\ ` + "\t#;ü")
	for range 3000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		inputs = append(inputs, b.String())
	}
	in, _ := json.Marshal(inputs)
	const script = `
import json, shlex, sys
out = []
for s in json.load(sys.stdin):
    try:
        out.append(shlex.split(s))
    except ValueError:
        out.append(None)
json.dump(out, sys.stdout)
`
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	var want [][]string
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for i, s := range inputs {
		got, err := ShellSplit(s)
		if want[i] == nil {
			if err == nil {
				t.Errorf("ShellSplit(%q) = %q, want an error", s, got)
			}
			continue
		}
		if err != nil || !cmp.Equal(got, want[i], cmp.Comparer(func(a, b []string) bool {
			return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
		})) {
			t.Errorf("ShellSplit(%q) = %q, %v; want %q", s, got, err, want[i])
		}
	}
}

// TestParseMatchesBotocore reads generated files with Parse and with
// botocore's raw_config_parse plus build_profile_map, and compares every
// section, key, value and profile name.
func TestParseMatchesBotocore(t *testing.T) {
	python := testenv.Python(t)
	n := 3000
	if testing.Short() {
		n = 300
	}
	g := &gen{r: rand.New(rand.NewPCG(20261202, 11))}
	dir := t.TempDir()
	var files [][]byte
	extra := []string{
		"[profile a]\nrole_arn = x\n  external_id = y\n",
		"[profile a]\n\trole_arn = x\n\tsource_profile = b\n",
		"[profile \"my profile\"]\nregion = r\n[profile 'x']\nregion = s\n[profile\tt]\nregion = u\n",
		"[default]\nregion = a\n[profile default]\nregion = b\n",
		"[profile default]\nregion = b\n[default]\nregion = a\n",
		"[profile a]\nregion = a\n[profile  a]\noutput = json\n",
		"[DEFAULT]\nregion = d\n[profile a]\nx = 1\n[DEFAULT]\noutput = o\n",
		"[profile a]\ns3 =\n  x = 1\n  y=2\n\n  z = 3 = 4\n",
		"[a]\rregion = r\r\r[b]\rx = y\r",
		"[profile a]\nregion = r\n\n\n  continued\n",
		"[profile a b]\nregion = r\n[profiles c]\nregion = s\n",
	}
	for _, e := range extra {
		files = append(files, []byte(e))
	}
	for range n {
		files = append(files, g.file())
	}
	var list bytes.Buffer
	for i, f := range files {
		p := filepath.Join(dir, fmt.Sprint(i))
		if err := os.WriteFile(p, f, 0o600); err != nil {
			t.Fatal(err)
		}
		list.WriteString(p + "\n")
	}
	const script = `
import json, sys
import awscli
from botocore.configloader import raw_config_parse, build_profile_map
out = []
for path in sys.stdin.read().split("\n"):
    if not path:
        continue
    try:
        raw = raw_config_parse(path)
        out.append({"ok": raw, "profiles": sorted(build_profile_map(raw)["profiles"].keys())})
    except Exception as e:
        out.append({"error": type(e).__name__})
json.dump(out, sys.stdout)
`
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin = &list
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	var results []struct {
		OK       map[string]map[string]any `json:"ok"`
		Profiles []string                  `json:"profiles"`
		Error    string                    `json:"error"`
	}
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatal(err)
	}
	refused := 0
	for i, f := range files {
		want := results[i]
		d, err := Parse(f)
		if (err != nil) != (want.Error != "") {
			t.Errorf("file %d: Parse error %v, botocore error %q\n%q", i, err, want.Error, f)
			continue
		}
		if err != nil {
			refused++
			continue
		}
		got := map[string]map[string]any{}
		var profiles []string
		seen := map[string]bool{}
		for _, s := range d.Sections() {
			m := map[string]any{}
			for _, k := range s.Keys {
				if k.Nested != nil {
					n := map[string]any{}
					for a, b := range k.Nested {
						n[a] = b
					}
					m[k.Key] = n
				} else {
					m[k.Key] = k.Value
				}
			}
			got[s.Name] = m
			if kind, name := ProfileName(s.Name); kind == "profile" && !seen[name] {
				seen[name] = true
				profiles = append(profiles, name)
			}
		}
		if diff := cmp.Diff(want.OK, got); diff != "" {
			t.Errorf("file %d: (-botocore +Parse)\n%s\n%q", i, diff, f)
		}
		slices.Sort(profiles)
		if diff := cmp.Diff(want.Profiles, profiles, cmp.Comparer(func(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") })); diff != "" {
			t.Errorf("file %d: profile names (-botocore +ours)\n%s", i, diff)
		}
		if t.Failed() && i > 20 {
			break
		}
	}
	if refused == len(files) {
		t.Fatal("every file refused: the generator is broken")
	}
	t.Logf("%d files, %d refused by both", len(files), refused)
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("[profile a]\nrole_arn = x\n  y\n[DEFAULT]\nz=1\n"))
	f.Add([]byte("[a]\rs3 =\r  k = v\r"))
	f.Fuzz(func(t *testing.T, src []byte) {
		d, err := Parse(src)
		if err != nil {
			return
		}
		for _, s := range d.Sections() {
			if _, ok := d.Section(s.Name); !ok {
				t.Fatalf("section %q not found by name", s.Name)
			}
			for _, k := range s.Keys {
				if k.Line < 1 {
					t.Fatalf("key %q without a line", k.Key)
				}
			}
		}
	})
}

func FuzzShellSplit(f *testing.F) {
	f.Add(`profile "a b" 'c'`)
	f.Fuzz(func(t *testing.T, s string) {
		words, err := ShellSplit(s)
		if err != nil {
			return
		}
		for _, w := range words {
			if w == "" && !strings.ContainsAny(s, `'"`) {
				t.Fatalf("empty word from %q without quotes", s)
			}
		}
	})
}
