package credproc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "config.yml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c, err := LoadConfig(filepath.Join(dir, "missing.yml"))
	if err != nil || c.Format != FormatVault || c.Prefix != "sts-" || c.RefreshWindow != 15*time.Minute {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
	c, err = LoadConfig(write("format: boto\nprefix: aws-\nrefresh_window: 10m\nkeyring: file\nsession_duration: 3600\nsource_profile: BobSmith\nmfa_process: oathtool --totp -b X\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Format != FormatBoto || c.Prefix != "aws-" || c.RefreshWindow != 10*time.Minute || c.Keyring != "file" || c.SessionDuration != time.Hour || c.SourceProfile != "BobSmith" {
		t.Errorf("got %+v", c)
	}
	bad := map[string]string{
		"unknown key":   "format: vault\nfromat: boto\n",
		"bad format":    "\nformat: xml\n",
		"bad duration":  "refresh_window: soon\n",
		"bad keyring":   "keyring: pass\n",
		"twice":         "format: vault\nformat: boto\n",
		"nested":        "format:\n  a: b\n",
		"not a map":     "- a\n- b\n",
		"bad yaml":      "format: [\n",
		"short session": "session_duration: 1m\n",
	}
	for name, body := range bad {
		t.Run(name, func(t *testing.T) {
			p := write(body)
			_, err := LoadConfig(p)
			if err == nil || !strings.Contains(err.Error(), p) {
				t.Fatalf("err = %v, want an error naming %s", err, p)
			}
			if name == "unknown key" && !strings.Contains(err.Error(), ":2:") {
				t.Errorf("want line 2 in %v", err)
			}
			if name == "bad format" && !strings.Contains(err.Error(), ":2:") {
				t.Errorf("want line 2 in %v", err)
			}
		})
	}
}

func TestConfigPath(t *testing.T) {
	home := t.TempDir()
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if got := ConfigPath(getenv, home); got != filepath.Join(home, ".config", "stslib", "config.yml") {
		t.Errorf("default %s", got)
	}
	legacy := filepath.Join(home, "stslib", "config.yml")
	os.MkdirAll(filepath.Dir(legacy), 0o700)
	os.WriteFile(legacy, []byte("format: boto\n"), 0o600)
	if got := ConfigPath(getenv, home); got != legacy {
		t.Errorf("stslib's own path should be used when it exists: %s", got)
	}
	env["STSLIB_CONFIG"] = "/x.yml"
	if got := ConfigPath(getenv, home); got != "/x.yml" {
		t.Errorf("STSLIB_CONFIG: %s", got)
	}
}

func FuzzLoadConfig(f *testing.F) {
	f.Add("format: vault\nrefresh_window: 15m\n")
	f.Add("mfa_process: 'a b'\n")
	f.Fuzz(func(t *testing.T, body string) {
		p := filepath.Join(t.TempDir(), "c.yml")
		os.WriteFile(p, []byte(body), 0o600)
		c, err := LoadConfig(p)
		if err == nil && (c.Prefix == "" || c.RefreshWindow < 0) {
			t.Fatalf("accepted invalid config: %+v", c)
		}
	})
}
