package credproc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
	"unicode"
)

// EnvActive is set in the environment of every process stslib-proc starts
// (mfa_process, a source's credential_process). A stslib-proc that finds it
// set refuses to run, so a misconfigured loop fails at once instead of
// forking until the SDK's timeout.
const EnvActive = "STSLIB_PROC_ACTIVE"

// SplitCommand splits a command line the way botocore splits
// credential_process: POSIX shell quoting (single and double quotes,
// backslash escapes) on Unix, and Windows-style quoting (backslashes are
// literal except before a quote) on Windows. No shell is involved.
func SplitCommand(s string) ([]string, error) {
	return splitCommand(s, runtime.GOOS == "windows")
}

func splitCommand(s string, windows bool) ([]string, error) {
	var args []string
	var cur strings.Builder
	inArg := false
	var quote rune
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				cur.WriteRune(c)
			}
		case quote == '"':
			switch {
			case c == '"':
				quote = 0
			case c == '\\' && i+1 < len(rs) && (rs[i+1] == '"' || (!windows && (rs[i+1] == '\\' || rs[i+1] == '$' || rs[i+1] == '`'))):
				i++
				cur.WriteRune(rs[i])
			default:
				cur.WriteRune(c)
			}
		case c == '\'' && !windows, c == '"':
			quote = c
			inArg = true
		case c == '\\' && !windows:
			if i+1 < len(rs) {
				i++
				cur.WriteRune(rs[i])
			}
			inArg = true
		case c == '\\' && windows && i+1 < len(rs) && rs[i+1] == '"':
			i++
			cur.WriteRune('"')
			inArg = true
		case unicode.IsSpace(c):
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(c)
			inArg = true
		}
	}
	if quote != 0 {
		return nil, errors.New("unclosed quote in command")
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args, nil
}

// processTimeout bounds mfa_process and a source's credential_process.
const processTimeout = 30 * time.Second

// runCommand runs a command line without a shell, with EnvActive set, and
// returns its stdout. Its stderr goes to ours, so a tool can prompt there.
// Errors name the profile and the key, never the output.
func runCommand(ctx context.Context, profile, key, cmdline string, environ []string) ([]byte, error) {
	args, err := SplitCommand(cmdline)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %s: %v", profile, key, err)
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("profile %s: %s is empty", profile, key)
	}
	ctx, cancel := context.WithTimeout(ctx, processTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(environ, EnvActive+"=1")
	cmd.Stderr = os.Stderr
	cmd.Stdin = nil
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("profile %s: %s did not finish within %s", profile, key, processTimeout)
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("profile %s: %s exited with status %d", profile, key, ee.ExitCode())
		}
		return nil, fmt.Errorf("profile %s: %s: cannot run %s: %v", profile, key, args[0], errors.Unwrap(err))
	}
	return out.Bytes(), nil
}

// processCredentials parses another tool's credential_process output.
// A parse error never quotes the output (the SDK's does; it leaks secrets).
func processCredentials(profile string, out []byte) (*Credentials, error) {
	var p struct {
		Version         int
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string
		SessionToken    string
		Expiration      string
	}
	if err := json.Unmarshal(out, &p); err != nil {
		return nil, fmt.Errorf("profile %s: credential_process output is not valid JSON", profile)
	}
	if p.Version != 1 || p.AccessKeyID == "" || p.SecretAccessKey == "" {
		return nil, fmt.Errorf("profile %s: credential_process output lacks Version 1, AccessKeyId or SecretAccessKey", profile)
	}
	c := &Credentials{Profile: profile, AccessKey: p.AccessKeyID, SecretKey: Secret(p.SecretAccessKey), Session: Secret(p.SessionToken)}
	if p.Expiration != "" {
		t, err := time.Parse(time.RFC3339, p.Expiration)
		if err != nil {
			return nil, fmt.Errorf("profile %s: credential_process Expiration is not RFC 3339", profile)
		}
		c.End = t
	}
	return c, nil
}

// ValidMFACode reports whether s is a 6-digit code.
func ValidMFACode(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
