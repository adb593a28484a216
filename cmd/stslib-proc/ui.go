package main

import (
	"os"
	"time"

	"golang.org/x/term"

	"github.com/stslib/stslib-proc/cache"
)

type cacheListEntry = cache.IndexEntry

// useColor: only on a terminal, and never with NO_COLOR set.
func useColor(d *deps) bool {
	if d.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := d.Stdout.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// paint colours an expiry: red when expired, yellow inside the refresh
// window, green otherwise.
func paint(color bool, left, window time.Duration, s string) string {
	if !color {
		return s
	}
	code := "32"
	switch {
	case left <= 0:
		code = "31"
	case left <= window:
		code = "33"
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// stderrIsTerminal: progress lines only for a person watching.
func stderrIsTerminal(d *deps) bool {
	f, ok := d.Stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
