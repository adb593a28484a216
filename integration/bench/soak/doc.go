// Command soak is the heavy soak of stslib-proc: many concurrent
// credential_process invocations over several roles (MFA codes from
// oathtool), a sync every second that rewrites the credentials file (one
// role is cleared before each sync but the first), and readers of that
// file all along (python3's configparser as botocore uses it, when
// /usr/bin/python3 is there, and inifile.Owned in process), against the
// in-process STS emulator.
//
// It prints the figures (invocations, failures, latency, STS calls per
// action, syncs, credentials-file reads and bad reads, stray temporary
// files) and exits 1 on any failure: a failed invocation or sync, a bad
// read, more than one GetSessionToken, AssumeRole calls beyond one per
// role and one per clear, or a stray temporary file.
//
// Usage:
//
//	integration/bench/soak.sh [-concurrency 200] [-duration 60s] [-roles 10] [-bin PATH]
//
// The light variant runs in CI as TestSoak in package integration.
package main
