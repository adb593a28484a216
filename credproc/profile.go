package credproc

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/stslib/stslib-proc/inifile"
	"github.com/stslib/stslib-proc/internal/paths"
	"github.com/stslib/stslib-proc/internal/readfile"
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
	ignoreEndpoints bool // ignore_configured_endpoint_urls = true
	// stsRegion and stsEndpoint are where the chain's STS calls go, set
	// on the profile asked for (environment included).
	stsRegion, stsEndpoint string
	stsKey                 string // what of the STS target the cache keys depend on
	sourceID               string // who the chain starts as (an access key ID, a command), never a secret
	stsCABundle            string // AWS_CA_BUNDLE, else the profile's ca_bundle
	caBundle               string // the profile's ca_bundle

	caller          *Profile // the profile asked for: its STS settings serve the whole chain
	kind            sourceKind
	keys            *staticKeys
	durationIgnored bool // duration_seconds that botocore's int() refuses
}

// sourceKind says where a source profile's credentials come from.
type sourceKind uint8

const (
	kindNone        sourceKind = iota
	kindStatic                 // long-term keys in a file
	kindProcess                // another tool's credential_process
	kindEnvironment            // credential_source = Environment
)

// staticKeys are a source profile's keys, read from the same parse as
// every other key.
type staticKeys struct {
	id            string
	secret, token Secret
}

// IsRole reports whether p assumes a role.
func (p *Profile) IsRole() bool { return p.RoleARN != "" }

// CABundle is the PEM file of certificate authorities that p's HTTPS calls
// trust instead of the system's: AWS_CA_BUNDLE, else ca_bundle of the
// profile asked for; "" for the system's.
func (p *Profile) CABundle() string {
	if p.caller != nil {
		return p.caller.stsCABundle
	}
	return p.stsCABundle
}

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
	if top := p.caller; top != nil {
		fmt.Fprintf(h, "%q %q|", top.stsKey, top.sourceID)
	}
	for q := p; q != nil; q = q.Source {
		fmt.Fprintf(h, "%q %q %q %q %q %d|", q.Name, q.RoleARN, q.ExternalID, q.RoleSessionName, q.MFASerial, q.DurationSeconds)
	}
	return "vault/" + p.Name + "/" + hex.EncodeToString(h.Sum(nil)[:8])
}

// SessionKey identifies the MFA session of p's source profile.
func (p *Profile) SessionKey() string {
	r := p.Root()
	target := ""
	if top := p.caller; top != nil {
		target = top.stsKey + "\x00" + top.sourceID
	}
	sum := sha256.Sum256([]byte(r.Name + "\x00" + p.SessionMFASerial() + "\x00" + target))
	return "session/" + r.Name + "/" + hex.EncodeToString(sum[:8])
}

// Resolver reads profiles from the AWS config and credentials files the way
// the AWS CLI does: both files through [inifile.Parse] (botocore's
// configparser), config sections named by botocore's build_profile_map,
// credentials-file sections merged over them key by key (Session.full_config),
// and role chains resolved as botocore's AssumeRoleProvider resolves them.
type Resolver struct {
	ConfigFile      string
	CredentialsFile string
	// SessionName is the role_session_name used when a profile sets none.
	SessionName string
	// Getenv reads the variables that choose the STS region and endpoint
	// (AWS_REGION, AWS_ENDPOINT_URL_STS, …); none are read when nil.
	Getenv func(string) string

	// profiles is botocore's full_config["profiles"]: the config file's
	// profiles, updated key by key with the credentials file's sections.
	profiles map[string]*rawProfile
	// config and creds are each file's own view, which botocore's
	// ConfigProvider and SharedCredentialProvider read.
	config   map[string]*rawProfile
	creds    map[string]*rawProfile
	services map[string]*rawProfile
}

type rawValue struct {
	value  string
	nested map[string]string
	file   string
	line   int
}

type rawProfile struct {
	file string // the file of its section header (config first)
	keys map[string]rawValue
}

