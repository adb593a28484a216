//go:build unix

package serve

import (
	"fmt"
	"os"
	"syscall"
)

// privateDir checks that dir is a directory (not a link to one) that
// belongs to the user and that nobody else may enter, making it 0700 if
// it is theirs.
func privateDir(dir string) error {
	st, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !st.IsDir() || !ok || int(sys.Uid) != os.Geteuid() {
		return fmt.Errorf("%s: not a directory of this user's", dir)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return os.Chmod(dir, 0o700)
	}
	return nil
}
