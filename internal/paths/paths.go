package paths

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Home returns the home directory the way botocore finds it (Python's
// os.path.expanduser): HOME when it is set and not empty, else the home
// directory of the current user in the password database (/etc/passwd, as
// Go's os/user reads it without cgo). It never falls back to the current
// directory: when neither is known it is an error.
func Home(getenv func(string) string) (string, error) {
	if h := getenv("HOME"); h != "" {
		return h, nil
	}
	if runtime.GOOS == "windows" {
		if h := getenv("USERPROFILE"); h != "" {
			return h, nil
		}
	}
	if h, ok := passwdHome(); ok {
		return h, nil
	}
	return "", ErrNoHome
}

// ErrNoHome: HOME is not set and the password database has no home for
// this user.
var ErrNoHome = errors.New("cannot find the home directory: HOME is not set and the password database has no home for this user; set HOME")

// AWS returns the files the AWS CLI reads: AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE, with $VAR, ${VAR}, ~ and ~user expanded as
// botocore expands them (os.path.expandvars, then os.path.expanduser);
// defaulting, when unset or empty, to ~/.aws/config and ~/.aws/credentials
// ("" when home is "": no file, rather than one in the current directory).
func AWS(getenv func(string) string, home string) (config, credentials string) {
	return awsFile(getenv, "AWS_CONFIG_FILE", "config", home), awsFile(getenv, "AWS_SHARED_CREDENTIALS_FILE", "credentials", home)
}

func awsFile(getenv func(string) string, key, name, home string) string {
	v := getenv(key)
	if v == "" {
		if home == "" {
			return "" // no home known: no file, never one in the current directory
		}
		return filepath.Join(home, ".aws", name)
	}
	return ExpandUser(ExpandVars(v, getenv), home, passwdUserHome)
}

// ExpandVars replaces $name and ${name} as Python's os.path.expandvars
// does: name is ASCII letters, digits and underscores, ${...} any text up
// to the next }, and a variable that getenv does not know (returns "" for)
// is left as written. (Python substitutes a variable that is set but empty;
// getenv cannot tell it from an unset one, so it stays as written.)
func ExpandVars(s string, getenv func(string) string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '$' {
			b.WriteByte(s[i])
			i++
			continue
		}
		name, end := "", i+1
		switch {
		case end < len(s) && s[end] == '{':
			if j := strings.IndexByte(s[end:], '}'); j >= 0 {
				name, end = s[end+1:end+j], end+j+1
			}
		default:
			for end < len(s) && isWordByte(s[end]) {
				end++
			}
			name = s[i+1 : end]
		}
		if name == "" && !(end > i+2 && s[i+1] == '{') {
			// Not a reference ("$", "$/", "${" without "}"): literal.
			b.WriteByte('$')
			i++
			continue
		}
		if v := getenv(name); v != "" {
			b.WriteString(v)
		} else {
			b.WriteString(s[i:end])
		}
		i = end
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// ExpandUser expands a leading ~ (home) or ~user (lookup) as Python's
// os.path.expanduser does on POSIX: up to the first /, with the home's
// trailing slashes dropped; an unknown user leaves the path as written.
func ExpandUser(p, home string, lookup func(name string) (string, bool)) string {
	if !strings.HasPrefix(p, "~") {
		return p
	}
	i := strings.IndexByte(p, '/')
	if i < 0 {
		i = len(p)
	}
	var dir string
	if i == 1 {
		if home == "" {
			return p
		}
		dir = home
	} else {
		h, ok := lookup(p[1:i])
		if !ok {
			return p
		}
		dir = h
	}
	if out := strings.TrimRight(dir, "/") + p[i:]; out != "" {
		return out
	}
	return "/"
}

// xdg returns an XDG base directory variable when it is absolute; the XDG
// spec says relative values are invalid and must be ignored.
func xdg(getenv func(string) string, key string) string {
	if v := getenv(key); v != "" && filepath.IsAbs(v) {
		return v
	}
	return ""
}

// ConfigYML picks config.yml: STSLIB_CONFIG; else
// $XDG_CONFIG_HOME/stslib/config.yml (or ~/.config/stslib/config.yml) when
// it exists; else stslib's own ~/stslib/config.yml when that exists; else
// the XDG path. A relative XDG_CONFIG_HOME is ignored.
func ConfigYML(getenv func(string) string, home string) string {
	if p := getenv("STSLIB_CONFIG"); p != "" {
		return p
	}
	base := xdg(getenv, "XDG_CONFIG_HOME")
	if base == "" {
		base = filepath.Join(home, ".config")
	}
	xdgPath := filepath.Join(base, "stslib", "config.yml")
	if _, err := os.Stat(xdgPath); err == nil {
		return xdgPath
	}
	legacy := filepath.Join(home, "stslib", "config.yml")
	if _, err := os.Stat(legacy); err == nil {
		return legacy
	}
	return xdgPath
}

// DataDir holds the cache index, the lock files and the file keyring:
// STSLIB_DATA_DIR, else $XDG_DATA_HOME/stslib-proc (when absolute), else
// %LOCALAPPDATA% on Windows, else ~/.local/share/stslib-proc.
func DataDir(getenv func(string) string, home string) string {
	if v := getenv("STSLIB_DATA_DIR"); v != "" {
		return v
	}
	if v := xdg(getenv, "XDG_DATA_HOME"); v != "" {
		return filepath.Join(v, "stslib-proc")
	}
	if runtime.GOOS == "windows" {
		if v := getenv("LOCALAPPDATA"); v != "" {
			return filepath.Join(v, "stslib-proc")
		}
	}
	return filepath.Join(home, ".local", "share", "stslib-proc")
}

// StateDir holds what the user's processes share whatever their data
// directory (the record of MFA codes already sent): $XDG_STATE_HOME
// /stslib-proc (when absolute), else %LOCALAPPDATA%\stslib-proc\state on
// Windows, else ~/.local/state/stslib-proc. It does not follow
// STSLIB_DATA_DIR, on purpose.
func StateDir(getenv func(string) string, home string) string {
	if v := xdg(getenv, "XDG_STATE_HOME"); v != "" {
		return filepath.Join(v, "stslib-proc")
	}
	if runtime.GOOS == "windows" {
		if v := getenv("LOCALAPPDATA"); v != "" {
			return filepath.Join(v, "stslib-proc", "state")
		}
	}
	return filepath.Join(home, ".local", "state", "stslib-proc")
}
