// Package kernel is the Linux kernel user keyring as a hot tier for the
// cache: per-UID, shared by the user's processes, dropped at a timeout and
// at reboot, and read in two system calls. It imports nothing heavy, so the
// warm credential_process path can use it without linking the OS keyring
// or age.
//
// It is separate from package keychain for that reason; its [Kernel]
// satisfies the same Get/Set/Delete contract (absent keys match
// fs.ErrNotExist).
package kernel
