package inifile

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Keys the package reads and writes in the sections it owns. The AWS CLI
// and SDKs ignore keys they do not know.
const (
	// ManagedKey marks a section as written by stslib-proc; its value is "true".
	ManagedKey = "x_stslib_managed"
	// ExpirationKey holds the RFC 3339 expiry of the credentials in a section.
	ExpirationKey = "x_stslib_expiration"
	// DefaultComment is the comment line written under an owned section's
	// header when [Section.Comment] is empty.
	DefaultComment = "# managed by stslib-proc; rewritten by 'stslib-proc sync'"
	// MaxNameLen is the longest section name [ValidName] accepts, in bytes.
	// AWS profile names are short; 128 leaves room for "profile " prefixes
	// and long role names while keeping headers readable.
	MaxNameLen = 128
)

// KV is one key = value line. Keys and values must fit on one line.
type KV struct{ Key, Value string }

// Section is a section to write. Name is the full header text inside the
// brackets ("sts-dev", "profile dev"). Keys are written in order, followed by
// the [ManagedKey] marker, which the package adds.
type Section struct {
	Name string
	Keys []KV
	// Comment is the comment line written under the header; empty means
	// [DefaultComment]. It must start with "#" or ";".
	Comment string
}

// The credentials-file keys, as the AWS CLI and SDKs name them: the one
// list every reader and writer of those files uses.
const (
	KeyAccessKeyID     = "aws_access_key_id"
	KeySecretAccessKey = "aws_secret_access_key"
	KeySessionToken    = "aws_session_token"
	// KeySecurityToken is the older name of the session token; botocore
	// reads it first.
	KeySecurityToken = "aws_security_token"
)

// CredentialKeys returns the keys of an [sts-NAME] section in the order the
// package documents: access key ID, secret key, session token, expiry.
func CredentialKeys(accessKeyID, secretAccessKey, sessionToken string, expires time.Time) []KV {
	return []KV{
		{KeyAccessKeyID, accessKeyID},
		{KeySecretAccessKey, secretAccessKey},
		{KeySessionToken, sessionToken},
		{ExpirationKey, expires.UTC().Format(time.RFC3339)},
	}
}

// ErrNotOwned is returned (wrapped in a [*NotOwnedError]) when a section to
// replace or remove exists but was not written by stslib-proc.
var ErrNotOwned = errors.New("section not managed by stslib-proc")

// NotOwnedError names the section that is in the way.
type NotOwnedError struct {
	Path    string
	Line    int
	Section string
}

func (e *NotOwnedError) Error() string {
	return fmt.Sprintf("%s:%d: section [%s] exists and is not managed by stslib-proc (no %s = true); use force to overwrite it",
		pathOr(e.Path), e.Line, e.Section, ManagedKey)
}

// Unwrap returns [ErrNotOwned].
func (e *NotOwnedError) Unwrap() error { return ErrNotOwned }

// ErrUnsafe is returned when the spliced text would not read back as
// intended: another section would change, or the new keys would be read
// differently (for example because the next line of the file is indented
// and would continue the last new value). Nothing is written.
var ErrUnsafe = errors.New("refusing to write: the change would be read differently")

// ErrParse is wrapped by every [*ParseError].
var ErrParse = errors.New("cannot parse ini file")

// ParseError reports a file the AWS CLI could not read, or would read
// differently. It names the line, never its contents.
type ParseError struct {
	Path    string
	Line    int
	Section string // enclosing section, if known
	Reason  string
}

func (e *ParseError) Error() string {
	s := fmt.Sprintf("%s:%d: %s", pathOr(e.Path), e.Line, e.Reason)
	if e.Section != "" {
		s += fmt.Sprintf(" (in section [%s])", e.Section)
	}
	return s
}

// Unwrap returns [ErrParse].
func (e *ParseError) Unwrap() error { return ErrParse }

func pathOr(p string) string {
	if p == "" {
		return "<input>"
	}
	return p
}

// ValidName reports whether name can be written as a section header that
// configparser and the AWS SDKs all read back unchanged. It refuses
// empty names, names longer than [MaxNameLen] bytes, "[" and "]", control
// characters (newlines included), leading or trailing white space, a
// leading "#" or ";", invalid UTF-8 and "DEFAULT" (configparser merges that
// section into every other one).
func ValidName(name string) error {
	switch {
	case name == "":
		return errors.New("invalid section name: empty")
	case len(name) > MaxNameLen:
		return fmt.Errorf("invalid section name: longer than %d bytes", MaxNameLen)
	case !utf8.ValidString(name):
		return errors.New("invalid section name: not valid UTF-8")
	case strings.ContainsAny(name, "[]"):
		return fmt.Errorf("invalid section name %q: contains a bracket", name)
	case strings.IndexFunc(name, func(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff' }) >= 0:
		return errors.New("invalid section name: contains a control character")
	case pyStrip(name) != name || strings.TrimSpace(name) != name:
		return fmt.Errorf("invalid section name %q: leading or trailing white space", name)
	case name[0] == '#' || name[0] == ';':
		return fmt.Errorf("invalid section name %q: starts with a comment character", name)
	case name == "DEFAULT":
		return errors.New(`invalid section name "DEFAULT": configparser applies it to every section`)
	}
	return nil
}

func validKey(k string) error {
	if k == "" {
		return errors.New("empty key")
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return fmt.Errorf("key %s: only letters, digits, '_', '-' and '.' are allowed", quoteKey(k))
		}
	}
	return nil
}

// validValue checks a value without ever printing it.
func validValue(v string) error {
	switch {
	case !utf8.ValidString(v):
		return errors.New("not valid UTF-8")
	case strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }) >= 0:
		return errors.New("contains a control character or line break")
	case pyStrip(v) != v || strings.TrimSpace(v) != v:
		return errors.New("has leading or trailing white space")
	case strings.HasPrefix(v, `"""`):
		return errors.New(`starts with """`)
	}
	return nil
}

