package inifile

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The scanner below is a line-for-line port of Python's
// configparser.RawConfigParser._read (Python 3.11) with the defaults botocore
// uses: delimiters "=" and ":", full-line comments "#" and ";", no inline
// comments, empty lines allowed inside values, strict duplicate checks and
// lower-cased option names. It records, for every line, what configparser
// made of it, so the splicer knows each section's exact byte extent.

type lineKind uint8

const (
	lineBlank lineKind = iota
	lineComment
	lineHeader
	lineOption
	lineCont
)

type srcLine struct {
	start, end int    // byte offsets in the source; end includes the line terminator
	text       string // without the line terminator
	kind       lineKind
	key        string // lower-cased option name, for lineOption and lineCont
	sect       int    // index into parsed.sections, -1 before the first header
}

type kv struct{ key, value string }

// pySplitLines splits like Python's str.splitlines.
func pySplitLines(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			return true
		}
		return false
	})
}

// nestedOK applies botocore's _parse_nested to a value that starts with a
// newline: every non-blank line must contain "=".
func nestedOK(v string) bool {
	if !strings.HasPrefix(v, "\n") {
		return true
	}
	for _, l := range pySplitLines(v) {
		if l = pyStrip(l); l != "" && !strings.Contains(l, "=") {
			return false
		}
	}
	return true
}

type section struct {
	name      string
	header    int // index of the header line
	last      int // index of the last header, option or continuation line
	keys      []kv
	keyLines  []int // index of each key's option line
	isDefault bool
}

