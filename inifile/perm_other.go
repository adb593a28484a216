//go:build !unix

package inifile

import "io/fs"

const isWindows = true

// checkDir has no portable meaning outside unix; ACLs guard the profile.
func checkDir(string) error { return nil }

// checkOwner has no portable meaning outside unix.
func checkOwner(string, fs.FileInfo) error { return nil }
