package credproc

// ChildEnv is environ as a program that stslib-proc starts outside the
// bounded runner gets it (console's browser opener): without
// stslib-proc's own secrets (STSLIB_FILE_PASSPHRASE, STSLIB_MFA_CODE),
// with EnvActive set.
func ChildEnv(environ []string) []string { return childEnv(environ) }