// SpliceOptions configure [Splice].
type SpliceOptions struct {
	// Force replaces or removes sections that exist without the marker.
	Force bool
	// Path names the file in error messages.
	Path string
}

// Owned returns the names of the sections marked with [ManagedKey] = true,
// in file order.
func Owned(src []byte) ([]string, error) {
	p, err := scan(src)
	if err != nil {
		return nil, err
	}
	var names []string
	for i := range p.sections {
		if p.sections[i].owned() {
			names = append(names, p.sections[i].name)
		}
	}
	return names, nil
}

// dominantEOL returns the most common line terminator in src ("\n" on a tie
// or when there is none).
func dominantEOL(src []byte) string {
	crlf := bytes.Count(src, []byte("\r\n"))
	lf := bytes.Count(src, []byte("\n")) - crlf
	cr := bytes.Count(src, []byte("\r")) - crlf
	switch {
	case crlf > lf && crlf >= cr:
		return "\r\n"
	case cr > lf && cr > crlf:
		return "\r"
	}
	return "\n"
}

func render(s Section, eol string) string {
	var b strings.Builder
	b.WriteString("[" + s.Name + "]" + eol)
	c := s.Comment
	if c == "" {
		c = DefaultComment
	}
	b.WriteString(c + eol)
	for _, e := range s.Keys {
		b.WriteString(e.Key + " = " + e.Value + eol)
	}
	b.WriteString(ManagedKey + " = true" + eol)
	return b.String()
}

func checkSections(set []Section, remove []string) error {
	names := map[string]bool{}
	for _, s := range set {
		if err := ValidName(s.Name); err != nil {
			return err
		}
		if names[s.Name] {
			return fmt.Errorf("section [%s] given twice", s.Name)
		}
		names[s.Name] = true
		if s.Comment != "" {
			if !strings.HasPrefix(s.Comment, "#") && !strings.HasPrefix(s.Comment, ";") {
				return fmt.Errorf("section [%s]: comment must start with # or ;", s.Name)
			}
			if strings.IndexFunc(s.Comment, unicode.IsControl) >= 0 || !utf8.ValidString(s.Comment) {
				return fmt.Errorf("section [%s]: comment must be one line of UTF-8", s.Name)
			}
		}
		keys := map[string]bool{}
		for _, e := range s.Keys {
			if err := validKey(e.Key); err != nil {
				return fmt.Errorf("section [%s]: %v", s.Name, err)
			}
			lk := strings.ToLower(e.Key)
			if lk == ManagedKey {
				return fmt.Errorf("section [%s]: key %s is added by the package", s.Name, ManagedKey)
			}
			if keys[lk] {
				return fmt.Errorf("section [%s]: key %s given twice", s.Name, quoteKey(e.Key))
			}
			keys[lk] = true
			if err := validValue(e.Value); err != nil {
				return fmt.Errorf("section [%s]: value of %s: %v", s.Name, quoteKey(e.Key), err)
			}
		}
	}
	// Names to remove need not pass ValidName: they only have to match a
	// section that exists, and a hand-made owned section may have any name.
	for _, n := range remove {
		if names[n] {
			return fmt.Errorf("section [%s] is both set and removed", n)
		}
	}
	return nil
}

type edit struct {
	start, end int
	text       string
}

