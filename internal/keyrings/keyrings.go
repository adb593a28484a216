// Package keyrings holds the names of the keyring backends, the one list
// that keychain.Open, config.yml, STSLIB_KEYRING and --keyring are checked
// against. It imports nothing, so credproc can check config.yml without
// linking the keyrings themselves.
package keyrings

// Names are the backends, "auto" (the default) first.
var Names = []string{"auto", "os", "file", "memory"}
