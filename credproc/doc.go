// Package credproc resolves AWS role profiles and turns one MFA-backed STS
// session into role credentials for many profiles.
//
// It owns profile resolution ([Resolver], [Profile]), the STS calls behind a
// small consumer-declared interface ([STSAPI]), the credential types
// ([Credentials], [Secret]) and the output encoders ([WriteProcessJSON],
// [WriteEnv], [WriteINI]). It stores nothing itself: persistence goes through
// package cache, and it never reads os.Args or the process environment except
// where an exported function says so.
package credproc