// Splice returns src with the sections in set replaced or appended and the
// sections named in remove deleted. Every byte outside those sections'
// blocks is kept; text is only ever appended after the last byte. A block
// runs from its header line through its last key or continuation line;
// comments and blank lines after it belong to whatever follows. Sections
// that exist without the marker are refused with a [*NotOwnedError] unless
// opts.Force is set. Names in remove that do not exist are ignored.
//
// src must parse the way botocore's configparser reads it (a leading UTF-8
// BOM is tolerated and kept); otherwise Splice
// returns a [*ParseError]. Splice re-parses its result and fails rather than
// return text that reads differently from what was asked.
func Splice(src []byte, set []Section, remove []string, opts SpliceOptions) ([]byte, error) {
	if err := checkSections(set, remove); err != nil {
		return nil, err
	}
	p, err := parse(src, opts.Path)
	if err != nil {
		return nil, err
	}
	eol := dominantEOL(src)
	var edits []edit
	var appendix strings.Builder
	notOwned := func(i int) error {
		s := p.sections[i]
		if s.owned() || opts.Force {
			return nil
		}
		return &NotOwnedError{Path: opts.Path, Line: s.header + 1, Section: s.name}
	}
	for _, s := range set {
		i := p.find(s.Name)
		if i < 0 {
			// Append: end the last line, then leave one blank line.
			cur := string(src) + appendix.String()
			if len(cur) > p.bom {
				if !strings.HasSuffix(cur, "\n") && !strings.HasSuffix(cur, "\r") {
					appendix.WriteString(eol)
					cur += eol
				}
				// Always one separator, even after a blank line: the
				// removal takes exactly one back (tailSeparators), so a
				// sync and a clear leave the file as it was.
				appendix.WriteString(eol)
			}
			appendix.WriteString(render(s, eol))
			continue
		}
		if err := notOwned(i); err != nil {
			return nil, err
		}
		a, b := p.blockRange(i)
		edits = append(edits, edit{a, b, render(s, eol)})
	}
	var removals []edit
	for _, n := range remove {
		i := p.find(n)
		if i < 0 {
			continue
		}
		if err := notOwned(i); err != nil {
			return nil, err
		}
		a, b := p.blockRange(i)
		removals = append(removals, edit{a, b, ""})
	}
	edits = append(edits, p.tailSeparators(src, removals)...)
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var out bytes.Buffer
	out.Grow(len(src) + appendix.Len() + 256)
	pos := 0
	for _, e := range edits {
		out.Write(src[pos:e.start])
		out.WriteString(e.text)
		pos = e.end
	}
	out.Write(src[pos:])
	out.WriteString(appendix.String())
	res := out.Bytes()
	if err := verify(p, res, set, remove, opts.Path); err != nil {
		return nil, err
	}
	return res, nil
}

// parse scans src the way botocore's configparser reads it: the same
// scanner that [Parse] uses, so the writer refuses exactly what the reader
// refuses.
func parse(src []byte, path string) (*parsed, error) {
	p, err := scan(src)
	if err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			pe.Path = path
		}
		return nil, err
	}
	return p, nil
}

// verify re-parses res and checks that sections not named in set or remove
// read exactly as before, that set sections hold exactly the new keys and
// that removed sections are gone.
func verify(before *parsed, res []byte, set []Section, remove []string, path string) error {
	fail := func(name, why string) error {
		return fmt.Errorf("%s: %w: section [%s] %s", pathOr(path), ErrUnsafe, name, why)
	}
	after, err := scan(res)
	if err != nil {
		return fmt.Errorf("%s: %w: the result would not parse: %v", pathOr(path), ErrUnsafe, err)
	}
	touched := map[string]bool{}
	for _, n := range remove {
		touched[n] = true
	}
	want := map[string][]kv{}
	for _, s := range set {
		touched[s.Name] = true
		var keys []kv
		for _, e := range s.Keys {
			keys = append(keys, kv{strings.ToLower(e.Key), e.Value})
		}
		want[s.Name] = append(keys, kv{ManagedKey, "true"})
	}
	var a, b []section
	for _, s := range before.sections {
		if s.isDefault || !touched[s.name] {
			a = append(a, s)
		}
	}
	for _, s := range after.sections {
		if s.isDefault || !touched[s.name] {
			b = append(b, s)
			continue
		}
		w, ok := want[s.name]
		if !ok {
			return fail(s.name, "is still present")
		}
		if !kvEqual(s.keys, w) {
			return fail(s.name, "would not hold exactly the new keys")
		}
		delete(want, s.name)
	}
	for n := range want {
		return fail(n, "is missing")
	}
	if len(a) != len(b) {
		return fmt.Errorf("%s: %w: the number of other sections would change", pathOr(path), ErrUnsafe)
	}
	for i := range a {
		if a[i].name != b[i].name || !kvEqual(a[i].keys, b[i].keys) {
			return fail(a[i].name, "would change")
		}
	}
	return nil
}

func kvEqual(a, b []kv) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// tailSeparators extends removals that nothing follows (the owned blocks
// at the very end of the file) back over the one empty line before their
// headers: the separator the append wrote. So a sync followed by a clear
// gives back the original bytes instead of a file that grows by a blank
// line per cycle. Other removals are unchanged.
func (p *parsed) tailSeparators(src []byte, removals []edit) []edit {
	sort.Slice(removals, func(i, j int) bool { return removals[i].start < removals[j].start })
	end := len(src) // where the kept text after the current removal starts
	for k := len(removals) - 1; k >= 0; k-- {
		r := &removals[k]
		if r.end != end {
			break // something the user owns follows
		}
		if li := p.lineAt(r.start) - 1; li >= 0 {
			// One empty line, exactly what the append writes.
			if l := p.lines[li]; strings.Trim(string(src[l.start:l.end]), "\r\n") == "" {
				r.start = l.start
			}
		}
		end = r.start
	}
	return removals
}

// lineAt is the index of the line that starts at offset off.
func (p *parsed) lineAt(off int) int {
	return sort.Search(len(p.lines), func(i int) bool { return p.lines[i].start >= off })
}