func (rp *rawProfile) has(key string) bool {
	if rp == nil {
		return false
	}
	_, ok := rp.keys[key]
	return ok
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

// NewResolver reads the two files. A missing file counts as empty; an
// unreadable or malformed one is an error naming the file and line.
func NewResolver(paths Paths) (*Resolver, error) {
	r := &Resolver{
		ConfigFile: paths.ConfigFile, CredentialsFile: paths.CredentialsFile,
		profiles: map[string]*rawProfile{}, config: map[string]*rawProfile{},
		creds: map[string]*rawProfile{}, services: map[string]*rawProfile{},
	}
	cfg, err := parseFile(paths.ConfigFile)
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		for _, s := range cfg.Sections() {
			kind, name := inifile.ProfileName(s.Name)
			rp := toRaw(paths.ConfigFile, s)
			switch kind {
			case "profile":
				// A later section for the same profile replaces an
				// earlier one whole ([default] and [profile default],
				// "[profile a]" and "[profile  a]"), as botocore's dict does.
				r.config[name] = rp
			case "services":
				r.services[name] = rp
			}
		}
	}
	for name, rp := range r.config {
		cp := *rp
		cp.keys = maps.Clone(rp.keys)
		r.profiles[name] = &cp
	}
	creds, err := parseFile(paths.CredentialsFile)
	if err != nil {
		return nil, err
	}
	if creds != nil {
		for _, s := range creds.Sections() {
			rp := toRaw(paths.CredentialsFile, s)
			r.creds[s.Name] = rp
			if merged, ok := r.profiles[s.Name]; ok {
				maps.Copy(merged.keys, rp.keys)
			} else {
				cp := *rp
				cp.keys = maps.Clone(rp.keys)
				r.profiles[s.Name] = &cp
			}
		}
	}
	return r, nil
}

func toRaw(file string, s inifile.RawSection) *rawProfile {
	rp := &rawProfile{file: file, keys: make(map[string]rawValue, len(s.Keys))}
	for _, k := range s.Keys {
		rp.keys[k.Key] = rawValue{value: k.Value, nested: k.Nested, file: file, line: k.Line}
	}
	return rp
}

// parseFile reads and parses one file; nil when it does not exist.
func parseFile(path string) (*inifile.Doc, error) {
	if path == "" {
		return nil, nil
	}
	data, err := readLimited(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d, err := inifile.Parse(data)
	if err != nil {
		var pe *inifile.ParseError
		if errors.As(err, &pe) {
			pe.Path = path
			return nil, fmt.Errorf("%w; the AWS CLI cannot read this file either", pe)
		}
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return d, nil
}

func readLimited(path string) ([]byte, error) {
	return readfile.Read(path, maxFileSize)
}

// Profiles returns every profile name, sorted.
func (r *Resolver) Profiles() []string {
	names := slices.Collect(maps.Keys(r.profiles))
	slices.Sort(names)
	return names
}

// RoleProfiles returns the profiles that set role_arn, sorted.
func (r *Resolver) RoleProfiles() []string {
	var names []string
	for _, n := range r.Profiles() {
		if r.profiles[n].has("role_arn") {
			names = append(names, n)
		}
	}
	return names
}

// Has reports whether a profile exists.
func (r *Resolver) Has(name string) bool {
	_, ok := r.profiles[name]
	return ok
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

// Resolve returns the chain for a role profile. Errors name the profile,
// the file and the line, never a value.
func (r *Resolver) Resolve(name string) (*Profile, error) {
	rp, ok := r.profiles[name]
	if !ok {
		return nil, fmt.Errorf("profile %s: %w in %s or %s", name, ErrProfileNotFound, r.ConfigFile, r.CredentialsFile)
	}
	if !rp.has("role_arn") {
		if cp := rp.keys["credential_process"].value; PointsAtSelf(cp) {
			args, _ := SplitCommand(cp)
			return nil, fmt.Errorf("profile %s (%s): %w: it is the profile that runs stslib-proc; name the role profile instead (%s)", name, rp.file, ErrNotRole, strings.Join(args[1:], " "))
		}
		return nil, fmt.Errorf("profile %s (%s): %w; point stslib-proc at a role profile", name, rp.file, ErrNotRole)
	}
	p, err := r.role(name, []string{name})
	if err != nil {
		return nil, err
	}
	// botocore makes every STS call of a chain with the client of the
	// session's profile: its region, endpoint and sts_regional_endpoints.
	r.bindTarget(p)
	for q := p; q != nil; q = q.Source {
		q.caller = p
	}
	return p, nil
}

// bindTarget records where p's STS calls go and who the chain starts as,
// for the cache keys: the partition of the region and a configured
// endpoint (every STS endpoint of a partition issues credentials valid in
// all of it, so changing the region within it keeps the MFA session), and
// the source's access key ID (or command, or environment key ID).
func (r *Resolver) bindTarget(p *Profile) {
	t := r.stsTarget(p)
	p.stsRegion, p.stsEndpoint, p.stsCABundle = t.Region, t.Endpoint, t.CABundle
	p.stsKey = "partition " + partitionOf(t.Region)
	if e := r.endpoint(p); e != "" {
		p.stsKey += " endpoint " + e
	}
	root := p.Root()
	switch root.kind {
	case kindStatic:
		p.sourceID = "key " + root.keys.id
	case kindProcess:
		p.sourceID = "process " + root.CredentialProcess
	case kindEnvironment:
		p.sourceID = "environment " + r.getenv("AWS_ACCESS_KEY_ID")
	}
}

// partitionOf names the AWS partition of a region.
func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "eu-isoe-"):
		return "aws-iso-e"
	case strings.HasPrefix(region, "us-isof-"):
		return "aws-iso-f"
	}
	return "aws"
}

