package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stslib/stslib-proc/credproc"
	"github.com/stslib/stslib-proc/serve/warm"
)

// awkwardNames are profile names that a naive credential_process line
// would turn into a command, a flag, two words or a quoting error.
var awkwardNames = []string{
	"DynamoDBRole-dev", "sync", "login", "help", "-x", "--mfa-code", "--", "my role", "a'b", `a"b`, "'", `\`, `a\b`,
	"$HOME", "${HOME}", "~", "~root", "x;id", "a|b", "a&b", "`id`", "$(id)", "#x", ";x", "*", "?", "[a]", "a  b ",
	" lead", "tab\tname", "rôle", "a=b", "%PATH%", "!x",
}

// TestProcessLineSplitsTheSameEverywhere: the line configure writes is read
// as the same four words by credproc.SplitCommand, by the AWS CLI's botocore
// (compat_shell_split) and boto3's, by sh -c (the Go, JavaScript and Java
// SDKs), and is then a plain credential_process call for both binaries.
func TestProcessLineSplitsTheSameEverywhere(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX splitting")
	}
	lines := make([]string, len(awkwardNames))
	for i, name := range awkwardNames {
		line, err := processLine(name, false)
		if err != nil {
			t.Fatalf("processLine(%q): %v", name, err)
		}
		lines[i] = line
	}
	want := func(name string) []string { return []string{"stslib-proc", "process", "--", name} }

	for i, name := range awkwardNames {
		got, err := credproc.SplitCommand(lines[i])
		if err != nil || !slices.Equal(got, want(name)) {
			t.Errorf("SplitCommand(%s) = %q, %v; want %q", lines[i], got, err, want(name))
			continue
		}
		if p, ok := warm.ProfileArg(got[1:]); !ok || p != name {
			t.Errorf("ProfileArg(%q) = %q, %v: not a credential_process call for %q", got[1:], p, ok, name)
		}
	}

	// botocore: the AWS CLI v2's copy (import awscli first) and boto3's.
	const py = "/usr/bin/python3"
	if _, err := os.Stat(py); err == nil {
		in, _ := json.Marshal(lines)
		for _, pre := range []string{"import awscli; ", ""} {
			script := pre + "import json, sys; from botocore.compat import compat_shell_split; " +
				"json.dump([compat_shell_split(l) for l in json.load(sys.stdin)], sys.stdout)"
			cmd := exec.Command(py, "-c", script)
			cmd.Stdin = bytes.NewReader(in)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("python (%q): %v", pre, err)
			}
			var split [][]string
			if err := json.Unmarshal(out, &split); err != nil || len(split) != len(lines) {
				t.Fatalf("python printed %q: %v", out, err)
			}
			for i, name := range awkwardNames {
				if !slices.Equal(split[i], want(name)) {
					t.Errorf("botocore (%q) splits %s into %q, want %q", pre, lines[i], split[i], want(name))
				}
			}
		}
	} else if os.Getenv("STSLIB_REQUIRE_TOOLS") == "1" {
		t.Fatalf("%s is required", py)
	}

	// sh -c, as the Go, JavaScript and Java SDKs run credential_process:
	// a stand-in stslib-proc prints its arguments.
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "stslib-proc"), []byte("#!/bin/sh\nprintf '%s\\0' \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, name := range awkwardNames {
		cmd := exec.Command("/bin/sh", "-c", lines[i])
		cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=/nonexistent"}
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("sh -c %s: %v", lines[i], err)
			continue
		}
		got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
		if !slices.Equal(got, want(name)[1:]) {
			t.Errorf("sh -c %s passes %q, want %q", lines[i], got, want(name)[1:])
		}
	}
}

func TestQuoteArg(t *testing.T) {
	for _, tc := range []struct {
		in, unix, windows string
	}{
		{"DynamoDBRole-dev", "DynamoDBRole-dev", "DynamoDBRole-dev"},
		{"-x", "-x", "-x"},
		{"my role", "'my role'", `"my role"`},
		{"a'b", `'a'"'"'b'`, `"a'b"`},
		{"", "''", `""`},
		{`a"b`, `'a"b'`, "error"},
		{"%PATH%", "%PATH%", "error"},
	} {
		got, err := quoteArg(tc.in, false)
		if err != nil || got != tc.unix {
			t.Errorf("quoteArg(%q) = %q, %v; want %q", tc.in, got, err, tc.unix)
		}
		got, err = quoteArg(tc.in, true)
		if tc.windows == "error" {
			if err == nil {
				t.Errorf("quoteArg(%q, windows) = %q, want an error", tc.in, got)
			}
		} else if err != nil || got != tc.windows {
			t.Errorf("quoteArg(%q, windows) = %q, %v; want %q", tc.in, got, err, tc.windows)
		}
	}
}

// TestCommandWordsMatchGrammar: the words the warm paths never serve as a
// bare profile are exactly the grammar's commands, plus help.
func TestCommandWordsMatchGrammar(t *testing.T) {
	want := map[string]bool{"help": true}
	typ := reflect.TypeFor[cli]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if _, ok := f.Tag.Lookup("cmd"); ok {
			name := f.Tag.Get("name")
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			want[name] = true
		}
	}
	if !reflect.DeepEqual(want, warm.Commands) {
		t.Errorf("warm.Commands = %v, grammar has %v", warm.Commands, want)
	}
}
