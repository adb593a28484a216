// Package readfile reads stslib-proc's input files: the AWS config and
// credentials files and config.yml. [Read] is the one way they are read:
// it refuses what is not a regular file (a FIFO, a socket, a device, a
// directory) at once instead of blocking or reading it as empty, and it
// refuses files over a size limit. It uses the standard library only, so the
// warm credential_process path can use it. It does not parse anything.
package readfile
