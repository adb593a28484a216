package paths

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// passwdFile is the password database read by passwdHome and
// passwdUserHome.
var passwdFile = "/etc/passwd"

// passwdHome is the home directory of the current user in the password
// database, read the way Go's os/user reads it without cgo. (os/user itself
// is not imported: with cgo it links libc, which would slow down the start
// of stslib-proc-fast.)
func passwdHome() (string, bool) {
	uid := os.Getuid()
	if uid < 0 {
		return "", false // Windows
	}
	return lookupPasswd(2, strconv.Itoa(uid))
}

// passwdUserHome is ~name's home directory in the password database.
func passwdUserHome(name string) (string, bool) {
	if name == "" {
		return "", false
	}
	return lookupPasswd(0, name)
}

// lookupPasswd returns the home (field 6) of the first entry whose field
// i is value. NIS compat lines (+, -) and comments are skipped.
func lookupPasswd(i int, value string) (string, bool) {
	f, err := os.Open(passwdFile)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '+' || line[0] == '-' {
			continue
		}
		parts := strings.SplitN(line, ":", 7)
		if len(parts) < 6 || parts[i] != value {
			continue
		}
		if home := parts[5]; filepath.IsAbs(home) {
			return home, true
		}
		return "", false
	}
	return "", false
}
