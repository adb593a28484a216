package main

import (
	"bytes"
	"errors"
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestResolveBuild(t *testing.T) {
	checkout := func(mod string, modified bool) *debug.BuildInfo {
		m := "false"
		if modified {
			m = "true"
		}
		return &debug.BuildInfo{
			Main: debug.Module{Path: "github.com/stslib/stslib-proc", Version: mod},
			Settings: []debug.BuildSetting{
				{Key: "vcs", Value: "git"},
				{Key: "vcs.revision", Value: "e5ce9996ae220d2b3e7f8955d7808c051ae41d06"},
				{Key: "vcs.time", Value: "2026-12-02T08:32:03Z"},
				{Key: "vcs.modified", Value: m},
			},
		}
	}
	installed := func(mod string) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Path: "github.com/stslib/stslib-proc", Version: mod}}
	}
	dev := nextVersion + "-dev"
	for _, c := range []struct {
		name                  string
		ldVersion, ldCommit   string
		ldDate                string
		bi                    *debug.BuildInfo
		want                  buildInfo
		wantLines, wantAbsent []string
	}{
		{
			name:      "release ldflags win over build info",
			ldVersion: "v0.3.1", ldCommit: "0123456789abcdef", ldDate: "2026-12-01T10:00:00Z",
			bi:   checkout("v0.0.0-20261202083203-e5ce9996ae22+dirty", true),
			want: buildInfo{Version: "0.3.1", Commit: "0123456789abcdef", Date: "2026-12-01T10:00:00Z"},
		},
		{
			name:      "ldflags version only: commit and date from the checkout",
			ldVersion: "0.3.1-SNAPSHOT-e5ce999",
			bi:        checkout("v0.0.0-20261202083203-e5ce9996ae22", false),
			want:      buildInfo{Version: "0.3.1-SNAPSHOT-e5ce999", Commit: "e5ce9996ae220d2b3e7f8955d7808c051ae41d06", Date: "2026-12-02T08:32:03Z"},
		},
		{
			name:      "GoReleaser without git state stamps commit none",
			ldVersion: "0.1.0-snapshot+none", ldCommit: "none", ldDate: "2026-12-01T10:00:00Z",
			bi:         installed("(devel)"),
			want:       buildInfo{Version: "0.1.0-snapshot+none", Date: "2026-12-01T10:00:00Z"},
			wantAbsent: []string{"commit:"},
		},
		{
			name: "go install module@version",
			bi:   installed("v0.2.0"),
			want: buildInfo{Version: "0.2.0"},
		},
		{
			name: "go install module@commit (a pseudo-version, no VCS settings)",
			bi:   installed("v0.1.1-0.20261202083203-e5ce9996ae22"),
			want: buildInfo{Version: "0.1.1-0.20261202083203-e5ce9996ae22"},
		},
		{
			name:      "go build in a modified checkout",
			bi:        checkout("v0.0.0-20261202083203-e5ce9996ae22+dirty", true),
			want:      buildInfo{Version: dev, Commit: "e5ce9996ae220d2b3e7f8955d7808c051ae41d06", Date: "2026-12-02T08:32:03Z", Modified: true},
			wantLines: []string{"stslib-proc " + dev, "commit: e5ce9996ae220d2b3e7f8955d7808c051ae41d06 (modified)", "date: 2026-12-02T08:32:03Z"},
		},
		{
			name: "go build in a clean checkout past a tag",
			bi:   checkout("v0.1.1-0.20261202083203-e5ce9996ae22", false),
			want: buildInfo{Version: dev, Commit: "e5ce9996ae220d2b3e7f8955d7808c051ae41d06", Date: "2026-12-02T08:32:03Z"},
		},
		{
			name: "go build in a clean checkout at a release tag",
			bi:   checkout("v0.1.0", false),
			want: buildInfo{Version: "0.1.0", Commit: "e5ce9996ae220d2b3e7f8955d7808c051ae41d06", Date: "2026-12-02T08:32:03Z"},
		},
		{
			name:       "go build with -buildvcs=false",
			bi:         installed("(devel)"),
			want:       buildInfo{Version: dev},
			wantLines:  []string{"stslib-proc " + dev},
			wantAbsent: []string{"commit:", "date:"},
		},
		{
			name: "no build info",
			want: buildInfo{Version: dev},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := resolveBuild(c.ldVersion, c.ldCommit, c.ldDate, c.bi)
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("resolveBuild (-want +got):\n%s", diff)
			}
			if got.Version == "dev" || strings.HasPrefix(got.Version, "v") {
				t.Errorf("version %q: never a bare dev nor a v prefix", got.Version)
			}
			lines := strings.Split(got.String(), "\n")
			for _, l := range c.wantLines {
				if !contains(lines, l) {
					t.Errorf("output lacks line %q:\n%s", l, got)
				}
			}
			for _, s := range c.wantAbsent {
				if strings.Contains(got.String(), s) {
					t.Errorf("output has %q:\n%s", s, got)
				}
			}
		})
	}
}

func contains(lines []string, l string) bool {
	for _, x := range lines {
		if x == l {
			return true
		}
	}
	return false
}

func TestIsRelease(t *testing.T) {
	for v, want := range map[string]bool{
		"v0.1.0":                                    true,
		"v1.2.3-rc.1":                               true,
		"v0.0.0-20261202083203-e5ce9996ae22":        false,
		"v0.1.1-0.20261202083203-e5ce9996ae22":      false,
		"v1.2.3-rc.1.0.20261202083203-e5ce9996ae":   true, // 11 hex digits: not a pseudo-version
		"v1.2.3-rc.1.0.20261202083203-e5ce9996ae22": false,
		"v0.1.0+dirty":                              false,
		"v0.1":                                      false,
	} {
		if got := isRelease(v); got != want {
			t.Errorf("isRelease(%q) = %v, want %v", v, got, want)
		}
	}
}

// TestVersionCommandAndFlag: "version" and "--version" print the same
// text, which names the version, and need no home directory.
func TestVersionCommandAndFlag(t *testing.T) {
	want := currentBuild().String() + "\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var stdout, stderr bytes.Buffer
		d := &deps{Stdout: &stdout, Stderr: &stderr, Getenv: os.Getenv, homeErr: errors.New("no home directory")}
		if code := run(args, d); code != exitOK {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr.String())
		}
		if stdout.String() != want {
			t.Errorf("%v: stdout %q, want %q", args, stdout.String(), want)
		}
		if !strings.HasPrefix(stdout.String(), "stslib-proc "+nextVersion+"-dev") {
			t.Errorf("%v: a test binary without ldflags prints %q, want %s-dev", args, stdout.String(), nextVersion)
		}
	}
}
