package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/stslib/stslib-proc/internal/stsemu"
)

// RoleARN is the ARN of a role in the emulator's account 444455556666.
func RoleARN(name string) string { return "arn:aws:iam::444455556666:role/" + name }

// RoleProfile is a role profile of the AWS config file.
type RoleProfile struct {
	Name            string // e.g. DynamoDBRole-dev
	Role            string // role name, e.g. DynamoDBRole
	Source          string // source_profile; "BobSmith" when empty
	ExternalID      string
	SessionName     string
	DurationSeconds int
	// Proc, when set, adds [profile Proc] with credential_process running
	// stslib-proc for this role: the profile the AWS CLI uses.
	Proc string
}

// Source is the source profile: long-term keys in the credentials file,
// mfa_serial and mfa_process in the config file.
type Source struct {
	Name       string // "BobSmith" when empty
	AccessKey  string // stsemu.DefaultAccessKeyID when empty
	SecretKey  string // stsemu.DefaultSecretAccessKey when empty
	MFASerial  string // none when empty
	MFAProcess string // none when empty
}

// OathtoolMFA is an mfa_process that prints the emulator's current code.
// The seed is read from a 0600 file (@FILE): stslib-proc refuses a seed
// on the command line.
func OathtoolMFA(secret string) string { return "/usr/bin/oathtool --totp -b @" + SeedFile(secret) }

var seedFiles struct {
	sync.Mutex
	dir string
}

// SeedFile returns a 0600 file holding secret, in a private directory of
// this process under the temporary directory (one file per secret; the
// directory is left behind when the process exits, as it holds only test
// seeds).
func SeedFile(secret string) string {
	seedFiles.Lock()
	defer seedFiles.Unlock()
	if seedFiles.dir == "" {
		d, err := os.MkdirTemp("", "stslib-e2e-seeds-")
		if err != nil {
			panic(err)
		}
		seedFiles.dir = d
	}
	sum := sha256.Sum256([]byte(secret))
	p := filepath.Join(seedFiles.dir, hex.EncodeToString(sum[:8]))
	if err := os.WriteFile(p, []byte(secret+"\n"), 0o600); err != nil {
		panic(err)
	}
	return p
}

// OathtoolMFAAt is an mfa_process that prints the code of a device whose
// clock is offset from ours, like an emulator with SetClockOffset(offset).
func OathtoolMFAAt(secret string, offset time.Duration) string {
	when := fmt.Sprintf("%d seconds", int(offset/time.Second))
	if offset < 0 {
		when = fmt.Sprintf("%d seconds ago", int(-offset/time.Second))
	}
	return fmt.Sprintf("/usr/bin/oathtool --totp -b @%s '--now=%s'", SeedFile(secret), when)
}

// DefaultSource is BobSmith with MFA from oathtool.
func DefaultSource() Source {
	return Source{MFASerial: stsemu.DefaultMFASerial, MFAProcess: OathtoolMFA(stsemu.DefaultTOTPSecret)}
}

// WriteProfiles writes the AWS config and credentials files: the source,
// the role profiles and their credential_process profiles. extraConfig is
// appended to the config file.
func (w *World) WriteProfiles(src Source, roles []RoleProfile, extraConfig string) {
	w.T.Helper()
	if src.Name == "" {
		src.Name = "BobSmith"
	}
	if src.AccessKey == "" {
		src.AccessKey = stsemu.DefaultAccessKeyID
	}
	if src.SecretKey == "" {
		src.SecretKey = stsemu.DefaultSecretAccessKey
	}
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "[profile %s]\nregion = us-east-1\n", src.Name)
	if src.MFASerial != "" {
		fmt.Fprintf(&cfg, "mfa_serial = %s\n", src.MFASerial)
	}
	if src.MFAProcess != "" {
		fmt.Fprintf(&cfg, "mfa_process = %s\n", src.MFAProcess)
	}
	for _, r := range roles {
		s := r.Source
		if s == "" {
			s = src.Name
		}
		fmt.Fprintf(&cfg, "\n[profile %s]\nrole_arn = %s\nsource_profile = %s\n", r.Name, RoleARN(r.Role), s)
		if r.ExternalID != "" {
			fmt.Fprintf(&cfg, "external_id = %s\n", r.ExternalID)
		}
		if r.SessionName != "" {
			fmt.Fprintf(&cfg, "role_session_name = %s\n", r.SessionName)
		}
		if r.DurationSeconds != 0 {
			fmt.Fprintf(&cfg, "duration_seconds = %d\n", r.DurationSeconds)
		}
		if r.Proc != "" {
			fmt.Fprintf(&cfg, "\n[profile %s]\ncredential_process = %s %s\n", r.Proc, w.Bin, r.Name)
		}
	}
	cfg.WriteString(extraConfig)
	w.Write(w.ConfigFile, cfg.String())
	w.Write(w.CredentialsFile, fmt.Sprintf("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", src.Name, src.AccessKey, src.SecretKey))
}

// WriteStslibConfig writes config.yml (STSLIB_CONFIG).
func (w *World) WriteStslibConfig(text string) {
	w.T.Helper()
	w.Write(w.StslibConfig, text)
}

// EmulatorConfig is stsemu.DefaultConfig with extra roles that trust
// BobSmith (no MFA required) and the given external IDs set.
func EmulatorConfig(extraRoles []string, externalIDs map[string]string) stsemu.Config {
	cfg := stsemu.DefaultConfig()
	for _, name := range extraRoles {
		cfg.Roles = append(cfg.Roles, stsemu.Role{
			ARN: RoleARN(name), TrustedPrincipals: []string{stsemu.DefaultUserARN}, MaxSessionDuration: 43200,
		})
	}
	for i := range cfg.Roles {
		for name, id := range externalIDs {
			if cfg.Roles[i].ARN == RoleARN(name) {
				cfg.Roles[i].ExternalID = id
			}
		}
	}
	return cfg
}