type parsed struct {
	bom      int // length of a leading UTF-8 BOM (0 or 3)
	lines    []srcLine
	sections []section
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// isPySpace reports whether Python's str.isspace is true for r.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

func pyStrip(s string) string  { return strings.TrimFunc(s, isPySpace) }
func pyRstrip(s string) string { return strings.TrimRightFunc(s, isPySpace) }

// indentOf counts leading whitespace characters (not bytes), as
// configparser's NONSPACECRE does.
func indentOf(s string) int {
	n := 0
	for _, r := range s {
		if !isPySpace(r) {
			break
		}
		n++
	}
	return n
}

// headerName applies configparser's SECTCRE (\[(?P<header>.+)\]) with
// re.match to a stripped line.
func headerName(stripped string) (string, bool) {
	if !strings.HasPrefix(stripped, "[") {
		return "", false
	}
	j := strings.LastIndexByte(stripped, ']')
	if j < 2 {
		return "", false
	}
	return stripped[1:j], true
}

// splitLines splits like Python's universal newlines mode: "\n", "\r\n"
// and a lone "\r" all end a line.
func splitLines(src []byte, off int) []srcLine {
	var out []srcLine
	start := off
	for i := off; i < len(src); i++ {
		switch src[i] {
		case '\n':
			out = append(out, srcLine{start: start, end: i + 1, text: string(src[start:i])})
			start = i + 1
		case '\r':
			end := i + 1
			if end < len(src) && src[end] == '\n' {
				end++
			}
			out = append(out, srcLine{start: start, end: end, text: string(src[start:i])})
			start = end
			i = end - 1
		}
	}
	if start < len(src) {
		out = append(out, srcLine{start: start, end: len(src), text: string(src[start:])})
	}
	return out
}

// scan parses src the way botocore's configparser would. Errors are
// *ParseError values naming the 1-based line; they never quote the line.
func scan(src []byte) (*parsed, error) {
	p := &parsed{}
	if bytes.HasPrefix(src, bom) {
		p.bom = len(bom)
	}
	p.lines = splitLines(src, p.bom)
	for i := range p.lines {
		p.lines[i].sect = -1
	}
	if !utf8.Valid(src) {
		for i, ln := range p.lines {
			if !utf8.ValidString(ln.text) {
				return nil, &ParseError{Line: i + 1, Reason: "invalid UTF-8"}
			}
		}
	}
	seenSect := map[string]bool{}
	type optKey struct{ sect, opt string }
	seenOpt := map[optKey]bool{}
	cur := -1
	optname := ""
	var vals []string // value lines of the current option
	optLine := 0      // index of the current option's line
	indentLevel := 0
	type nestedErr struct {
		line      int
		sect      string
		isDefault bool
		key       string
	}
	var badNested []nestedErr
	flush := func() {
		if cur >= 0 && optname != "" {
			s := &p.sections[cur]
			v := pyRstrip(strings.Join(vals, "\n"))
			s.keys[len(s.keys)-1].value = v
			if !nestedOK(v) {
				badNested = append(badNested, nestedErr{optLine, s.name, s.isDefault, optname})
			}
		}
	}
	for i := range p.lines {
		ln := &p.lines[i]
		ln.sect = cur
		stripped := pyStrip(ln.text)
		if strings.HasPrefix(stripped, "#") || strings.HasPrefix(stripped, ";") {
			ln.kind = lineComment
			continue
		}
		if stripped == "" {
			ln.kind = lineBlank
			if cur >= 0 && optname != "" {
				vals = append(vals, "")
			}
			continue
		}
		indent := indentOf(ln.text)
		if cur >= 0 && optname != "" && indent > indentLevel {
			ln.kind = lineCont
			ln.key = optname
			vals = append(vals, stripped)
			p.sections[cur].last = i
			continue
		}
		indentLevel = indent
		if name, ok := headerName(stripped); ok {
			flush()
			if name != "DEFAULT" {
				if seenSect[name] {
					return nil, &ParseError{Line: i + 1, Section: name, Reason: "duplicate section"}
				}
				seenSect[name] = true
			}
			p.sections = append(p.sections, section{name: name, header: i, last: i, isDefault: name == "DEFAULT"})
			cur = len(p.sections) - 1
			optname = ""
			ln.kind = lineHeader
			ln.sect = cur
			continue
		}
		if cur < 0 {
			return nil, &ParseError{Line: i + 1, Reason: "key outside any section (missing section header)"}
		}
		idx := strings.IndexAny(stripped, "=:")
		if idx < 0 {
			return nil, &ParseError{Line: i + 1, Section: p.sections[cur].name, Reason: "line is neither a section header, a key = value pair nor a comment"}
		}
		opt := strings.ToLower(pyRstrip(stripped[:idx]))
		if opt == "" {
			return nil, &ParseError{Line: i + 1, Section: p.sections[cur].name, Reason: "empty key name"}
		}
		sname := p.sections[cur].name
		if seenOpt[optKey{sname, opt}] {
			return nil, &ParseError{Line: i + 1, Section: sname, Reason: "duplicate key " + quoteKey(opt)}
		}
		seenOpt[optKey{sname, opt}] = true
		flush()
		optname = opt
		optLine = i
		vals = []string{pyStrip(stripped[idx+1:])}
		s := &p.sections[cur]
		s.keys = append(s.keys, kv{key: opt})
		s.keyLines = append(s.keyLines, i)
		s.last = i
		ln.kind = lineOption
		ln.key = opt
	}
	flush()
	// botocore parses values that start with a newline as nested
	// "key = value" blocks. A DEFAULT value is only looked at through
	// sections that lack the key.
	for _, e := range badNested {
		used := !e.isDefault
		for i := range p.sections {
			if s := &p.sections[i]; !used && !s.isDefault {
				_, has := s.get(e.key)
				used = !has
			}
		}
		if used {
			return nil, &ParseError{Line: e.line + 1, Section: e.sect, Reason: "nested value has a line without \"=\""}
		}
	}
	return p, nil
}

// quoteKey quotes a key name for an error message. Key names are not
// secret; values never appear in errors.
func quoteKey(k string) string {
	if len(k) > 64 {
		k = k[:64] + "..."
	}
	return strings.ToValidUTF8(`"`+k+`"`, "?")
}

// get returns the value of key in s.
func (s *section) get(key string) (string, bool) {
	for _, e := range s.keys {
		if e.key == key {
			return e.value, true
		}
	}
	return "", false
}

func (s *section) owned() bool {
	v, ok := s.get(ManagedKey)
	return ok && !s.isDefault && strings.EqualFold(v, "true")
}

// blockRange returns the byte extent of a section: from the start of its
// header line through the end (terminator included) of its last key or
// continuation line.
func (p *parsed) blockRange(i int) (int, int) {
	s := p.sections[i]
	return p.lines[s.header].start, p.lines[s.last].end
}

func (p *parsed) find(name string) int {
	for i := range p.sections {
		if p.sections[i].name == name && !p.sections[i].isDefault {
			return i
		}
	}
	return -1
}
