// Package keychain stores small secret records by string key in one of
// several backends, each a [Store]:
//
//   - "os" ([NewOS]): the operating system's keyring through go-keyring
//     (Secret Service on Linux, Keychain on macOS, Credential Manager on
//     Windows) under the service name [Service]. Values are split into
//     chunks to stay under the platforms' size limits.
//   - "file" ([NewFile]): one age-encrypted file per key in a 0700
//     directory, unlocked by a passphrase.
//   - "memory" ([NewMemory]): a map, for tests.
//   - "kernel" (package keychain/kernel): the Linux kernel user keyring, a hot tier whose
//     reads cost microseconds and whose records the kernel drops when their
//     TTL runs out. Other systems get an "unsupported" error.
//
// [Open] picks a backend by name, including "auto" (os, falling back to file
// when the Secret Service is absent or locked).
//
// Every Store satisfies cache.Backend: a missing key is reported as an error
// matching [ErrNotFound], which matches [io/fs.ErrNotExist]. keychain knows
// nothing about what the records mean, their expiry or indexes; package cache
// owns that. Error messages name keys and files, never values.
package keychain
