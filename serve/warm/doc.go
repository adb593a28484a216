// Package warm answers a warm credential_process call without loading
// any configuration: no AWS config parse, no YAML, no SDK, no keyring
// daemon, no network.
//
// After the full code path serves a role, it remembers an alias: the
// profile's cache key and refresh window, with a fingerprint of everything
// that went into them (the AWS config and credentials files, config.yml,
// the user name). A later call whose fingerprint still matches reads the
// non-secret index and the kernel keyring hot tier, and prints. Anything
// unexpected is a miss, and the caller takes the full path, which is always
// correct; the fast path can only be fast, never wrong.
//
// It answers the command lines of credential_process ([ProfileArg]):
// "process -- ROLE" (what configure writes), "process ROLE", and a bare
// "ROLE" that is not a command word ([Commands]) or a flag. It finds the
// home directory as stslib-proc does (HOME, else the password database).
//
// It imports the standard library, cache, keychain/kernel and
// internal/record only, so cmd/stslib-proc-fast starts close to a
// hello-world Go binary.
package warm
