package inifile

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// stripBlocks removes the blocks of the named sections from src.
func stripBlocks(t testing.TB, src []byte, names map[string]bool) []byte {
	t.Helper()
	p, err := scan(src)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	var out bytes.Buffer
	pos := 0
	for i := range p.sections {
		if p.sections[i].isDefault || !names[p.sections[i].name] {
			continue
		}
		a, b := p.blockRange(i)
		out.Write(src[pos:a])
		pos = b
	}
	out.Write(src[pos:])
	return out.Bytes()
}

// checkPreserved fails unless res, without the blocks of the touched
// sections, is src without them plus only appended line terminators.
func checkPreserved(t testing.TB, src, res []byte, set []Section, remove []string) {
	t.Helper()
	names := map[string]bool{}
	for _, s := range set {
		names[s.Name] = true
	}
	for _, n := range remove {
		names[n] = true
	}
	a := stripBlocks(t, src, names)
	b := stripBlocks(t, res, names)
	// Blank lines at the very end may differ: they separate owned blocks
	// that were appended or removed there.
	a, b = bytes.TrimRight(a, "\r\n"), bytes.TrimRight(b, "\r\n")
	if !bytes.Equal(a, b) {
		t.Fatalf("bytes outside owned blocks changed\nbefore: %q\nafter:  %q", a, b)
	}
}

// checkSections fails unless res holds each set section with exactly its
// keys plus the marker, and none of the removed ones.
func checkWritten(t testing.TB, res []byte, set []Section, remove []string) {
	t.Helper()
	p, err := scan(res)
	if err != nil {
		t.Fatalf("result does not parse: %v", err)
	}
	for _, s := range set {
		i := p.find(s.Name)
		if i < 0 {
			t.Fatalf("section [%s] missing from result", s.Name)
		}
		var want []kv
		for _, e := range s.Keys {
			want = append(want, kv{strings.ToLower(e.Key), e.Value})
		}
		want = append(want, kv{ManagedKey, "true"})
		if !kvEqual(want, p.sections[i].keys) {
			t.Fatalf("section [%s] = %v, want %v", s.Name, p.sections[i].keys, want)
		}
	}
	for _, n := range remove {
		if p.find(n) >= 0 {
			t.Fatalf("removed section [%s] still present", n)
		}
	}
}

// gen builds random credentials files mixing every feature the splicer
// must preserve.
type gen struct {
	r     *rand.Rand
	eol   string
	names []string // owned sections in the file
	bad   bool     // the file was made unparsable on purpose
}

func (g *gen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g *gen) ws() string {
	return g.pick("", " ", "  ", "\t", " \t")
}

func (g *gen) value() string {
	return g.pick("AKIAIOSFODNN7EXAMPLE", `"quoted value"`, "'single'", "a # not a comment", "b ; nor this",
		"eu-west-1", "", "x=y:z", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "日本語", "tab\tinside", "#lead", "path/with spaces")
}

func (g *gen) key(used map[string]bool) string {
	for {
		k := g.pick("aws_access_key_id", "aws_secret_access_key", "aws_session_token", "region", "output",
			"Role_Arn", "mfa_serial", "s3", "source_profile", "cli_pager", "x_custom", "credential_process")
		if g.r.IntN(4) == 0 {
			k += fmt.Sprint(g.r.IntN(100))
		}
		if !used[strings.ToLower(k)] {
			used[strings.ToLower(k)] = true
			return k
		}
	}
}

func (g *gen) filler(b *strings.Builder) {
	for range g.r.IntN(3) {
		switch g.r.IntN(5) {
		case 0:
			b.WriteString(g.ws() + "# comment " + g.value() + g.eol)
		case 1:
			b.WriteString("; semicolon comment" + g.eol)
		case 2:
			b.WriteString(g.eol)
		case 3:
			b.WriteString(g.ws() + g.eol)
		default:
			b.WriteString("#" + g.eol)
		}
	}
}

