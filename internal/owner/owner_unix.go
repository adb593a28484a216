//go:build unix

package owner

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Check returns nil when dir and everything in it belong to the user
// running stslib-proc (the effective uid), or when dir does not exist and
// the user can create it. Otherwise it returns a one-line error naming the
// directory (what says which one, e.g. "data directory"), a file that is
// not the user's, its owner, and the command that fixes it: sudo chown -R
// USER PATH. Symbolic links are not followed, except dir itself.
//
// A missing dir is checked through its parents: root creating the data
// directory in a user's HOME also leaves ~/.local and ~/.local/share of
// root's, which lock the user out of more than stslib-proc.
func Check(what, dir string) error {
	return check(what, dir, os.Geteuid(), userName, writable)
}

// writable reports whether the user may create entries in dir.
func writable(dir string) bool { return syscall.Access(dir, 0x2|0x1) == nil } // W_OK|X_OK

func check(what, dir string, uid int, name func(int) string, canWrite func(string) bool) error {
	root, err := filepath.EvalSymlinks(dir)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return checkParents(what, dir, uid, name, canWrite, err)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %v", what, dir, err)
	}
	var first string
	firstUID, n := -1, 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed while we looked
			}
			return err
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if !ok || int(st.Uid) == uid {
			return nil
		}
		if n == 0 {
			first, firstUID = p, int(st.Uid)
		}
		n++
		if d.IsDir() {
			return filepath.SkipDir // we may not be able to read it; its content is the owner's problem too
		}
		return nil
	})
	if n > 0 {
		more := ""
		if n > 1 {
			more = fmt.Sprintf(" (and %d more)", n-1)
		}
		return &foreignError{fmt.Sprintf("%s %s: %s%s belongs to %s, not to %s who runs stslib-proc; nothing was changed; fix it with 'sudo chown -R %s %s'",
			what, dir, first, more, who(firstUID, name), who(uid, name), name(uid), shellWord(dir))}
	}
	if err != nil {
		return fmt.Errorf("%s %s: %v", what, dir, err)
	}
	return nil
}

// checkParents checks a dir that is missing or cannot be reached (errDir):
// the deepest parent that exists must be the user's or writable by them.
// The fix names the topmost of the parents that are not the user's below
// one that is (root's ~/.local in the user's HOME); with no parent of the
// user's above, there is nothing to chown.
func checkParents(what, dir string, uid int, name func(int) string, canWrite func(string) bool, errDir error) error {
	p := filepath.Clean(dir)
	var fi fs.FileInfo
	for {
		var err error
		if fi, err = os.Stat(p); err == nil {
			break
		}
		parent := filepath.Dir(p)
		if parent == p {
			return nil
		}
		p = parent
	}
	owner := ownerOf(fi)
	if owner == uid || owner < 0 || canWrite(p) {
		if errors.Is(errDir, fs.ErrPermission) {
			return fmt.Errorf("%s %s: %v", what, dir, errDir)
		}
		return nil
	}
	top, topOwner, ours := p, owner, false
	for {
		parent := filepath.Dir(top)
		if parent == top {
			break
		}
		pfi, err := os.Stat(parent)
		if err != nil {
			break
		}
		if ownerOf(pfi) == uid {
			ours = true
			break
		}
		top, topOwner = parent, ownerOf(pfi)
	}
	if !ours {
		return &foreignError{fmt.Sprintf("%s %s: %s belongs to %s and %s cannot create the directory there; nothing was changed; choose a directory of yours",
			what, dir, p, who(owner, name), who(uid, name))}
	}
	return &foreignError{fmt.Sprintf("%s %s: %s belongs to %s, not to %s who runs stslib-proc; nothing was changed; fix it with 'sudo chown -R %s %s'",
		what, dir, top, who(topOwner, name), who(uid, name), name(uid), shellWord(top))}
}

func ownerOf(fi fs.FileInfo) int {
	if fi == nil {
		return -1
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return -1
	}
	return int(st.Uid)
}

// CheckHome returns an error when stslib-proc runs as root with a HOME
// that belongs to another user (its owner is not root and it is not root's
// home in the password database): what root writes there (the data
// directory, the credentials file) would belong to root and lock the user
// out. A HOME that does not exist is not checked.
func CheckHome(home string) error {
	rootHome := "/root"
	if u, err := user.LookupId("0"); err == nil && u.HomeDir != "" {
		rootHome = u.HomeDir
	}
	return checkHome(home, os.Geteuid(), rootHome, userName)
}

func checkHome(home string, euid int, rootHome string, name func(int) string) error {
	if euid != 0 || home == "" {
		return nil
	}
	fi, err := os.Stat(home)
	if err != nil {
		return nil
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Uid == 0 || filepath.Clean(home) == filepath.Clean(rootHome) {
		return nil
	}
	owner := int(st.Uid)
	return &foreignError{fmt.Sprintf("running as root with HOME=%s, which belongs to %s: refusing to write root-owned files there (they would lock %s out); run stslib-proc as %s, or with sudo -H, or set %s=1",
		home, who(owner, name), name(owner), name(owner), AllowEnv)}
}

// shellWord quotes a path for the fix command when it needs quoting.
func shellWord(s string) string {
	for _, c := range s {
		if !(c == '/' || c == '.' || c == '-' || c == '_' || c == '+' || c == '@' || c == ':' || c == ',' ||
			'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}

// userName is the login name of uid, or the number when the password
// database does not know it (chown takes either).
func userName(uid int) string {
	id := strconv.Itoa(uid)
	if u, err := user.LookupId(id); err == nil && u.Username != "" {
		return u.Username
	}
	return id
}

// who is "alice (uid 1000)".
func who(uid int, name func(int) string) string {
	return fmt.Sprintf("%s (uid %d)", name(uid), uid)
}
