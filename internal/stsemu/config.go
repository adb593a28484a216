package stsemu

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// User is an IAM user with long-term access keys and, optionally, a virtual
// MFA device.
type User struct {
	// Name is the user name, e.g. "BobSmith".
	Name string `yaml:"name" json:"name"`
	// AccessKeyID is the long-term access key ID ("AKIA…").
	AccessKeyID string `yaml:"access_key_id" json:"access_key_id"`
	// SecretAccessKey is the long-term secret.
	SecretAccessKey string `yaml:"secret_access_key" json:"secret_access_key"`
	// ARN is the user's ARN, arn:aws:iam::ACCOUNT:user/NAME.
	ARN string `yaml:"arn" json:"arn"`
	// MFASerial is the ARN of the user's virtual MFA device; empty for none.
	MFASerial string `yaml:"mfa_serial" json:"mfa_serial"`
	// TOTPSecret is the MFA device's seed in base32 (RFC 4648, padding
	// optional, case-insensitive).
	TOTPSecret string `yaml:"totp_secret" json:"totp_secret"`
}

// Role is an IAM role that users (or other roles, by chaining) may assume.
type Role struct {
	// ARN is the role's ARN, arn:aws:iam::ACCOUNT:role/[PATH/]NAME.
	ARN string `yaml:"arn" json:"arn"`
	// TrustedPrincipals lists who may assume the role: user ARNs, role ARNs
	// (role chaining), "arn:aws:iam::ACCOUNT:root" (any principal of that
	// account) or "*".
	TrustedPrincipals []string `yaml:"trusted_principals" json:"trusted_principals"`
	// ExternalID, when non-empty, must be passed as ExternalId.
	ExternalID string `yaml:"external_id" json:"external_id"`
	// RequireMFA demands an MFA-authenticated caller (a session from
	// GetSessionToken with MFA) or SerialNumber and TokenCode on AssumeRole.
	RequireMFA bool `yaml:"require_mfa" json:"require_mfa"`
	// MaxSessionDuration in seconds: 0 means 3600; at most 43200.
	MaxSessionDuration int `yaml:"max_session_duration" json:"max_session_duration"`
}

// Config describes the emulated account data and the server's behaviour.
type Config struct {
	Users []User `yaml:"users" json:"users"`
	Roles []Role `yaml:"roles" json:"roles"`
	// Latency is added before every STS action request is handled.
	Latency time.Duration `yaml:"latency" json:"latency"`
	// ClockOffset shifts the server clock (Date header, expiry, the 15-minute
	// signature window).
	ClockOffset time.Duration `yaml:"clock_offset" json:"clock_offset"`
	// Region the credential scope must name ("us-east-1" like the global STS
	// endpoint); empty accepts any region.
	Region string `yaml:"region" json:"region"`
}

// Default fixture values. The secret and TOTP seed are test data, not
// credentials of any real account.
const (
	DefaultAccessKeyID     = "AKIAIOSFODNN7EXAMPLE"
	DefaultSecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	DefaultUserARN         = "arn:aws:iam::111122223333:user/BobSmith"
	DefaultMFASerial       = "arn:aws:iam::111122223333:mfa/BobSmith"
	DefaultTOTPSecret      = "JBSWY3DPEHPK3PXP"
	DefaultRegion          = "us-east-1"
)

// DefaultConfig returns the standard fixture: user BobSmith with an MFA
// device, and the roles DynamoDBRole (requires MFA), CodeDeployRole and
// S3ReadOnlyRole in account 444455556666, all trusting BobSmith with a
// 12-hour MaxSessionDuration.
func DefaultConfig() Config {
	role := func(name string, mfa bool) Role {
		return Role{
			ARN:                "arn:aws:iam::444455556666:role/" + name,
			TrustedPrincipals:  []string{DefaultUserARN},
			RequireMFA:         mfa,
			MaxSessionDuration: 43200,
		}
	}
	return Config{
		Users: []User{{
			Name:            "BobSmith",
			AccessKeyID:     DefaultAccessKeyID,
			SecretAccessKey: DefaultSecretAccessKey,
			ARN:             DefaultUserARN,
			MFASerial:       DefaultMFASerial,
			TOTPSecret:      DefaultTOTPSecret,
		}},
		Roles: []Role{
			role("DynamoDBRole", true),
			role("CodeDeployRole", false),
			role("S3ReadOnlyRole", false),
		},
		Region: DefaultRegion,
	}
}

var (
	userARNRe = lazyRE(`^arn:aws:iam::(\d{12}):user/(?:[\w+=,.@/-]*/)?([\w+=,.@-]{1,64})$`)
	roleARNRe = lazyRE(`^arn:aws:iam::(\d{12}):role/(?:[\w+=,.@/-]*/)?([\w+=,.@-]{1,64})$`)
	rootARNRe = lazyRE(`^arn:aws:iam::(\d{12}):root$`)
)

