// Package tty talks to the controlling terminal directly (/dev/tty on Unix,
// CONIN$ and CONOUT$ on Windows), so stslib-proc can ask for an MFA code
// even while the AWS CLI captures its stdin, stdout and stderr.
package tty