func (g *gen) section(b *strings.Builder, name string, owned bool) {
	b.WriteString(g.pick("", "", "", " ") + "[" + name + "]" + g.pick("", "", " ", " ; header comment") + g.eol)
	used := map[string]bool{}
	n := g.r.IntN(5)
	markerAt := -1
	if owned {
		markerAt = g.r.IntN(n + 1)
		used[ManagedKey] = true
	}
	for i := 0; i <= n; i++ {
		if i == markerAt {
			b.WriteString(ManagedKey + g.pick(" = ", "=", ": ") + g.pick("true", "True", "TRUE") + g.eol)
			continue
		}
		if i == n {
			break
		}
		if g.r.IntN(6) == 0 {
			g.filler(b)
		}
		k := g.key(used)
		b.WriteString(k + g.ws() + g.pick("=", "=", ":") + g.ws() + g.value() + g.ws() + g.eol)
		if g.r.IntN(5) == 0 { // nested or continued value
			for range 1 + g.r.IntN(3) {
				if g.r.IntN(4) == 0 {
					b.WriteString(g.pick(g.eol, "# comment in value"+g.eol))
				}
				b.WriteString(g.pick("  ", "\t", "    ") + g.key(map[string]bool{}) + " = " + g.value() + g.eol)
			}
		}
	}
	if g.r.IntN(3) == 0 {
		g.filler(b)
	}
}

// file returns a random file and the names of its owned sections.
func (g *gen) file() []byte {
	g.eol = g.pick("\n", "\n", "\r\n")
	g.names = nil
	g.bad = false
	var b strings.Builder
	if g.r.IntN(20) == 0 {
		b.WriteString("\ufeff")
	}
	g.filler(&b)
	seen := map[string]bool{}
	for range g.r.IntN(7) {
		owned := g.r.IntN(3) == 0
		name := g.pick("default", "dev", "prod", "profile dev", "sts-dev", "sts-prod", "sts-ci", "DEFAULT", "tabbed\tname", "a#b", "x;y", "ünï")
		if g.r.IntN(3) == 0 {
			name = "sts-" + fmt.Sprint(g.r.IntN(50))
		}
		if name == "DEFAULT" {
			if seen[name] {
				continue
			}
			owned = false
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		g.section(&b, name, owned)
	}
	s := b.String()
	if g.r.IntN(5) == 0 {
		s = strings.TrimRight(s, "\r\n")
	}
	if g.r.IntN(50) == 0 && len(seen) > 0 {
		g.bad = true
		s += g.eol + g.pick("junk line", "[dev]", "[sts-dev]", "=v") + g.eol
	}
	// The scanner, not the generator, knows which sections end up owned
	// (an indented header after a key is a continuation line).
	g.names, _ = Owned([]byte(s))
	return []byte(s)
}

// ops picks sections to set (owned or new names) and owned ones to remove.
func (g *gen) ops() ([]Section, []string) {
	var set []Section
	var remove []string
	for _, n := range g.names {
		op := g.r.IntN(3)
		if op == 0 && ValidName(n) != nil {
			op = 1 // cannot be rewritten; can be removed
		}
		switch op {
		case 0:
			set = append(set, Section{Name: n, Keys: g.keys()})
		case 1:
			remove = append(remove, n)
		}
	}
	for range g.r.IntN(3) {
		n := "sts-new" + fmt.Sprint(g.r.IntN(1000))
		dup := false
		for _, s := range set {
			dup = dup || s.Name == n
		}
		for _, o := range g.names {
			dup = dup || o == n
		}
		if !dup {
			set = append(set, Section{Name: n, Keys: g.keys()})
		}
	}
	return set, remove
}

func (g *gen) keys() []KV {
	return []KV{
		{"aws_access_key_id", fmt.Sprintf("ASIA%016d", g.r.IntN(1e9))},
		{"aws_secret_access_key", fmt.Sprintf("secret/%d+x", g.r.Int64())},
		{"aws_session_token", fmt.Sprintf("token%d==", g.r.Int64())},
		{ExpirationKey, "2030-01-02T03:04:05Z"},
	}
}
