package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestCompletionScriptQuotesPath: installed under a path with a space, a
// quote or "$(...)", the script still runs that program, and the shell
// expands nothing in it.
func TestCompletionScriptQuotesPath(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs a POSIX shell")
	}
	for _, dirName := range []string{"plain", "my tools", "it's", `$(touch PWNED)`, "a\"b\\c `id`"} {
		t.Run(dirName, func(t *testing.T) {
			work := t.TempDir()
			dir := filepath.Join(work, dirName)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			bin := filepath.Join(dir, "stslib-proc")
			if err := os.WriteFile(bin, []byte("#!/bin/sh\necho RAN\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			for _, shell := range []string{"bash", "zsh", "fish"} {
				sh, err := exec.LookPath(shell)
				if err != nil {
					continue
				}
				script := completionScript(shell, bin)
				var run string
				switch shell {
				case "fish":
					// The function body runs {bin}: call it.
					run = script + "\n__complete_stslib_proc\n"
				default:
					// Capture what complete -C stores, then run it the way
					// bash does: as a command line, with the command, the
					// word and the previous word appended.
					run = "complete() { [ \"$1\" = -C ] && c=$2; }\n" +
						strings.ReplaceAll(script, "autoload -U +X bashcompinit && bashcompinit\n", "") +
						"eval \"$c stslib-proc '' ''\"\n"
				}
				cmd := exec.Command(sh, "-c", run)
				cmd.Dir = work
				out, err := cmd.CombinedOutput()
				if err != nil || strings.TrimSpace(string(out)) != "RAN" {
					t.Errorf("%s: %v, output %q; script:\n%s", shell, err, out, script)
				}
				if _, err := os.Stat(filepath.Join(work, "PWNED")); err == nil {
					t.Fatalf("%s expanded $(...) in the install path", shell)
				}
			}
		})
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"DynamoDBRole-dev":        "DynamoDBRole-dev",
		"名前-é":                    "名前-é",
		"evil\x1b[2J\x1b]0;x\x07": `evil\x1b[2J\x1b]0;x\x07`,
		"tab\there":               `tab\there`,
		"line\nbreak\r":           `line\x0abreak\x0d`,
		"\u009b31m":               `\x9b31m`,
		"abc\u202efdp.exe":        `abc\u202efdp.exe`,
		"bad\xff":                 `bad\xff`,
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCompletionBinFlag: release archives and packages ship scripts made
// with --bin stslib-proc, which run the stslib-proc on PATH rather than the
// path of the binary that wrote them.
func TestCompletionBinFlag(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			var stdout, stderr strings.Builder
			d := &deps{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }, Home: t.TempDir()}
			if code := run([]string{"completion", shell, "--bin", "stslib-proc"}, d); code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			if want := completionScript(shell, "stslib-proc"); stdout.String() != want {
				t.Errorf("script:\n%s\nwant:\n%s", stdout.String(), want)
			}
			if strings.Contains(stdout.String(), "/") {
				t.Errorf("script names a path:\n%s", stdout.String())
			}
		})
	}
}
