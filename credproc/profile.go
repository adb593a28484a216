package credproc

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/ini.v1"

	"github.com/stslib/stslib-proc/internal/paths"
)

// Sentinel errors callers branch on.
var (
	ErrProfileNotFound = errors.New("profile not found")
	ErrNotRole         = errors.New("profile has no role_arn")
	ErrCycle           = errors.New("source_profile cycle")
	ErrNoSource        = errors.New("source profile has no credentials")
	ErrRecursion       = errors.New("credential_process recursion")
)

// Profile is a resolved profile: a role (RoleARN set) whose Source leads,
// through zero or more roles (role chaining), to a source profile that holds
// credentials.
type Profile struct {
	Name string
	// File is the file that defines the profile (config or credentials).
	File string

	RoleARN         string
	ExternalID      string
	RoleSessionName string
	MFASerial       string
	DurationSeconds int
	Region          string
	EndpointURL     string
	// STSRegionalEndpoints is "regional" or "legacy".
	STSRegionalEndpoints string
	// MFAProcess is a command that prints an MFA code (stslib-proc key).
	MFAProcess string

	// Source is the profile whose credentials assume this role; nil for
	// the source profile at the end of the chain.
	Source *Profile

	// Credential kinds of a source profile.
	HasStaticKeys     bool
	CredentialProcess string
	CredentialSource  string

	// ServicesSection names the [services X] section for endpoint_url.
	ServicesSection string
	stsEndpointURL  string
}

// IsRole reports whether p assumes a role.
func (p *Profile) IsRole() bool { return p.RoleARN != "" }

// Root returns the source profile at the end of p's chain.
func (p *Profile) Root() *Profile {
	for p.Source != nil {
		p = p.Source
	}
	return p
}

// SessionMFASerial is the MFA device used for the source session: the
// source's mfa_serial, else the first one set along the role chain (as
// aws-vault does, so a role's mfa_serial is satisfied by an MFA session).
func (p *Profile) SessionMFASerial() string {
	if s := p.Root().MFASerial; s != "" {
		return s
	}
	for q := p; q != nil; q = q.Source {
		if q.MFASerial != "" {
			return q.MFASerial
		}
	}
	return ""
}

// CacheKey identifies the role credentials p yields. It is derived from
// every input to the AssumeRole calls along the chain, so editing any of
// them makes a new record; it holds names and a hash, never a secret.
func (p *Profile) CacheKey() string {
	h := sha256.New()
	for q := p; q != nil; q = q.Source {
		fmt.Fprintf(h, "%q %q %q %q %q %d|", q.Name, q.RoleARN, q.ExternalID, q.RoleSessionName, q.MFASerial, q.DurationSeconds)
	}
	return "vault/" + p.Name + "/" + hex.EncodeToString(h.Sum(nil)[:8])
}

// SessionKey identifies the MFA session of p's source profile.
func (p *Profile) SessionKey() string {
	r := p.Root()
	sum := sha256.Sum256([]byte(r.Name + "\x00" + p.SessionMFASerial()))
	return "session/" + r.Name + "/" + hex.EncodeToString(sum[:8])
}

// Resolver reads profiles from the AWS config and credentials files. It
// reads the files once, with ini options that follow botocore's parser.
type Resolver struct {
	ConfigFile      string
	CredentialsFile string
	// SessionName is the role_session_name used when a profile sets none.
	SessionName string

	sections map[string]*section
}

type section struct {
	file string
	keys map[string]string
}

// Paths are the AWS shared files.
type Paths struct {
	ConfigFile      string
	CredentialsFile string
}

// DefaultPaths returns the files the AWS CLI reads: AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE, defaulting to ~/.aws/config and
// ~/.aws/credentials. getenv is usually os.Getenv.
func DefaultPaths(getenv func(string) string, home string) Paths {
	c, k := paths.AWS(getenv, home)
	return Paths{ConfigFile: c, CredentialsFile: k}
}

// maxFileSize bounds what is read of a config file; larger files are refused.
const maxFileSize = 4 << 20

// iniOptions follow botocore's RawConfigParser: comments only on their own
// line, values kept as written (quotes included), indented continuation
// lines, case-insensitive keys.
var iniOptions = ini.LoadOptions{
	IgnoreInlineComment:        true,
	AllowPythonMultilineValues: true,
	PreserveSurroundedQuote:    true,
	InsensitiveKeys:            true,
	SkipUnrecognizableLines:    false,
	UnescapeValueDoubleQuotes:  false,
	KeyValueDelimiters:         "=:",
}

