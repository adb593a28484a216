package credproc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
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
	bad := []struct {
		name, body string
		line       int // the line the error names; 0: none
	}{
		{"unknown key", "format: vault\nfromat: boto\n", 2},
		{"bad format", "\nformat: xml\n", 2},
		{"bad duration", "refresh_window: soon\n", 1},
		{"bad keyring", "keyring: pass\n", 1},
		{"twice", "format: vault\nformat: boto\n", 2},
		{"nested", "format:\n  a: b\n", 2},
		{"not a map", "- a\n- b\n", 1},
		{"bad yaml", "format: [\n", 1},
		{"tab indent", "format: vault\n\tprefix: x\n", 2},
		{"short session", "session_duration: 1m\n", 1},
		{"zero refresh window", "format: vault\nrefresh_window: 0\n", 2},
		{"zero refresh window as duration", "refresh_window: 0s\n", 1},
		{"negative refresh window", "refresh_window: -5m\n", 1},
		{"refresh window over 12h", "refresh_window: 13h\n", 1},
		{"session of 899 s", "session_duration: 899\n", 1},
		{"session over 36h", "session_duration: 129601\n", 1},
		{"session not whole seconds", "session_duration: 900.5s\n", 1},
		// 2^55+3600 seconds wraps around to 1h in nanoseconds.
		{"session seconds that overflow", "session_duration: 36028797018967568\n", 1},
		{"refresh seconds that overflow", "refresh_window: 36028797018964868\n", 1},
		{"second document", "format: vault\n---\nformat: boto\n", 2},
		{"merge key", "base: &b {format: vault}\n<<: *b\n", 1},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			p := write(tt.body)
			c, err := LoadConfig(p)
			if err == nil {
				t.Fatalf("accepted: %+v", c)
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("err = %v: want errors.Is ErrConfig (exit status 2)", err)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, p+":") {
				t.Fatalf("err = %q, want one line starting with %s", msg, p)
			}
			if tt.line > 0 && !strings.HasPrefix(msg, fmt.Sprintf("%s:%d: ", p, tt.line)) {
				t.Errorf("err = %q, want line %d", msg, tt.line)
			}
		})
	}
	good := map[string]time.Duration{
		"session_duration: 900\n":    15 * time.Minute,
		"session_duration: 129600\n": 36 * time.Hour,
		"session_duration: 36h\n":    36 * time.Hour,
		"refresh_window: 1s\n":       time.Second,
		"refresh_window: 12h\n":      12 * time.Hour,
		"refresh_window: 300\n":      5 * time.Minute,
	}
	for body, want := range good {
		c, err := LoadConfig(write(body))
		got := c.SessionDuration
		if strings.HasPrefix(body, "refresh") {
			got = c.RefreshWindow
		}
		if err != nil || got != want {
			t.Errorf("%q: %v, %v; want %v", body, got, err, want)
		}
	}
}

// TestLoadConfigValuesStayOut: an invalid value never reaches the error
// (config.yml's mfa_process may carry a TOTP seed).
func TestLoadConfigValuesStayOut(t *testing.T) {
	const canary = "CANARYJBSWY3DPEHPK3PXP"
	for _, body := range []string{
		"refresh_window: " + canary + "\n",
		"session_duration: " + canary + "\n",
		"format: " + canary + "\n",
		"keyring: " + canary + "\n",
		"prefix: " + canary + "!\n",
		"mfa_process: 'oathtool \"" + canary + "'\n",
		"format: \"" + canary + "\n",
		canary + ": x\n",
		"format: '" + canary + "\\q'\n- x\n",
	} {
		p := filepath.Join(t.TempDir(), "config.yml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadConfig(p)
		if err == nil {
			t.Fatalf("%q accepted", body)
		}
		if strings.Contains(err.Error(), canary[6:]) && !strings.HasPrefix(body, canary) {
			t.Errorf("%q: the error shows the value: %v", body, err)
		}
	}
}

// TestLoadConfigSpecialFiles: config.yml is read through readfile: a FIFO
// or a directory is refused at once, a huge file too.
func TestLoadConfigSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yml")
	if err := os.WriteFile(big, []byte("# "+strings.Repeat("x", maxConfigSize)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{"directory": dir, "larger than 1 MiB": big}
	if mkfifo, err := exec.LookPath("mkfifo"); err == nil {
		fifo := filepath.Join(dir, "fifo.yml")
		if out, err := exec.Command(mkfifo, fifo).CombinedOutput(); err != nil {
			t.Fatalf("mkfifo: %v %s", err, out)
		}
		cases["FIFO"] = fifo
	}
	for want, p := range cases {
		t.Run(want, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { _, err := LoadConfig(p); done <- err }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), want) {
					t.Fatalf("err = %v, want one naming %s and %q", err, p, want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("LoadConfig blocked")
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
