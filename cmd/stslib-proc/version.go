package main

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// nextVersion is the next release. A build from the source tree without
// release ldflags reports it with "-dev"; .ci/run reads it for the
// snapshot release. Raise it right after tagging a release.
const nextVersion = "0.1.0"

// Set at release build time (.goreleaser.yaml):
//
//	-ldflags "-X main.version=0.1.0 -X main.commit=<sha> -X main.date=<RFC 3339>"
var version, commit, date string

// buildInfo is what the binary knows about itself.
type buildInfo struct {
	Version  string // "0.1.0", "0.1.0-dev"; never empty
	Commit   string // "" when unknown
	Date     string // "" when unknown
	Modified bool   // built from a tree with uncommitted changes
}

func (b buildInfo) String() string {
	s := "stslib-proc " + b.Version
	if b.Commit != "" {
		s += "\ncommit: " + b.Commit
		if b.Modified {
			s += " (modified)"
		}
	}
	if b.Date != "" {
		s += "\ndate: " + b.Date
	}
	return s
}

// currentBuild is the build of this binary: the ldflags when set, else what
// the Go toolchain recorded.
func currentBuild() buildInfo {
	bi, _ := debug.ReadBuildInfo()
	return resolveBuild(version, commit, date, bi)
}

// resolveBuild chooses the version to print. Release ldflags win. Without
// them: "go install module@version" records the module version and no VCS
// settings, and that version is printed; a build from a checkout (VCS
// settings present) prints nextVersion-dev unless the checkout is exactly
// a clean release tag. Commit and date come from the VCS settings when
// the ldflags leave them empty.
func resolveBuild(ldVersion, ldCommit, ldDate string, bi *debug.BuildInfo) buildInfo {
	if ldCommit == "none" { // GoReleaser's placeholder when it found no git state
		ldCommit = ""
	}
	b := buildInfo{Version: strings.TrimPrefix(ldVersion, "v"), Commit: ldCommit, Date: ldDate}
	var modVersion string
	vcs := false
	if bi != nil {
		modVersion = bi.Main.Version
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs":
				vcs = true
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.time":
				if b.Date == "" {
					b.Date = s.Value
				}
			case "vcs.modified":
				b.Modified = s.Value == "true" && ldCommit == ""
			}
		}
	}
	if b.Version != "" {
		return b
	}
	switch {
	case modVersion == "" || modVersion == "(devel)":
		b.Version = nextVersion + "-dev"
	case vcs && !isRelease(modVersion):
		// Go stamps a checkout's build with a pseudo-version
		// (v0.0.0-20260101000000-abcdef123456+dirty): not a release.
		b.Version = nextVersion + "-dev"
	default:
		b.Version = strings.TrimPrefix(modVersion, "v")
	}
	return b
}

// isRelease reports whether v is a plain release version such as v1.2.3
// or v1.2.3-rc.1: no build metadata ("+dirty") and not a pseudo-version.
func isRelease(v string) bool {
	if strings.Contains(v, "+") {
		return false
	}
	core, pre, _ := strings.Cut(strings.TrimPrefix(v, "v"), "-")
	if strings.Count(core, ".") != 2 {
		return false
	}
	// A pseudo-version's pre-release ends in a 14-digit timestamp and a
	// 12-hex-digit revision: "0.20260101000000-abcdef123456" or
	// "20260101000000-abcdef123456".
	if f := strings.Split(pre, "-"); len(f) >= 2 {
		ts := f[len(f)-2]
		ts = ts[strings.LastIndex(ts, ".")+1:]
		if len(ts) == 14 && len(f[len(f)-1]) == 12 && allDigits(ts) {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

type versionCmd struct{}

func (versionCmd) Help() string { return "Example:\n  stslib-proc version\n  stslib-proc --version" }

func (versionCmd) Run(d *deps) error {
	_, err := fmt.Fprintln(d.Stdout, currentBuild())
	return err
}
