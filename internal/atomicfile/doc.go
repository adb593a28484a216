// Package atomicfile is the one atomic file writer: temporary file in the
// same directory, fsync, rename, directory fsync, and clean-up of the
// temporary files a killed writer left behind. Every file stslib-proc
// writes (the AWS files, the cache index, the file keyring, aliases, the
// used-MFA-code record) goes through [Write]. It imports only the standard
// library, so the warm path can use it.
package atomicfile
