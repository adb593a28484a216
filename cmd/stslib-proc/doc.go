// Command stslib-proc is an AWS credential_process helper: it turns one MFA
// session into short-lived role credentials for the AWS CLI and every SDK.
//
// This package is the thin shell: the kong grammar, the Run methods, the
// stderr user experience and exit codes. The work is in packages credproc,
// cache, keychain and inifile.
package main
