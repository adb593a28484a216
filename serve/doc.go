// Package serve owns the answer to a credential request, from the command
// line to the credential_process JSON. There are two paths, and this
// package is where they meet:
//
//   - warm ([warm.Serve], package serve/warm): an alias remembered from the
//     last full answer (the profile's cache key and refresh window, with a
//     fingerprint of the content of every input file and of every
//     variable that changes resolution), the non-secret index and the
//     kernel-keyring hot tier. No configuration is parsed and nothing but
//     the standard library, cache and keychain/kernel is linked, so
//     stslib-proc-fast starts like a hello-world binary. Any doubt is a
//     miss, and a miss is never an error.
//   - full ([Process] after a warm miss): [Open] reads config.yml, checks
//     who owns the data and state directories, picks the keyring and wires
//     the cache; the [credproc.Core] it builds ([Runtime.Core]) resolves the
//     profile as the AWS CLI does and decides, through the cache, whether to
//     serve, refresh (bounded while the record is valid) or fail; Process
//     then remembers the alias for the next warm call.
//
// A call of either path that serves a record inside its refresh-ahead band
// has it renewed in the background ([warm.StartRefresh]): by the running
// background refresher of the caller's environment ([Refresher], reached
// over a Unix socket in the data directory), else by a new one, a detached
// stslib-proc at low priority that stays a minute for the next renewals.
//
// The cache key and window come from one place ([credproc.Core.RoleSlot]),
// and both paths read the same cache through the same kernel-keyring store
// ([kernel.Store]). The invariant: any change of any input that changes
// the resolved role (files, config.yml, environment) changes the
// fingerprint or the cache key, so a record is never served for a
// resolution other than the one that made it.
//
// cmd/stslib-proc, cmd/stslib-proc-fast, sync and the library's provider
// all come through here or through the Core it builds. It does not own the
// command line (cmd), profile resolution and STS (credproc) or storage
// (cache, keychain).
package serve
