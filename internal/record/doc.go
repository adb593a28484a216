// Package record is the wire form of credentials: the compact cache record
// stored in keyrings and the credential_process Version 1 JSON. It uses the
// standard library only, so the warm credential_process path can use it.
// Only this package and credproc see raw secrets.
package record