// Validate reports the first problem in c. Messages name the entry (by index
// and field), never secret values.
func (c Config) Validate() error {
	keys := map[string]bool{}
	for i, u := range c.Users {
		if err := u.validate(); err != nil {
			return fmt.Errorf("users[%d]: %w", i, err)
		}
		if keys[u.AccessKeyID] {
			return fmt.Errorf("users[%d]: duplicate access_key_id", i)
		}
		keys[u.AccessKeyID] = true
	}
	roles := map[string]bool{}
	for i, r := range c.Roles {
		if err := r.validate(); err != nil {
			return fmt.Errorf("roles[%d]: %w", i, err)
		}
		if roles[r.ARN] {
			return fmt.Errorf("roles[%d]: duplicate arn %s", i, r.ARN)
		}
		roles[r.ARN] = true
	}
	if c.Latency < 0 {
		return errors.New("latency is negative")
	}
	return nil
}

func (u User) validate() error {
	switch {
	case u.AccessKeyID == "":
		return errors.New("access_key_id is empty")
	case !strings.HasPrefix(u.AccessKeyID, "AKIA") || len(u.AccessKeyID) < 16 || len(u.AccessKeyID) > 128:
		return errors.New("access_key_id must start with AKIA and have 16 to 128 characters")
	case u.SecretAccessKey == "":
		return errors.New("secret_access_key is empty")
	case !userARNRe.MatchString(u.ARN):
		return fmt.Errorf("arn %q is not an IAM user ARN", u.ARN)
	case (u.MFASerial == "") != (u.TOTPSecret == ""):
		return errors.New("mfa_serial and totp_secret must be set together")
	}
	if u.TOTPSecret != "" {
		if _, err := decodeBase32(u.TOTPSecret); err != nil {
			return errors.New("totp_secret is not valid base32")
		}
	}
	return nil
}

func (r Role) validate() error {
	if !roleARNRe.MatchString(r.ARN) {
		return fmt.Errorf("arn %q is not an IAM role ARN", r.ARN)
	}
	if r.MaxSessionDuration != 0 && (r.MaxSessionDuration < 3600 || r.MaxSessionDuration > 43200) {
		return fmt.Errorf("max_session_duration %d is outside 3600..43200", r.MaxSessionDuration)
	}
	if len(r.TrustedPrincipals) == 0 {
		return errors.New("trusted_principals is empty")
	}
	for _, p := range r.TrustedPrincipals {
		if p != "*" && !userARNRe.MatchString(p) && !roleARNRe.MatchString(p) && !rootARNRe.MatchString(p) {
			return fmt.Errorf("trusted principal %q is not a user, role or root ARN or \"*\"", p)
		}
	}
	return nil
}

// LoadConfig reads a YAML (or JSON) configuration file. Unknown fields are
// errors; every error names the file and, where known, the line.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("stsemu config: %w", err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("stsemu config %s:%w", path, err)
	}
	return cfg, nil
}

// ParseConfig parses configuration data as [LoadConfig] does. Its errors
// start with the line number ("3: …") when one is known, or " " otherwise,
// so that LoadConfig can put the file name in front.
func ParseConfig(data []byte) (Config, error) {
	var cfg Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, yamlError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return Config{}, fmt.Errorf("%d: more than one YAML document", extra.Line)
	}
	if err := cfg.Validate(); err != nil {
		line := 0
		var root yaml.Node
		if yaml.Unmarshal(data, &root) == nil {
			line = entryLine(&root, err.Error())
		}
		if line > 0 {
			return Config{}, fmt.Errorf("%d: %w", line, err)
		}
		return Config{}, fmt.Errorf(" %w", err)
	}
	return cfg, nil
}

var yamlLineRe = lazyRE(`line (\d+): `)

// yamlError turns a yaml error into "LINE: message", without echoing values
// (yaml quotes the offending scalar, which might be a secret).
func yamlError(err error) error {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := ""
	if m := yamlLineRe.FindStringSubmatchIndex(msg); m != nil {
		line = msg[m[2]:m[3]]
		msg = msg[:m[0]] + msg[m[1]:]
	}
	// "cannot unmarshal !!str `secret` into int": drop the quoted value.
	if i := strings.Index(msg, "`"); i >= 0 {
		if j := strings.LastIndex(msg, "`"); j > i {
			msg = msg[:i] + "value" + msg[j+1:]
		}
	}
	if line == "" {
		return fmt.Errorf(" %s", msg)
	}
	return fmt.Errorf("%s: %s", line, msg)
}

var entryRe = lazyRE(`^(users|roles)\[(\d+)\]`)

// entryLine finds the line of the list entry a validation message names.
func entryLine(root *yaml.Node, msg string) int {
	m := entryRe.FindStringSubmatch(msg)
	if m == nil || root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return 0
	}
	top := root.Content[0]
	if top.Kind != yaml.MappingNode {
		return 0
	}
	idx := 0
	fmt.Sscan(m[2], &idx)
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value == m[1] {
			seq := top.Content[i+1]
			if seq.Kind == yaml.SequenceNode && idx < len(seq.Content) {
				return seq.Content[idx].Line
			}
			return top.Content[i].Line
		}
	}
	return 0
}
