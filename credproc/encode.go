package credproc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/stslib/stslib-proc/inifile"
	"github.com/stslib/stslib-proc/internal/record"
)

// Format names an output format.
type Format string

// The output formats. FormatVault and FormatBoto are stslib's two formats;
// FormatProcess is the credential_process Version 1 JSON; FormatEnv prints
// shell export lines; FormatINI prints a credentials-file section.
const (
	FormatProcess Format = "process"
	FormatVault   Format = "vault"
	FormatBoto    Format = "boto"
	FormatEnv     Format = "env"
	FormatINI     Format = "ini"
)

// Formats lists every format, for help texts and validation.
var Formats = []Format{FormatProcess, FormatVault, FormatBoto, FormatEnv, FormatINI}

// ParseFormat validates a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (want one of process, vault, boto, env, ini)", s)
}

type botoJSON struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      string
	StartTime       string
}

type vaultJSON struct {
	Start      string   `json:"start"`
	End        string   `json:"end"`
	AccessKey  string   `json:"access_key"`
	SecretKey  string   `json:"secret_key"`
	Session    string   `json:"session"`
	Duration   int64    `json:"duration"`
	Expiration string   `json:"expiration"`
	Boto       botoJSON `json:"boto"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func toBoto(c *Credentials) botoJSON {
	return botoJSON{c.AccessKey, string(c.SecretKey), string(c.Session), rfc3339(c.End), rfc3339(c.Start)}
}

func toVault(c *Credentials) vaultJSON {
	return vaultJSON{
		Start: isoTime(c.Start), End: isoTime(c.End), AccessKey: c.AccessKey,
		SecretKey: string(c.SecretKey), Session: string(c.Session),
		Duration: int64(c.Duration() / time.Second), Expiration: c.Expiration(), Boto: toBoto(c),
	}
}

// WriteProcessJSON writes the credential_process Version 1 JSON that the AWS
// CLI and SDKs read: AccessKeyId, SecretAccessKey, SessionToken, Expiration
// (RFC 3339) and AccountId when known.
func WriteProcessJSON(w io.Writer, c *Credentials) error {
	return record.WriteProcessJSON(w, toRecord(c))
}

func writeJSON(w io.Writer, v any, indent bool) error {
	var b []byte
	var err error
	if indent {
		b, err = json.MarshalIndent(v, "", "  ")
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Shell names the syntax WriteEnv uses.
type Shell string

// Shells WriteEnv knows.
const (
	ShellPOSIX      Shell = "sh"
	ShellFish       Shell = "fish"
	ShellPowerShell Shell = "powershell"
)

// WriteEnv writes the credentials as environment assignments for the shell:
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and
// AWS_CREDENTIAL_EXPIRATION.
func WriteEnv(w io.Writer, c *Credentials, shell Shell) error {
	vars := [][2]string{
		{"AWS_ACCESS_KEY_ID", c.AccessKey},
		{"AWS_SECRET_ACCESS_KEY", string(c.SecretKey)},
		{"AWS_SESSION_TOKEN", string(c.Session)},
		{"AWS_CREDENTIAL_EXPIRATION", rfc3339(c.End)},
	}
	var b bytes.Buffer
	for _, v := range vars {
		switch shell {
		case ShellFish:
			fmt.Fprintf(&b, "set -gx %s %s;\n", v[0], shQuote(v[1]))
		case ShellPowerShell:
			fmt.Fprintf(&b, "$env:%s = '%s'\n", v[0], strings.ReplaceAll(v[1], "'", "''"))
		case ShellPOSIX, "":
			fmt.Fprintf(&b, "export %s=%s\n", v[0], shQuote(v[1]))
		default:
			return fmt.Errorf("unknown shell %q (want sh, fish or powershell)", shell)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

func shQuote(s string) string {
	if s != "" && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=:._-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// iniKeys returns the credentials-file keys for c, in the order they are
// written (the same as inifile.CredentialKeys, which sync uses). The expiry goes in x_stslib_expiration, a key the AWS CLI
// ignores.
func iniKeys(c *Credentials) [][2]string {
	return [][2]string{
		{inifile.KeyAccessKeyID, c.AccessKey},
		{inifile.KeySecretAccessKey, string(c.SecretKey)},
		{inifile.KeySessionToken, string(c.Session)},
		{"x_stslib_expiration", rfc3339(c.End)},
	}
}

// WriteINI writes one credentials-file section named name.
func WriteINI(w io.Writer, name string, c *Credentials) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "[%s]\n", name)
	for _, kv := range iniKeys(c) {
		fmt.Fprintf(&b, "%s = %s\n", kv[0], kv[1])
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Write writes one set of credentials in format f.
func Write(w io.Writer, f Format, name string, c *Credentials) error {
	switch f {
	case FormatProcess:
		return WriteProcessJSON(w, c)
	case FormatVault:
		return writeJSON(w, toVault(c), true)
	case FormatBoto:
		return writeJSON(w, toBoto(c), true)
	case FormatEnv:
		return WriteEnv(w, c, ShellPOSIX)
	case FormatINI:
		return WriteINI(w, name, c)
	}
	return fmt.Errorf("unknown format %q", f)
}

// WriteMap writes a map keyed "sts-<profile>", as stslib's
// generate_credentials returns it: one JSON object for the JSON formats,
// one section per key for ini, and export lines for env (one entry only).
func WriteMap(w io.Writer, f Format, m map[string]*Credentials) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	switch f {
	case FormatEnv:
		if len(keys) != 1 {
			return fmt.Errorf("format env takes exactly one profile, got %d", len(keys))
		}
		return WriteEnv(w, m[keys[0]], ShellPOSIX)
	case FormatINI:
		for i, k := range keys {
			if i > 0 {
				io.WriteString(w, "\n")
			}
			if err := WriteINI(w, k, m[k]); err != nil {
				return err
			}
		}
		return nil
	}
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, k := range keys {
		var v any
		switch f {
		case FormatProcess:
			var pb bytes.Buffer
			if err := WriteProcessJSON(&pb, m[k]); err != nil {
				return err
			}
			v = json.RawMessage(bytes.TrimSpace(pb.Bytes()))
		case FormatVault:
			v = toVault(m[k])
		case FormatBoto:
			v = toBoto(m[k])
		default:
			return fmt.Errorf("unknown format %q", f)
		}
		body, err := json.MarshalIndent(v, "  ", "  ")
		if err != nil {
			return err
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "  %s: %s", kb, body)
		if i < len(keys)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	_, err := w.Write(b.Bytes())
	return err
}
