// Package e2e is the harness of stslib-proc's end-to-end tests: it builds
// the stslib-proc binary, gives each test a private world (HOME, AWS config
// and credentials files, data directory, config.yml and an STS emulator)
// and runs stslib-proc, the AWS CLI and boto3 inside it.
//
// It owns no product logic. The tests themselves live in the integration
// directory behind the "integration" build tag; the emulator is package
// internal/stsemu.
package e2e