func (r *Resolver) getenv(k string) string {
	if r.Getenv == nil {
		return ""
	}
	return r.Getenv(k)
}

// globalSTS is the endpoint the AWS CLI uses without a region. Otherwise
// it always uses the regional endpoint: the AWS CLI v2 ignores
// sts_regional_endpoints (legacy is gone from it, and the SDKs default to
// regional).
const globalSTS = "https://sts.amazonaws.com"

// stsTarget resolves where p's STS calls go: the configured endpoint, else
// the regional endpoint of the region, else (no region) the global
// endpoint signed for us-east-1, as the AWS CLI does.
func (r *Resolver) stsTarget(p *Profile) STSConfig {
	cfg := STSConfig{Region: r.region(p), Endpoint: r.endpoint(p), CABundle: r.getenv("AWS_CA_BUNDLE")}
	if cfg.CABundle == "" {
		cfg.CABundle = p.caBundle
	}
	if cfg.Endpoint == "" && (cfg.Region == "" || cfg.Region == "aws-global") {
		cfg.Endpoint = globalSTS
	}
	if cfg.Region == "" || cfg.Region == "aws-global" {
		cfg.Region = "us-east-1"
	}
	return cfg
}

// region: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region (the
// AWS CLI v2's order); "" when none is set.
func (r *Resolver) region(p *Profile) string {
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if v := r.getenv(k); v != "" {
			return v
		}
	}
	return p.Region
}

// endpoint follows the SDKs' documented order: AWS_ENDPOINT_URL_STS,
// AWS_ENDPOINT_URL, the profile's [services] sts endpoint_url, the
// profile's endpoint_url; none when ignore_configured_endpoint_urls is
// true (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, else the profile's key).
func (r *Resolver) endpoint(p *Profile) string {
	ignore := p.ignoreEndpoints
	if v := r.getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"); v != "" {
		ignore = strings.EqualFold(v, "true")
	}
	if ignore {
		return ""
	}
	for _, v := range []string{r.getenv("AWS_ENDPOINT_URL_STS"), r.getenv("AWS_ENDPOINT_URL"), p.stsEndpointURL, p.EndpointURL} {
		if v != "" {
			return v
		}
	}
	return ""
}

// ResolveSource returns a source profile (one that holds credentials), or
// for a role profile, its chain.
func (r *Resolver) ResolveSource(name string) (*Profile, error) {
	rp, ok := r.profiles[name]
	if !ok {
		return nil, fmt.Errorf("profile %s: %w in %s or %s", name, ErrProfileNotFound, r.ConfigFile, r.CredentialsFile)
	}
	if rp.has("role_arn") && !hasStaticKeys(rp) {
		return r.Resolve(name)
	}
	p, err := r.source(name, nil)
	if err != nil {
		return nil, err
	}
	r.bindTarget(p)
	p.caller = p
	return p, nil
}

// valueError is a bad value in a profile: it names the file and line of
// the key, never the value.
func valueError(profile string, v rawValue, key, why string) error {
	return fmt.Errorf("profile %s (%s:%d): %s %s", profile, v.file, v.line, key, why)
}

// scalar returns a key's value for a key that holds one line. A value
// that continued on indented lines (an indented key or text under it) or
// a nested block is refused: botocore would send the lines joined with
// line breaks, which STS refuses.
func scalar(profile string, rp *rawProfile, key string) (string, bool, error) {
	v, ok := rp.keys[key]
	if !ok {
		return "", false, nil
	}
	if strings.Contains(v.value, "\n") {
		return "", true, valueError(profile, v, key, "continues on an indented line below it; the AWS CLI would read both lines as one value (indent nothing under it, or comment the line out)")
	}
	return v.value, true, nil
}

