//go:build unix

package inifile

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

const isWindows = false

// checkDir refuses a directory anyone can write to without the sticky bit:
// another user could replace the credentials file between our writes.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("directory %s: %w", dir, err)
	}
	if fi.Mode().Perm()&0o002 != 0 && fi.Mode()&fs.ModeSticky == 0 {
		return fmt.Errorf("refusing to write in %s: the directory is world-writable without the sticky bit, so any user could replace the credentials file; run chmod o-w on it", dir)
	}
	return nil
}

// checkOwner refuses a file owned by another user: we would hand them our
// credentials or take over their file.
func checkOwner(path string, fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := os.Geteuid(); int(st.Uid) != uid {
		return fmt.Errorf("refusing to write %s: it is owned by uid %d, not by the current user (uid %d)", path, st.Uid, uid)
	}
	return nil
}
