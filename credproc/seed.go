package credproc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// ErrSeedInArgs reports an mfa_process whose arguments carry a TOTP seed.
// Every local user can read a process's arguments (/proc/PID/cmdline, ps),
// and the seed is the MFA device: stslib-proc refuses to run such a
// command unless config.yml sets allow_mfa_seed_in_args: true.
var ErrSeedInArgs = errors.New("mfa_process has a TOTP seed in its arguments")

// mfaProcessOrigin returns the mfa_process for p, as mfaProcess picks it,
// and the file that holds it ("" when unknown).
func (c *Core) mfaProcessOrigin(p *Profile) (cmdline, file string) {
	if r := p.Root(); r.MFAProcess != "" {
		return r.MFAProcess, c.keyFile(r.Name, "mfa_process")
	}
	for q := p; q != nil; q = q.Source {
		if q.MFAProcess != "" {
			return q.MFAProcess, c.keyFile(q.Name, "mfa_process")
		}
	}
	return c.opts.Config.MFAProcess, c.opts.Config.File
}

// keyFile is the AWS file that sets key in profile (a profile's keys may
// come from the config or the credentials file); "" when unknown.
func (c *Core) keyFile(profile, key string) string {
	r, err := c.Resolver()
	if err != nil {
		return ""
	}
	if rp := r.profiles[profile]; rp != nil {
		return rp.keys[key].file
	}
	return ""
}

// checkMFAProcess is run once before p's mfa_process: it refuses a seed in
// the arguments (unless allowed), and warns through Options.Warn when the
// file that holds the command, or the @FILE it reads the seed from, is
// readable or writable by group or others.
func (c *Core) checkMFAProcess(p *Profile) error {
	cmdline, file := c.mfaProcessOrigin(p)
	args, err := SplitCommand(cmdline)
	if err != nil {
		return fmt.Errorf("profile %s: mfa_process: %v", p.Root().Name, err)
	}
	where := p.Root().Name
	if file != "" {
		where += " (" + file + ")"
	}
	if !c.opts.Config.AllowMFASeedInArgs && seedInArgs(args) {
		return fmt.Errorf("profile %s: %w, where every local user can read it; put the seed in a 0600 file and use 'oathtool --totp -b @FILE', or set allow_mfa_seed_in_args: true in config.yml on a single-user machine", where, ErrSeedInArgs)
	}
	for _, f := range append([]string{file}, seedFiles(args)...) {
		if mode, open := groupOrOtherAccess(f); open {
			c.opts.Warn(fmt.Sprintf("profile %s: %s holds mfa_process or its seed and is open to group or others (mode %04o): chmod 600 %s", p.Root().Name, f, mode, f))
		}
	}
	return nil
}

// groupOrOtherAccess reports whether the group or others may read or write
// path (never on Windows, whose files have no such bits).
func groupOrOtherAccess(path string) (os.FileMode, bool) {
	if path == "" || runtime.GOOS == "windows" {
		return 0, false
	}
	st, err := os.Stat(path)
	if err != nil {
		return 0, false
	}
	return st.Mode().Perm(), st.Mode().Perm()&0o066 != 0
}

// seedFiles returns the @FILE arguments of an oathtool command line.
func seedFiles(args []string) []string {
	if !isOathtool(args) {
		return nil
	}
	var files []string
	if key, ok := oathtoolKey(args[1:]); ok && strings.HasPrefix(key, "@") && len(key) > 1 {
		files = append(files, key[1:])
	}
	return files
}

// seedInArgs reports whether a command's arguments carry a TOTP seed:
//   - oathtool's KEY (its first operand, base32 with -b, else hex) unless
//     it is @FILE or - (stdin; stslib-proc gives children no stdin);
//   - the argument after -b or --base32 that looks like base32 and is not
//     @FILE or -;
//   - any run of 16 or more base32 characters (A-Z and 2-7, or a-z and 2-7
//     with at least one digit) in any argument but the program and @FILE
//     arguments, such as --secret=JBSWY3DPEHPK3PXP or an otpauth:// URI.
func seedInArgs(args []string) bool {
	if len(args) == 0 {
		return false
	}
	if isOathtool(args) {
		if key, ok := oathtoolKey(args[1:]); ok && key != "-" && !strings.HasPrefix(key, "@") {
			return true
		}
	}
	for i, a := range args[1:] {
		if strings.HasPrefix(a, "@") || a == "-" {
			continue
		}
		if prev := args[i]; (prev == "-b" || prev == "--base32") && !strings.HasPrefix(a, "-") && looksBase32(strings.ReplaceAll(a, " ", ""), 8) {
			return true
		}
		for _, run := range base32Runs(a) {
			if looksBase32(run, 16) {
				return true
			}
		}
	}
	return false
}

func isOathtool(args []string) bool {
	name := strings.ToLower(filepath.Base(args[0]))
	return name == "oathtool" || name == "oathtool.exe"
}

// oathtoolKey returns oathtool's KEY operand (its first non-option
// argument), parsing options the way its getopt_long does: options that
// take a value take it attached or as the next argument, "--" ends
// options, and operands may come before options.
func oathtoolKey(args []string) (string, bool) {
	const shortWithValue = "csSNdw"
	longWithValue := []string{"counter", "time-step-size", "start-time", "now", "digits", "window"}
	longFlags := []string{"help", "version", "hotp", "totp", "base32", "verbose"}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			if i+1 < len(args) {
				return args[i+1], true
			}
			return "", false
		case strings.HasPrefix(a, "--"):
			name, _, hasValue := strings.Cut(a[2:], "=")
			if !hasValue && uniquePrefixOf(name, longWithValue) && !uniquePrefixOf(name, longFlags) {
				i++ // the value is the next argument
			}
		case strings.HasPrefix(a, "-") && a != "-":
			for j := 1; j < len(a); j++ {
				if strings.IndexByte(shortWithValue, a[j]) >= 0 {
					if j == len(a)-1 {
						i++ // the value is the next argument
					}
					break
				}
			}
		default:
			return a, true
		}
	}
	return "", false
}

// uniquePrefixOf reports whether name is one of names or a prefix of
// exactly one of them (getopt_long accepts unambiguous abbreviations).
func uniquePrefixOf(name string, names []string) bool {
	n := 0
	for _, s := range names {
		if s == name {
			return true
		}
		if name != "" && strings.HasPrefix(s, name) {
			n++
		}
	}
	return n == 1
}

// base32Runs splits s into maximal runs of base32 letters (either case)
// and digits 2 to 7.
func base32Runs(s string) []string {
	var runs []string
	start := -1
	for i := 0; i <= len(s); i++ {
		in := i < len(s) && isBase32Char(s[i])
		if in && start < 0 {
			start = i
		}
		if !in && start >= 0 {
			runs = append(runs, s[start:i])
			start = -1
		}
	}
	return runs
}

func isBase32Char(b byte) bool {
	return 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || '2' <= b && b <= '7'
}

// looksBase32 reports whether s (less its = padding) has at least min
// characters and is written as a TOTP seed is: upper case letters and
// digits 2 to 7, or lower case letters with at least one such digit (so
// that long lower-case names are not taken for seeds). Mixed case is not
// base32.
func looksBase32(s string, min int) bool {
	s = strings.TrimRight(s, "=")
	if len(s) < min {
		return false
	}
	upper, lower, digit := false, false, false
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case 'A' <= b && b <= 'Z':
			upper = true
		case 'a' <= b && b <= 'z':
			lower = true
		case '2' <= b && b <= '7':
			digit = true
		default:
			return false
		}
	}
	return upper && !lower || lower && !upper && digit
}
