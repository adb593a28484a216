package credproc

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/stslib/stslib-proc/internal/paths"
)

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
}

// DefaultConfig returns the built-in defaults.
func DefaultConfig() Config {
	return Config{
		Format: FormatVault, Prefix: "sts-", RefreshWindow: 15 * time.Minute,
		Keyring: "auto", SessionDuration: 12 * time.Hour,
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
	data, err := readLimited(path)
	if errors.Is(err, os.ErrNotExist) {
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
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s: %v", path, yamlErr(err))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil // empty file
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return fmt.Errorf("%s:%d: want key: value pairs", path, m.Line)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		bad := func(want string) error {
			return fmt.Errorf("%s:%d: %s: %s", path, v.Line, k.Value, want)
		}
		if seen[k.Value] {
			return fmt.Errorf("%s:%d: %s is set twice", path, k.Line, k.Value)
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
			if c.RefreshWindow, err = parseDuration(v.Value); err != nil || c.RefreshWindow < 0 || c.RefreshWindow > 12*time.Hour {
				return bad("want a duration such as 15m (0 to 12h)")
			}
		case "keyring":
			switch v.Value {
			case "auto", "os", "file", "memory":
				c.Keyring = v.Value
			default:
				return bad("want auto, os, file or memory")
			}
		case "session_duration":
			if c.SessionDuration, err = parseDuration(v.Value); err != nil || c.SessionDuration < 15*time.Minute || c.SessionDuration > 36*time.Hour {
				return bad("want a duration from 15m to 36h")
			}
		case "source_profile":
			c.SourceProfile = v.Value
		case "mfa_process":
			if _, err := SplitCommand(v.Value); err != nil {
				return bad(err.Error())
			}
			c.MFAProcess = v.Value
		default:
			return fmt.Errorf("%s:%d: unknown key %q (known: format, prefix, refresh_window, keyring, session_duration, source_profile, mfa_process)", path, k.Line, k.Value)
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
	if n, err := strconv.Atoi(s); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(s)
}

// yamlErr keeps yaml's "line N: ..." but never the offending text.
func yamlErr(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return "invalid YAML"
	}
	msg := err.Error()
	if len(msg) > 120 {
		msg = msg[:120]
	}
	return msg
}
