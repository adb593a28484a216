package credproc

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestSeedInArgs(t *testing.T) {
	tests := []struct {
		line string
		seed bool
	}{
		// oathtool: KEY is the first operand; @FILE and - are not seeds.
		{"oathtool --totp -b JBSWY3DPEHPK3PXP", true},
		{"/usr/bin/oathtool --totp -b @/home/bob/.config/stslib/totp", false},
		{"oathtool --totp -b -", false},
		{"oathtool --totp 3132333435363738393031323334353637383930", true}, // hex
		{"oathtool -b --totp -d 6 JBSW", true},
		{"oathtool --totp -b 'JBSW Y3DP EHPK 3PXP'", true},
		{"oathtool --totp -b '--now=10 seconds ago' @/f", false},
		{"oathtool --totp -b -N 'now' @/f", false},
		{"oathtool --tim 30s -b @/f", false},
		{"oathtool -d6 -b @/f", false},
		{"oathtool -b -- @/f", false},
		{"oathtool -b -- JBSWY3DP", true},
		// any other command: a long base32 run, or base32 after -b.
		{"totp-cli --secret=JBSWY3DPEHPK3PXP", true},
		{"sh -c 'oathtool --totp -b JBSWY3DPEHPK3PXP'", true},
		{"mytool -b jbswy3dpehpk3pxp", true},
		{"mytool --base32 JBSWY3DP", true},
		{"mytool -b @/f", false},
		{"python3 totp.py otpauth://totp/AWS:bob?secret=JBSWY3DPEHPK3PXP&issuer=AWS", true},
		// password managers: names are not seeds.
		{"op item get AWS --otp", false},
		{"op item get awsproductionaccount --otp", false},
		{"op read 'op://Private/AWS Production/one-time password?attribute=otp'", false},
		{"ykman oath accounts code -s 'Amazon Web Services:bob@example.com'", false},
		{"bw get totp 2b8a7c5e-1f3d-4e6a-9b0c-7d5e3f1a2b4c", false},
		{"pass otp aws/BobSmith", false},
		{"echo 123456", false},
		{"/opt/JBSWY3DPEHPK3PXPJBSW/bin/tool", false}, // the program itself
	}
	for _, tt := range tests {
		args, err := splitCommand(tt.line, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := seedInArgs(args); got != tt.seed {
			t.Errorf("seedInArgs(%s) = %v, want %v", tt.line, got, tt.seed)
		}
	}
}

// TestMFAProcessSeedRefused: an mfa_process with the seed on its command
// line is not run; the error names the profile and file and shows the
// @FILE form, never the seed.
func TestMFAProcessSeedRefused(t *testing.T) {
	const seed = "JBSWY3DPEHPK3PXP"
	marker := filepath.Join(t.TempDir(), "ran")
	cfg := strings.Replace(baseConfig, "region = us-east-1\n",
		"region = us-east-1\nmfa_process = sh -c 'touch "+marker+"; echo 123456' "+seed+"\n", 1)
	tests := []struct {
		name  string
		allow bool
	}{{"refused", false}, {"allowed in config.yml", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(marker)
			core, f, _ := newTestCore(t, func(o *Options) {
				o.Paths = writeFiles(t, cfg, baseCredentials)
				o.MFACode = ""
				o.Config.AllowMFASeedInArgs = tt.allow
				o.Environ = func() []string { return []string{"PATH=" + os.Getenv("PATH")} }
			})
			_, err := core.Role(context.Background(), "DynamoDBRole-dev")
			_, ranErr := os.Stat(marker)
			if tt.allow {
				if err != nil || ranErr != nil {
					t.Fatalf("err = %v, ran: %v", err, ranErr == nil)
				}
				return
			}
			if !errors.Is(err, ErrSeedInArgs) {
				t.Fatalf("err = %v, want ErrSeedInArgs", err)
			}
			msg := err.Error()
			for _, want := range []string{"profile BobSmith (" + core.opts.Paths.ConfigFile + ")", "'oathtool --totp -b @FILE'", "0600", "allow_mfa_seed_in_args: true"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
			if strings.Contains(msg, seed) || strings.Contains(msg, "\n") {
				t.Errorf("error shows the seed or spans lines: %q", msg)
			}
			if ranErr == nil {
				t.Error("mfa_process ran")
			}
			if gst, _ := f.counts(); gst != 0 {
				t.Errorf("GetSessionToken called %d times", gst)
			}
		})
	}
}

// TestMFAProcessFileModeWarning: a file holding mfa_process, or the seed
// file it reads, open to group or others gets one warning each.
func TestMFAProcessFileModeWarning(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no group or other permission bits")
	}
	dir := t.TempDir()
	oathtool := filepath.Join(dir, "oathtool") // a stand-in that prints a code
	if err := os.WriteFile(oathtool, []byte("#!/bin/sh\necho 123456\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	seedFile := filepath.Join(dir, "seed")
	if err := os.WriteFile(seedFile, []byte("JBSWY3DPEHPK3PXP\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(baseConfig, "region = us-east-1\n", "region = us-east-1\nmfa_process = "+oathtool+" --totp -b @"+seedFile+"\n", 1)
	tests := []struct {
		name             string
		cfgMode, seedMod os.FileMode
		want             []string // files named in the warnings
	}{
		{"private", 0o600, 0o600, nil},
		{"config readable by others", 0o644, 0o600, []string{"config"}},
		{"seed readable by group", 0o600, 0o640, []string{"seed"}},
		{"both", 0o604, 0o660, []string{"config", "seed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warns []string
			core, _, _ := newTestCore(t, func(o *Options) {
				o.Paths = writeFiles(t, cfg, baseCredentials)
				o.MFACode = ""
				o.Warn = collect(&warns)
			})
			if err := os.Chmod(core.opts.Paths.ConfigFile, tt.cfgMode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(seedFile, tt.seedMod); err != nil {
				t.Fatal(err)
			}
			if _, err := core.Role(context.Background(), "DynamoDBRole-dev"); err != nil {
				t.Fatal(err)
			}
			if len(warns) != len(tt.want) {
				t.Fatalf("warnings %q, want %d", warns, len(tt.want))
			}
			for i, name := range tt.want {
				if !strings.Contains(warns[i], string(filepath.Separator)+name+" holds mfa_process or its seed") || !strings.Contains(warns[i], "chmod 600") {
					t.Errorf("warning %q does not name %s", warns[i], name)
				}
				if strings.Contains(warns[i], "JBSWY3DPEHPK3PXP") {
					t.Errorf("warning shows the seed: %q", warns[i])
				}
			}
		})
	}
}

func TestLoadConfigAllowMFASeedInArgs(t *testing.T) {
	dir := t.TempDir()
	load := func(body string) (Config, error) {
		p := filepath.Join(dir, "config.yml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return LoadConfig(p)
	}
	if c, err := load("format: vault\n"); err != nil || c.AllowMFASeedInArgs {
		t.Errorf("default: %v, %v", c.AllowMFASeedInArgs, err)
	}
	if c, err := load("allow_mfa_seed_in_args: true\n"); err != nil || !c.AllowMFASeedInArgs {
		t.Errorf("true: %v, %v", c.AllowMFASeedInArgs, err)
	}
	if c, err := load("allow_mfa_seed_in_args: false\n"); err != nil || c.AllowMFASeedInArgs {
		t.Errorf("false: %v, %v", c.AllowMFASeedInArgs, err)
	}
	_, err := load("format: vault\nallow_mfa_seed_in_args: yes please\n")
	if err == nil || !strings.Contains(err.Error(), "config.yml:2: allow_mfa_seed_in_args: want true or false") {
		t.Errorf("bad value: %v", err)
	}
}
