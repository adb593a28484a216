package main

import (
	"fmt"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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
// run wraps stderr to escape control characters; the terminal is the file
// underneath.
func stderrIsTerminal(d *deps) bool {
	w := d.Stderr
	if e, ok := w.(escapeControls); ok {
		w = e.w
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// printable returns s, read from user data (a profile name, a backend),
// safe for one cell of a line on a terminal: every control character, tab
// included, line and paragraph separators, bidirectional overrides and
// invalid UTF-8 bytes are shown escaped (\x1b, \t, \u202e).
func printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteString(`\t`)
		case unicode.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case r == '\u2028', r == '\u2029', r == '\u200e', r == '\u200f', r == '\u061c',
			'\u202a' <= r && r <= '\u202e', '\u2066' <= r && r <= '\u2069':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
