package credproc

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/stslib/stslib-proc/internal/keyrings"
	"github.com/stslib/stslib-proc/internal/paths"
	"github.com/stslib/stslib-proc/internal/readfile"
)

// ErrConfig marks an invalid config.yml (an unknown key, a bad or
// out-of-range value, broken YAML): a usage error, which cmd reports with
// exit status 2. The message names the file and line, never the value.
var ErrConfig = errors.New("invalid config.yml")

// configError is one line, "FILE:LINE: what is wrong"; it matches
// [ErrConfig].
type configError struct {
	file string
	line int
	msg  string
}

func (e *configError) Error() string {
	if e.line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.file, e.line, e.msg)
	}
	return e.file + ": " + e.msg
}

func (e *configError) Is(target error) bool { return target == ErrConfig }

// maxConfigSize bounds config.yml; a larger file is refused.
const maxConfigSize = 1 << 20

// Config is stslib's own configuration, config.yml.
type Config struct {
	// File is where it was read from ("" when defaults).
	File string
	// Format is the default output format of get (stslib's default: vault).
	Format Format
	// Prefix names credentials sections and map keys (default "sts-").
	Prefix string
	// RefreshWindow: a record is refreshed when less than this is left
	// (default 15 min, when botocore itself refreshes).
	RefreshWindow time.Duration
	// Keyring is the backend: auto, os, file or memory.
	Keyring string
	// SessionDuration is the GetSessionToken duration (default 12 h).
	SessionDuration time.Duration
	// SourceProfile is the default source profile for login.
	SourceProfile string
	// MFAProcess is the default command that prints an MFA code.
	MFAProcess string
	// AllowMFASeedInArgs lets mfa_process carry a TOTP seed in its
	// arguments (see ErrSeedInArgs): for single-user machines only.
	AllowMFASeedInArgs bool
	// SessionNotice: when the MFA session has less than this left, exec,
	// serve and status say so, and tell a person to log in again
	// (default 15 min).
	SessionNotice time.Duration
}

// DefaultConfig returns the built-in defaults.
func DefaultConfig() Config {
	return Config{
		Format: FormatVault, Prefix: "sts-", RefreshWindow: 15 * time.Minute,
		Keyring: "auto", SessionDuration: 12 * time.Hour, SessionNotice: 15 * time.Minute,
	}
}

// ConfigPath picks config.yml: STSLIB_CONFIG, else
// $XDG_CONFIG_HOME/stslib/config.yml (or ~/.config/stslib/config.yml) when
// it exists, else stslib's own ~/stslib/config.yml when that exists, else
// the XDG path.
func ConfigPath(getenv func(string) string, home string) string { return paths.ConfigYML(getenv, home) }

// LoadConfig reads config.yml. A missing file yields the defaults. Unknown
// keys and bad values are errors naming the file and line.
func LoadConfig(path string) (Config, error) {
	c := DefaultConfig()
	data, err := readfile.Read(path, maxConfigSize)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	c.File = path
	return c, c.parse(path, data)
}

func (c *Config) parse(path string, data []byte) error {
	var doc yaml.Node
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		return yamlErr(path, err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); err != io.EOF {
		if err != nil {
			return yamlErr(path, err)
		}
		return &configError{path, next.Line, "a second YAML document (---): want one"}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil // empty file
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return &configError{path, m.Line, "want key: value pairs"}
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		bad := func(want string) error {
			return &configError{path, v.Line, k.Value + ": " + want}
		}
		if seen[k.Value] {
			return &configError{path, k.Line, k.Value + " is set twice"}
		}
		seen[k.Value] = true
		if v.Kind != yaml.ScalarNode {
			return bad("want a single value")
		}
		var err error
		switch k.Value {
		case "format":
			c.Format, err = ParseFormat(v.Value)
			if err != nil {
				return bad("want one of process, vault, boto, env, ini")
			}
		case "prefix":
			if v.Value == "" || !validPrefix(v.Value) {
				return bad("want letters, digits and -_.")
			}
			c.Prefix = v.Value
		case "refresh_window":
			// 0 would silently mean the default: refuse it.
			if c.RefreshWindow, err = parseDuration(v.Value); err != nil || c.RefreshWindow < time.Second || c.RefreshWindow > 12*time.Hour {
				return bad("want a duration from 1s to 12h, such as 15m")
			}
		case "keyring":
			if !slices.Contains(keyrings.Names, v.Value) {
				return bad("want one of " + strings.Join(keyrings.Names, ", "))
			}
			c.Keyring = v.Value
		case "session_duration":
			// GetSessionToken takes whole seconds from 900 to 129600.
			if c.SessionDuration, err = parseDuration(v.Value); err != nil || c.SessionDuration < 15*time.Minute || c.SessionDuration > 36*time.Hour || c.SessionDuration%time.Second != 0 {
				return bad("want whole seconds from 900 (15m) to 129600 (36h)")
			}
		case "session_notice":
			if c.SessionNotice, err = parseDuration(v.Value); err != nil || c.SessionNotice < time.Minute || c.SessionNotice > 12*time.Hour {
				return bad("want a duration from 1m to 12h, such as 15m")
			}
		case "source_profile":
			c.SourceProfile = v.Value
		case "mfa_process":
			if _, err := SplitCommand(v.Value); err != nil {
				return bad(err.Error())
			}
			c.MFAProcess = v.Value
		case "allow_mfa_seed_in_args":
			switch v.Value {
			case "true", "false":
				c.AllowMFASeedInArgs = v.Value == "true"
			default:
				return bad("want true or false")
			}
		default:
			return &configError{path, k.Line, fmt.Sprintf("unknown key %q (known: format, prefix, refresh_window, keyring, session_duration, source_profile, mfa_process, allow_mfa_seed_in_args)", k.Value)}
		}
	}
	return nil
}

func validPrefix(s string) bool {
	for _, r := range s {
		if !(r == '-' || r == '_' || r == '.' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return len(s) <= 32
}

// parseDuration takes a Go duration ("15m") or whole seconds ("900").
func parseDuration(s string) (time.Duration, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 || n > math.MaxInt64/int64(time.Second) {
			return 0, errors.New("out of range") // n seconds would wrap around
		}
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(s)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlErr turns yaml's "yaml: line N: ..." into "FILE:N: ...", one line
// that never carries the offending text.
func yamlErr(path string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return &configError{path, 0, "invalid YAML"}
	}
	msg, line := err.Error(), 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if i := strings.IndexAny(msg, "\n'\"`"); i >= 0 {
		msg = strings.TrimRight(msg[:i], " :")
	}
	if len(msg) > 120 {
		msg = msg[:120]
	}
	return &configError{path, line, "invalid YAML: " + msg}
}
