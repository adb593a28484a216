// Package paths says where stslib-proc's files are: the AWS config and
// credentials files, stslib's config.yml and the data directory. It uses
// the standard library only, so the warm credential_process path can use it.
package paths
