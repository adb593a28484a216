package inifile

import (
	"strings"
)

// Doc is an AWS config or credentials file as botocore reads it: Python's
// configparser.RawConfigParser with its defaults, then botocore's
// raw_config_parse, which turns values that start with a newline into
// nested blocks. Reading and writing share one scanner, so a file that
// [Splice] accepts reads the same way here.
type Doc struct {
	sections []RawSection
	index    map[string]int
}

// RawSection is one section of a [Doc], with the keys configparser gives
// it: its own keys in file order, then the [DEFAULT] keys it lacks.
type RawSection struct {
	Name string
	Line int // 1-based line of the header
	Keys []RawKey
}

// RawKey is one option of a section.
type RawKey struct {
	Key   string // lower-cased, as configparser's optionxform does
	Value string // stripped; continuation lines joined with "\n"
	// Nested is botocore's reading of a value that starts with a newline
	// ("s3 =\n  addressing_style = path"); nil otherwise.
	Nested map[string]string
	Line   int // 1-based line where the key is set
	// Default reports a key inherited from [DEFAULT].
	Default bool
}

// Get returns the key named key (lower case).
func (s *RawSection) Get(key string) (RawKey, bool) {
	for _, k := range s.Keys {
		if k.Key == key {
			return k, true
		}
	}
	return RawKey{}, false
}

// Parse reads src the way botocore's raw_config_parse does. A file that
// botocore refuses (configparser errors, invalid UTF-8, a byte order mark,
// a nested block with a line lacking "=") is refused with a
// [*ParseError] naming the line; the error never quotes the line.
func Parse(src []byte) (*Doc, error) {
	p, err := scan(src)
	if err != nil {
		return nil, err
	}
	if p.bom > 0 {
		// Python decodes the BOM as U+FEFF, which is not whitespace: the
		// first line is then neither a header nor a comment, and
		// configparser raises MissingSectionHeaderError.
		return nil, &ParseError{Line: 1, Reason: "file starts with a UTF-8 byte order mark, which the AWS CLI cannot read; save it without BOM"}
	}
	d := &Doc{index: map[string]int{}}
	var defaults []RawKey
	for i := range p.sections {
		s := &p.sections[i]
		if !s.isDefault {
			continue
		}
		for j, k := range s.keys {
			defaults = append(defaults, rawKey(k, s.keyLines[j], true))
		}
	}
	for i := range p.sections {
		s := &p.sections[i]
		if s.isDefault {
			continue
		}
		rs := RawSection{Name: s.name, Line: s.header + 1}
		for j, k := range s.keys {
			rs.Keys = append(rs.Keys, rawKey(k, s.keyLines[j], false))
		}
		for _, k := range defaults {
			if _, ok := rs.Get(k.Key); !ok {
				rs.Keys = append(rs.Keys, k)
			}
		}
		d.index[s.name] = len(d.sections)
		d.sections = append(d.sections, rs)
	}
	return d, nil
}

func rawKey(k kv, line int, isDefault bool) RawKey {
	rk := RawKey{Key: k.key, Value: k.value, Line: line + 1, Default: isDefault}
	if strings.HasPrefix(k.value, "\n") {
		rk.Nested = parseNested(k.value)
	}
	return rk
}

// parseNested is botocore's _parse_nested. scan has already refused
// values with a line that lacks "=".
func parseNested(v string) map[string]string {
	m := map[string]string{}
	for _, l := range pySplitLines(v) {
		l = pyStrip(l)
		if l == "" {
			continue
		}
		key, val, _ := strings.Cut(l, "=")
		m[pyStrip(key)] = pyStrip(val)
	}
	return m
}

// Sections returns the sections other than [DEFAULT], in file order.
func (d *Doc) Sections() []RawSection { return d.sections }

// Section returns the section with exactly this name.
func (d *Doc) Section(name string) (*RawSection, bool) {
	i, ok := d.index[name]
	if !ok {
		return nil, false
	}
	return &d.sections[i], true
}

// ProfileName applies botocore's build_profile_map to a config-file
// section name: "default" is the default profile; a name that starts with
// "profile" and splits (shlex, POSIX mode) into exactly two words names
// the profile given by the second word; the same rule with "services" and
// "sso-session" names those sections. kind is "profile", "services",
// "sso-session" or "" (a section botocore keeps but reads as no profile).
func ProfileName(section string) (kind, name string) {
	if section == "default" {
		return "profile", "default"
	}
	for _, prefix := range []string{"profile", "sso-session", "services"} {
		if !strings.HasPrefix(section, prefix) {
			continue
		}
		parts, err := ShellSplit(section)
		if err != nil || len(parts) != 2 {
			return "", ""
		}
		return prefix, parts[1]
	}
	return "", ""
}
