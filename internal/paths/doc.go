// Package paths says where stslib-proc's files are: the home directory
// (HOME, else the password database, never the current directory), the AWS
// config and credentials files (expanded as botocore expands them),
// stslib's config.yml and the data directory. It uses the standard library
// only, and not os/user (which links libc with cgo), so the warm
// credential_process path can use it at hello-world start-up cost.
package paths