// NewResolver reads the two files. A missing file counts as empty; an
// unreadable or malformed one is an error naming the file.
func NewResolver(paths Paths) (*Resolver, error) {
	r := &Resolver{ConfigFile: paths.ConfigFile, CredentialsFile: paths.CredentialsFile, sections: map[string]*section{}}
	// Credentials first: the config file's keys are merged in beneath them,
	// as the SDKs do (credentials file wins for the same key).
	if err := r.load(paths.ConfigFile, true); err != nil {
		return nil, err
	}
	if err := r.load(paths.CredentialsFile, false); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Resolver) load(path string, isConfig bool) error {
	if path == "" {
		return nil
	}
	data, err := readLimited(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := checkDuplicates(path, data); err != nil {
		return err
	}
	f, err := ini.LoadSources(iniOptions, data)
	if err != nil {
		return fmt.Errorf("%s: %v", path, sanitizeINIError(err, data))
	}
	for _, s := range f.Sections() {
		name := s.Name()
		if name == ini.DefaultSection {
			if len(s.Keys()) > 0 {
				return fmt.Errorf("%s: keys before the first [section] header", path)
			}
			continue
		}
		if isConfig {
			switch {
			case name == "default":
			case strings.HasPrefix(name, "profile "):
				name = strings.TrimSpace(strings.TrimPrefix(name, "profile "))
			default:
				if strings.HasPrefix(name, "services ") {
					r.sections["\x00"+name] = &section{file: path, keys: keysOf(s)}
				}
				continue
			}
		}
		sec := r.sections[name]
		if sec == nil {
			sec = &section{file: path, keys: map[string]string{}}
			r.sections[name] = sec
		}
		for k, v := range keysOf(s) {
			sec.keys[k] = v
		}
	}
	return nil
}

func keysOf(s *ini.Section) map[string]string {
	m := make(map[string]string, len(s.Keys()))
	for _, k := range s.Keys() {
		m[strings.ToLower(k.Name())] = strings.TrimSpace(k.Value())
	}
	return m
}

// sanitizeINIError keeps ini.v1's error message but never the line text
// it quotes (ini.v1 formats its errors as "<what>: <line>"), so a secret
// in a malformed line never reaches stderr. It names the line by number
// when it can find it in data.
func sanitizeINIError(err error, data []byte) string {
	var dnf ini.ErrDelimiterNotFound
	if errors.As(err, &dnf) {
		for i, l := range strings.Split(string(data), "\n") {
			if strings.TrimSpace(l) == strings.TrimSpace(dnf.Line) {
				return fmt.Sprintf("line %d: no '=' or ':' between key and value", i+1)
			}
		}
		return "a line has no '=' or ':' between key and value"
	}
	msg := err.Error()
	if strings.Contains(msg, "unclosed section") {
		return "unclosed section header"
	}
	if i := strings.IndexAny(msg, "'\"`"); i >= 0 {
		msg = msg[:i]
	}
	if i := strings.Index(msg, ":"); i >= 0 {
		msg = msg[:i]
	}
	return strings.TrimSpace(msg)
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory", path)
	}
	if st.Size() > maxFileSize {
		return nil, fmt.Errorf("%s: file is larger than %d MiB", path, maxFileSize>>20)
	}
	buf := make([]byte, st.Size())
	n, err := io.ReadFull(f, buf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return buf[:n], nil
}

// Profiles returns every profile name, sorted.
func (r *Resolver) Profiles() []string {
	var names []string
	for n := range r.sections {
		if !strings.HasPrefix(n, "\x00") {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// RoleProfiles returns the profiles that define role_arn, sorted.
func (r *Resolver) RoleProfiles() []string {
	var names []string
	for _, n := range r.Profiles() {
		if r.sections[n].keys["role_arn"] != "" {
			names = append(names, n)
		}
	}
	return names
}

// Has reports whether a profile exists.
func (r *Resolver) Has(name string) bool {
	_, ok := r.sections[name]
	return ok && !strings.HasPrefix(name, "\x00")
}

// validSessionName reports whether s is a valid RoleSessionName: 2-64
// characters of [\w+=,.@-]. (A function, not a regexp: compiling one at
// package init costs every credential_process call start-up time.)
func validSessionName(s string) bool {
	if len(s) < 2 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '+' || r == '=' || r == ',' || r == '.' || r == '@' || r == '-' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// Resolve returns the chain for a role profile. Errors name the profile and
// the file, never a value.
func (r *Resolver) Resolve(name string) (*Profile, error) {
	if sec, ok := r.sections[name]; ok && sec.keys["role_arn"] == "" {
		if cp := sec.keys["credential_process"]; PointsAtSelf(cp) {
			args, _ := SplitCommand(cp)
			return nil, fmt.Errorf("profile %s (%s): %w: it is the profile that runs stslib-proc; name the role profile instead (%s)", name, sec.file, ErrNotRole, strings.Join(args[1:], " "))
		}
		return nil, fmt.Errorf("profile %s (%s): %w; point stslib-proc at a role profile", name, sec.file, ErrNotRole)
	}
	p, err := r.resolve(name, nil)
	if err != nil {
		return nil, err
	}
	if !p.IsRole() {
		return nil, fmt.Errorf("profile %s (%s): %w; point stslib-proc at a role profile", name, r.sections[name].file, ErrNotRole)
	}
	return p, nil
}

// ResolveSource returns a source profile (one that holds credentials).
func (r *Resolver) ResolveSource(name string) (*Profile, error) {
	return r.resolve(name, nil)
}

func (r *Resolver) resolve(name string, seen []string) (*Profile, error) {
	sec, ok := r.sections[name]
	if !ok || strings.HasPrefix(name, "\x00") {
		if len(seen) > 0 {
			return nil, fmt.Errorf("profile %s: source_profile %s: %w in %s or %s", seen[len(seen)-1], name, ErrProfileNotFound, r.ConfigFile, r.CredentialsFile)
		}
		return nil, fmt.Errorf("profile %s: %w in %s or %s", name, ErrProfileNotFound, r.ConfigFile, r.CredentialsFile)
	}
	k := sec.keys
	p := &Profile{
		Name: name, File: sec.file,
		RoleARN: k["role_arn"], ExternalID: k["external_id"], RoleSessionName: k["role_session_name"],
		MFASerial: k["mfa_serial"], Region: k["region"], EndpointURL: k["endpoint_url"],
		STSRegionalEndpoints: k["sts_regional_endpoints"], MFAProcess: k["mfa_process"],
		HasStaticKeys:     k["aws_access_key_id"] != "" && k["aws_secret_access_key"] != "",
		CredentialProcess: k["credential_process"], CredentialSource: k["credential_source"],
		ServicesSection: k["services"],
	}
	if p.ServicesSection != "" {
		if s := r.sections["\x00services "+p.ServicesSection]; s != nil {
			p.stsEndpointURL = stsEndpointFromServices(s.keys["sts"])
		}
	}
	if v := k["duration_seconds"]; v != "" {
		d, err := strconv.Atoi(v)
		if err != nil || d < 900 || d > 43200 {
			return nil, fmt.Errorf("profile %s (%s): duration_seconds must be a whole number from 900 to 43200", name, sec.file)
		}
		p.DurationSeconds = d
	}
	switch p.STSRegionalEndpoints {
	case "", "regional", "legacy":
	default:
		return nil, fmt.Errorf("profile %s (%s): sts_regional_endpoints must be regional or legacy", name, sec.file)
	}
	if p.RoleSessionName != "" && !validSessionName(p.RoleSessionName) {
		return nil, fmt.Errorf("profile %s (%s): role_session_name must be 2-64 characters of letters, digits and +=,.@_-", name, sec.file)
	}
	if !p.IsRole() {
		if err := r.checkSource(p, seen); err != nil {
			return nil, err
		}
		return p, nil
	}
	if p.RoleSessionName == "" {
		p.RoleSessionName = r.SessionName
		if p.RoleSessionName == "" {
			p.RoleSessionName = DefaultSessionName("")
		}
	}
	src := k["source_profile"]
	switch {
	case src == "" && p.CredentialSource == "":
		return nil, fmt.Errorf("profile %s (%s): role_arn needs source_profile or credential_source", name, sec.file)
	case src == "":
		// credential_source: the role is assumed with credentials from the
		// environment; the profile is its own source.
		if p.CredentialSource != "Environment" {
			return nil, fmt.Errorf("profile %s (%s): credential_source %s is not supported (only Environment)", name, sec.file, p.CredentialSource)
		}
		p.Source = &Profile{Name: name, File: sec.file, CredentialSource: "Environment", Region: p.Region, MFASerial: ""}
		return p, nil
	case src == name:
		// A profile may name itself as source when it holds static keys
		// (the SDKs allow it): the keys assume its own role.
		if !p.HasStaticKeys {
			return nil, fmt.Errorf("profile %s (%s): %w: %s -> %s", name, sec.file, ErrCycle, name, name)
		}
		s := *p
		s.RoleARN, s.ExternalID, s.RoleSessionName, s.DurationSeconds, s.Source = "", "", "", 0, nil
		p.Source = &s
		return p, nil
	}
	if i := slices.Index(seen, src); i >= 0 || src == name {
		loop := append(append([]string{}, seen...), name, src)
		if i >= 0 {
			loop = loop[i:]
		}
		return nil, fmt.Errorf("profile %s (%s): %w: %s", name, sec.file, ErrCycle, strings.Join(loop, " -> "))
	}
	if len(seen) > 16 {
		return nil, fmt.Errorf("profile %s (%s): role chain longer than 16 profiles", name, sec.file)
	}
	sp, err := r.resolve(src, append(seen, name))
	if err != nil {
		return nil, err
	}
	p.Source = sp
	return p, nil
}

// checkSource validates a profile at the end of a chain.
func (r *Resolver) checkSource(p *Profile, seen []string) error {
	switch {
	case p.HasStaticKeys:
	case p.CredentialProcess != "":
		if PointsAtSelf(p.CredentialProcess) {
			return fmt.Errorf("profile %s (%s): %w: its credential_process runs stslib-proc, which would run itself; give the source profile long-term keys", p.Name, p.File, ErrRecursion)
		}
	case p.CredentialSource == "Environment":
	default:
		via := ""
		if len(seen) > 0 {
			via = fmt.Sprintf(" (source of %s)", seen[len(seen)-1])
		}
		return fmt.Errorf("profile %s%s (%s): %w: add aws_access_key_id and aws_secret_access_key to [%s] in %s", p.Name, via, p.File, ErrNoSource, p.Name, r.CredentialsFile)
	}
	return nil
}

// PointsAtSelf reports whether a credential_process command line runs
// stslib-proc.
func PointsAtSelf(cmdline string) bool {
	args, err := SplitCommand(cmdline)
	if err != nil || len(args) == 0 {
		return false
	}
	base := strings.ToLower(filepath.Base(strings.ReplaceAll(args[0], `\`, "/")))
	base = strings.TrimSuffix(base, ".exe")
	return base == "stslib-proc"
}

func stsEndpointFromServices(v string) string {
	// A [services X] section holds nested values: "sts =\n  endpoint_url = URL".
	for _, line := range strings.Split(v, "\n") {
		k, val, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(k) == "endpoint_url" {
			return strings.TrimSpace(val)
		}
	}
	return ""
}

// DefaultSessionName derives a valid RoleSessionName (2-64 characters of
// [\w+=,.@-]) from a local user name.
func DefaultSessionName(user string) string {
	var b strings.Builder
	for _, r := range user {
		switch {
		case r < 128 && (r == '_' || r == '+' || r == '=' || r == ',' || r == '.' || r == '@' || r == '-' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'):
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) < 2 {
		s = "stslib-proc-" + s
		s = strings.TrimSuffix(s, "-")
	}
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

// checkDuplicates refuses what botocore's strict configparser refuses and
// ini.v1 would silently merge: a section, or a key within a section, that
// appears twice. Errors name the file and lines, never values.
func checkDuplicates(path string, data []byte) error {
	sections := map[string]int{}
	var keys map[string]int
	for i, raw := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		line := i + 1
		if raw == "" || raw[0] == ' ' || raw[0] == '\t' {
			continue // blank or a continuation line
		}
		t := strings.TrimSpace(raw)
		if t == "" || t[0] == '#' || t[0] == ';' {
			continue
		}
		if t[0] == '[' {
			if j := strings.LastIndexByte(t, ']'); j > 1 {
				name := t[1:j]
				if first, ok := sections[name]; ok && name != "DEFAULT" {
					return fmt.Errorf("%s:%d: section [%s] appears twice (first at line %d); the AWS CLI refuses such a file", path, line, name, first)
				}
				sections[name] = line
				keys = map[string]int{}
				continue
			}
		}
		if keys == nil {
			continue // before any section: ini reports it
		}
		k, _, ok := strings.Cut(t, "=")
		if c, _, ok2 := strings.Cut(t, ":"); ok2 && (!ok || len(c) < len(k)) {
			k, ok = c, true
		}
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if first, dup := keys[k]; dup {
			return fmt.Errorf("%s:%d: key %s appears twice in one section (first at line %d); the AWS CLI refuses such a file", path, line, k, first)
		}
		keys[k] = line
	}
	return nil
}
