package inifile

import (
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// secretKey reports whether the value of key must never be shown.
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
		case ln.kind == lineOption && secretKey(ln.key):
			j := strings.IndexAny(t, "=:")
			k := j + 1
			for k < len(t) && (t[k] == ' ' || t[k] == '\t') {
				k++
			}
			if k < len(t) {
				t = t[:k] + mask
			}
		case ln.kind == lineCont && secretKey(ln.key):
			t = t[:len(t)-len(strings.TrimLeftFunc(t, isPySpace))] + mask
		}
		out[i] = t + "\n"
	}
	return out
}

// Diff returns a unified diff from old to new, labelled with path, in which
// the values of secret keys (aws_secret_access_key, aws_session_token and any
// key containing "secret", "token", "password", "passphrase" or "private")
// are replaced by "****". It returns "" when nothing changed.
func Diff(path string, old, new []byte) string {
	if string(old) == string(new) {
		return ""
	}
	d := difflib.UnifiedDiff{
		A:        maskLines(old),
		B:        maskLines(new),
		FromFile: path,
		ToFile:   path + " (new)",
		Context:  3,
	}
	s, err := difflib.GetUnifiedDiffString(d)
	if err != nil {
		return ""
	}
	return s
}