// fill reads the keys every profile may carry.
func (r *Resolver) fill(name string, rp *rawProfile) (*Profile, error) {
	p := &Profile{Name: name, File: rp.file}
	var err error
	get := func(key string) string {
		if err != nil {
			return ""
		}
		v, _, e := scalar(name, rp, key)
		err = e
		return v
	}
	p.Region = get("region")
	p.caBundle = get("ca_bundle")
	p.EndpointURL = get("endpoint_url")
	p.ServicesSection = get("services")
	ignore := get("ignore_configured_endpoint_urls")
	p.CredentialSource = get("credential_source")
	p.MFAProcess = rp.keys["mfa_process"].value
	p.CredentialProcess = rp.keys["credential_process"].value
	if err != nil {
		return nil, err
	}
	p.ignoreEndpoints = strings.EqualFold(ignore, "true")
	if err := checkValue(name, rp, "region", p.Region, 1, 64, isRegionChar); err != nil {
		return nil, err
	}
	if rp.has("region") && p.Region == "" {
		return nil, valueError(name, rp.keys["region"], "region", "is empty; the AWS CLI cannot build an STS endpoint from it (remove the line or give a region)")
	}
	if rp.has("services") {
		s, ok := r.services[p.ServicesSection]
		if !ok {
			return nil, valueError(name, rp.keys["services"], "services", fmt.Sprintf("names a [services %s] section that %s does not have", p.ServicesSection, r.ConfigFile))
		}
		if v, ok := s.keys["sts"]; ok {
			for k, u := range v.nested {
				if strings.EqualFold(k, "endpoint_url") {
					p.stsEndpointURL = u
				}
			}
		}
	}
	return p, nil
}

