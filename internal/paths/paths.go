package paths

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// AWS returns the files the AWS CLI reads: AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE, defaulting to ~/.aws/config and
// ~/.aws/credentials.
func AWS(getenv func(string) string, home string) (config, credentials string) {
	config, credentials = getenv("AWS_CONFIG_FILE"), getenv("AWS_SHARED_CREDENTIALS_FILE")
	if config == "" {
		config = filepath.Join(home, ".aws", "config")
	}
	if credentials == "" {
		credentials = filepath.Join(home, ".aws", "credentials")
	}
	return expandHome(config, home), expandHome(credentials, home)
}

func expandHome(p, home string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[1:])
	}
	return p
}

// ConfigYML picks config.yml: STSLIB_CONFIG; else
// $XDG_CONFIG_HOME/stslib/config.yml (or ~/.config/stslib/config.yml) when
// it exists; else stslib's own ~/stslib/config.yml when that exists; else
// the XDG path.
func ConfigYML(getenv func(string) string, home string) string {
	if p := getenv("STSLIB_CONFIG"); p != "" {
		return p
	}
	base := getenv("XDG_CONFIG_HOME")
	if base == "" {
		base = filepath.Join(home, ".config")
	}
	xdg := filepath.Join(base, "stslib", "config.yml")
	if _, err := os.Stat(xdg); err == nil {
		return xdg
	}
	legacy := filepath.Join(home, "stslib", "config.yml")
	if _, err := os.Stat(legacy); err == nil {
		return legacy
	}
	return xdg
}

// DataDir holds the cache index, the lock files and the file keyring:
// STSLIB_DATA_DIR, else $XDG_DATA_HOME/stslib-proc, else %LOCALAPPDATA% on
// Windows, else ~/.local/share/stslib-proc.
func DataDir(getenv func(string) string, home string) string {
	if v := getenv("STSLIB_DATA_DIR"); v != "" {
		return v
	}
	if v := getenv("XDG_DATA_HOME"); v != "" {
		return filepath.Join(v, "stslib-proc")
	}
	if runtime.GOOS == "windows" {
		if v := getenv("LOCALAPPDATA"); v != "" {
			return filepath.Join(v, "stslib-proc")
		}
	}
	return filepath.Join(home, ".local", "share", "stslib-proc")
}
