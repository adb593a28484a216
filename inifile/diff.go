package inifile

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pmezard/go-difflib/difflib"
)

// secretKey reports whether the value of key must never be shown:
// aws_secret_access_key, aws_session_token, aws_security_token and any key
// that names a secret, token, password, passphrase or private key.
func secretKey(key string) bool {
	k := strings.ToLower(key)
	for _, w := range []string{"secret", "token", "password", "passphrase", "private"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

const mask = "****"

// commandKey reports whether key's value is a command line, whose
// arguments may carry a secret (a TOTP seed after oathtool -b, a password
// manager's item, a token): only the program is shown.
func commandKey(key string) bool {
	switch strings.ToLower(key) {
	case "mfa_process", "credential_process":
		return true
	}
	return false
}

// maskCommand keeps the program of a command line and masks its arguments.
// stslib-proc's own lines ("stslib-proc process -- PROFILE", what configure
// writes) are shown whole when no argument is a flag: a profile name is not
// a secret, a flag's value (--mfa-code) may be. A quoted program is masked
// whole.
func maskCommand(v string) string {
	fields := strings.Fields(v)
	switch {
	case len(fields) == 0:
		return v
	case strings.ContainsAny(fields[0], "'\"\\"):
		return mask
	case len(fields) == 1:
		return v
	case ownProgram(fields[0]) && noFlags(fields[1:]):
		return v
	}
	return fields[0] + " " + mask
}

// noFlags: no argument before "--" starts with "-".
func noFlags(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return true
		}
		if strings.HasPrefix(a, "-") {
			return false
		}
	}
	return true
}

func ownProgram(prog string) bool {
	base := strings.TrimSuffix(filepath.Base(strings.ReplaceAll(prog, "\\", "/")), ".exe")
	return base == "stslib-proc" || base == "stslib-proc-fast"
}

// maskLines returns src split into lines with the values of secret keys
// (and their continuation lines) replaced by "****". Unparsable input is
// masked conservatively: every key line whose key looks secret and every
// indented line.
func maskLines(src []byte) []string {
	p, err := scan(src)
	if err != nil {
		p = &parsed{lines: splitLines(src, 0)}
		for i := range p.lines {
			ln := &p.lines[i]
			if indentOf(ln.text) > 0 {
				ln.kind = lineCont
				ln.key = "secret"
				continue
			}
			if j := strings.IndexAny(ln.text, "=:"); j > 0 {
				ln.kind = lineOption
				ln.key = strings.ToLower(pyStrip(ln.text[:j]))
			}
		}
	}
	out := make([]string, len(p.lines))
	for i, ln := range p.lines {
		t := ln.text
		switch {
		case ln.kind == lineOption && (secretKey(ln.key) || commandKey(ln.key)):
			j := strings.IndexAny(t, "=:")
			k := j + 1
			for k < len(t) && (t[k] == ' ' || t[k] == '\t') {
				k++
			}
			if k < len(t) {
				if secretKey(ln.key) {
					t = t[:k] + mask
				} else {
					t = t[:k] + maskCommand(t[k:])
				}
			}
		case ln.kind == lineCont && (secretKey(ln.key) || commandKey(ln.key)):
			t = t[:len(t)-len(strings.TrimLeftFunc(t, isPySpace))] + mask
		}
		out[i] = escapeControls(t) + "\n"
	}
	return out
}

// escapeControls returns s safe to print on a terminal: control characters
// other than tab (an escape sequence, a carriage return, C1 codes), line and
// paragraph separators, bidirectional overrides and invalid UTF-8 bytes are
// shown escaped, as \x1b or \u202e, so text read from a user's file cannot
// drive the terminal or disguise a line.
func escapeControls(s string) string {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if mustEscape(r, n) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case mustEscape(r, n) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case mustEscape(r, n):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func mustEscape(r rune, n int) bool {
	switch {
	case r == '\t':
		return false
	case r == utf8.RuneError && n == 1, unicode.IsControl(r):
		return true
	case r == '\u2028', r == '\u2029', r == '\u200e', r == '\u200f', r == '\u061c',
		'\u202a' <= r && r <= '\u202e', '\u2066' <= r && r <= '\u2069':
		return true
	}
	return false
}

// Diff returns a unified diff from old to new, labelled with path, in which
// the values of secret keys (aws_secret_access_key, aws_session_token,
// aws_security_token and any key containing "secret", "token", "password",
// "passphrase" or "private") are replaced by "****", and the arguments of
// mfa_process and credential_process too (the program is kept). Control
// characters are shown escaped (\x1b, \u202e). It returns "" when
// nothing changed.
func Diff(path string, old, new []byte) string {
	if string(old) == string(new) {
		return ""
	}
	d := difflib.UnifiedDiff{
		A:        maskLines(old),
		B:        maskLines(new),
		FromFile: escapeControls(path),
		ToFile:   escapeControls(path) + " (new)",
		Context:  3,
	}
	s, err := difflib.GetUnifiedDiffString(d)
	if err != nil {
		return ""
	}
	return s
}