// role resolves a profile that botocore's AssumeRoleProvider would assume:
// it has role_arn. seen lists the profiles visited, the first being the
// one asked for.
func (r *Resolver) role(name string, seen []string) (*Profile, error) {
	rp := r.profiles[name]
	p, err := r.fill(name, rp)
	if err != nil {
		return nil, err
	}
	if rp.has("web_identity_token_file") {
		return nil, fmt.Errorf("profile %s (%s): web_identity_token_file is not supported: stslib-proc assumes roles with MFA-backed sessions", name, rp.file)
	}
	var arn, src string
	var hasSrc bool
	for _, f := range []struct {
		key string
		dst *string
		set *bool
	}{
		{"role_arn", &arn, nil}, {"external_id", &p.ExternalID, nil}, {"role_session_name", &p.RoleSessionName, nil},
		{"mfa_serial", &p.MFASerial, nil}, {"source_profile", &src, &hasSrc},
	} {
		v, ok, err := scalar(name, rp, f.key)
		if err != nil {
			return nil, err
		}
		if ok && v == "" && f.key != "role_session_name" {
			// An empty role_session_name gets the default name, as in
			// the AWS CLI; the others STS would refuse.
			return nil, valueError(name, rp.keys[f.key], f.key, "is empty; the AWS CLI would refuse it too (remove the line or give a value)")
		}
		*f.dst = v
		if f.set != nil {
			*f.set = ok
		}
	}
	p.RoleARN = arn
	if !strings.HasPrefix(arn, "arn:") {
		why := "is not an ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)"
		if strings.HasPrefix(arn, `"`) || strings.HasPrefix(arn, "'") {
			why = "is in quotes, which the AWS CLI keeps as part of the value; remove them"
		}
		return nil, valueError(name, rp.keys["role_arn"], "role_arn", why)
	}
	if err := checkValue(name, rp, "external_id", p.ExternalID, 2, 1224, isExternalIDChar); err != nil {
		return nil, err
	}
	if err := checkValue(name, rp, "mfa_serial", p.MFASerial, 9, 256, isSerialChar); err != nil {
		return nil, err
	}
	if err := r.duration(p, rp); err != nil {
		return nil, err
	}
	if p.RoleSessionName != "" && !validSessionName(p.RoleSessionName) {
		return nil, valueError(name, rp.keys["role_session_name"], "role_session_name", "must be 2-64 characters of letters, digits and +=,.@_-")
	}
	if p.RoleSessionName == "" {
		p.RoleSessionName = r.SessionName
		if p.RoleSessionName == "" {
			p.RoleSessionName = DefaultSessionName("")
		}
	}
	hasCS := rp.has("credential_source")
	switch {
	case hasSrc && hasCS:
		return nil, fmt.Errorf("profile %s (%s:%d): has both source_profile and credential_source; the AWS CLI refuses that too (keep one)", name, rp.keys["credential_source"].file, rp.keys["credential_source"].line)
	case !hasSrc && !hasCS:
		return nil, fmt.Errorf("profile %s (%s): role_arn needs source_profile or credential_source", name, rp.file)
	case hasCS:
		// credential_source: the role is assumed with credentials from the
		// environment; the profile is its own source.
		if p.CredentialSource != "Environment" {
			return nil, valueError(name, rp.keys["credential_source"], "credential_source", "is not supported (only Environment)")
		}
		p.Source = &Profile{Name: name, File: rp.file, CredentialSource: "Environment", kind: kindEnvironment}
		return p, nil
	}
	// botocore's _validate_source_profile.
	srp, ok := r.profiles[src]
	if !ok {
		return nil, fmt.Errorf("profile %s (%s:%d): source_profile %s: %w in %s or %s", name, rp.keys["source_profile"].file, rp.keys["source_profile"].line, src, ErrProfileNotFound, r.ConfigFile, r.CredentialsFile)
	}
	if i := slices.Index(seen, src); i >= 0 {
		if src != name || !hasStaticKeys(srp) {
			loop := append(slices.Clone(seen[i:]), src)
			return nil, fmt.Errorf("profile %s (%s): %w: %s", name, rp.file, ErrCycle, strings.Join(loop, " -> "))
		}
		// A profile may name itself as source when it holds static keys
		// (the SDKs allow it): the keys assume its own role.
	}
	if len(seen) > 16 {
		return nil, fmt.Errorf("profile %s (%s): role chain longer than 16 profiles", name, rp.file)
	}
	seen = append(seen, src)
	// botocore's _resolve_credentials_from_profile: a source with static
	// keys (either key present), or without role_arn, is read for
	// credentials and ends the chain, even when it also has role_arn.
	if hasStaticKeys(srp) || !srp.has("role_arn") || srp.has("web_identity_token_file") {
		p.Source, err = r.source(src, seen[:len(seen)-1])
	} else {
		p.Source, err = r.role(src, seen)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// checkValue refuses a value that STS's parameter rules refuse (length
// and characters), before anything is sent. Values that were meant to
// carry an inline comment get a hint: the AWS CLI has none.
func checkValue(profile string, rp *rawProfile, key, v string, minLen, maxLen int, ok func(rune) bool) error {
	if v == "" {
		return nil
	}
	bad := len(v) < minLen || len(v) > maxLen
	for _, r := range v {
		bad = bad || !ok(r)
	}
	if !bad {
		return nil
	}
	why := "has characters or a length that STS refuses"
	if strings.ContainsAny(v, "#;") {
		why += "; the AWS CLI has no inline comments: everything after the = is the value, so put a comment on its own line"
	} else if strings.HasPrefix(v, `"`) || strings.HasPrefix(v, "'") {
		why += "; the AWS CLI keeps quotes as part of the value: remove them"
	}
	return valueError(profile, rp.keys[key], key, why)
}

func isWordChar(r rune) bool {
	return r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
}

func isRegionChar(r rune) bool     { return isWordChar(r) && r != '_' || r == '-' }
func isExternalIDChar(r rune) bool { return isWordChar(r) || strings.ContainsRune("+=,.@:/-", r) }
func isSerialChar(r rune) bool     { return isWordChar(r) || strings.ContainsRune("+=/:,.@-", r) }

// hasStaticKeys is botocore's _has_static_credentials: either key present.
func hasStaticKeys(rp *rawProfile) bool {
	return rp.has(inifile.KeyAccessKeyID) || rp.has(inifile.KeySecretAccessKey)
}

// duration reads duration_seconds as botocore does: int() of the value,
// a value int() refuses is ignored (and STS's default of 1 h applies);
// less than 900 is refused, as botocore's parameter validation does.
func (r *Resolver) duration(p *Profile, rp *rawProfile) error {
	v, ok, err := scalar(p.Name, rp, "duration_seconds")
	if err != nil || !ok {
		return err
	}
	d, ok := pyInt(v)
	if !ok {
		p.durationIgnored = true
		return nil
	}
	if d < 900 {
		return valueError(p.Name, rp.keys["duration_seconds"], "duration_seconds", "must be at least 900")
	}
	if d > 43200 {
		d = 43200
	}
	p.DurationSeconds = int(d)
	return nil
}

// pyInt parses s as Python's int(s) does for ASCII input: surrounding
// whitespace, an optional sign, and digits with single underscores
// between them.
func pyInt(s string) (int64, bool) {
	s = strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f })
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return 0, false
	}
	var n int64
	for _, c := range s {
		if c == '_' {
			continue
		}
		d, ok := digitValue(c)
		if !ok {
			return 0, false
		}
		if n < 1<<40 {
			n = n*10 + int64(d)
		}
	}
	if neg {
		n = -n
	}
	return n, true
}

// digitValue is the value of a Unicode decimal digit (category Nd), as
// Python's int() reads it. Unicode keeps each script's digits 0-9
// contiguous, and blocks of several scripts' digits (mathematical digits)
// start on a zero, so the value is the offset from the start of the run.
func digitValue(r rune) (int, bool) {
	if '0' <= r && r <= '9' {
		return int(r - '0'), true
	}
	if !unicode.IsDigit(r) {
		return 0, false
	}
	start := r
	for unicode.IsDigit(start - 1) {
		start--
	}
	return int(r-start) % 10, true
}

// source resolves a profile read for credentials, in the order of
// botocore's ProfileProviderBuilder: web identity, SSO, the credentials
// file's keys, credential_process, the config file's keys.
func (r *Resolver) source(name string, seen []string) (*Profile, error) {
	rp := r.profiles[name]
	p, err := r.fill(name, rp)
	if err != nil {
		return nil, err
	}
	p.MFASerial, _, err = scalar(name, rp, "mfa_serial")
	if err != nil {
		return nil, err
	}
	if rp.has("mfa_serial") && p.MFASerial == "" {
		return nil, valueError(name, rp.keys["mfa_serial"], "mfa_serial", "is empty; the AWS CLI would refuse it too (remove the line or give a value)")
	}
	if err := checkValue(name, rp, "mfa_serial", p.MFASerial, 9, 256, isSerialChar); err != nil {
		return nil, err
	}
	via := ""
	if len(seen) > 0 {
		via = fmt.Sprintf(" (source of %s)", seen[len(seen)-1])
	}
	switch {
	case rp.has("web_identity_token_file") && rp.has("role_arn"):
		return nil, fmt.Errorf("profile %s%s (%s): web_identity_token_file is not supported as a source: give the source profile long-term keys", name, via, rp.file)
	case rp.has("sso_role_name") || rp.has("sso_account_id"):
		return nil, fmt.Errorf("profile %s%s (%s): an IAM Identity Center (SSO) profile cannot start an MFA session: give the source profile long-term keys", name, via, rp.file)
	}
	if c := r.creds[name]; c.has(inifile.KeyAccessKeyID) {
		return p, r.staticKeys(p, c)
	}
	if p.CredentialProcess != "" {
		if PointsAtSelf(p.CredentialProcess) {
			return nil, fmt.Errorf("profile %s%s (%s): %w: its credential_process runs stslib-proc, which would run itself; give the source profile long-term keys", name, via, rp.file, ErrRecursion)
		}
		p.kind = kindProcess
		return p, nil
	}
	if c := r.config[name]; c.has(inifile.KeyAccessKeyID) {
		return p, r.staticKeys(p, c)
	}
	return nil, fmt.Errorf("profile %s%s (%s): %w: add aws_access_key_id and aws_secret_access_key to [%s] in %s", name, via, rp.file, ErrNoSource, name, r.CredentialsFile)
}

// staticKeys takes a source's long-term keys from one file's section, as
// botocore's SharedCredentialProvider and ConfigProvider do.
func (r *Resolver) staticKeys(p *Profile, rp *rawProfile) error {
	k := &staticKeys{}
	var ok bool
	var err error
	if k.id, _, err = scalar(p.Name, rp, inifile.KeyAccessKeyID); err != nil {
		return err
	}
	var secret string
	if secret, ok, err = scalar(p.Name, rp, inifile.KeySecretAccessKey); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("profile %s (%s): %w: aws_access_key_id without aws_secret_access_key", p.Name, rp.file, ErrNoSource)
	}
	if k.id == "" || secret == "" {
		return fmt.Errorf("profile %s (%s): %w: aws_access_key_id or aws_secret_access_key is empty", p.Name, rp.file, ErrNoSource)
	}
	k.secret = Secret(secret)
	for _, key := range []string{inifile.KeySecurityToken, inifile.KeySessionToken} {
		if v, ok, err := scalar(p.Name, rp, key); err != nil {
			return err
		} else if ok {
			k.token = Secret(v)
			break
		}
	}
	p.kind, p.HasStaticKeys, p.keys = kindStatic, true, k
	p.File = rp.file
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
