// Package stsemu is an in-process emulator of the AWS Security Token Service
// (STS) Query API, used as the test ground for stslib-proc: a test that
// passes against it should mean the tool works against real STS.
//
// It owns the wire protocol (form-encoded Query requests, 2011-06-15 XML
// responses and ErrorResponse documents with real STS codes and HTTP
// statuses), SigV4 verification of every request (header-signed requests as
// sent by aws-sdk-go-v2, botocore and the AWS CLI), the MFA rules (RFC 6238
// TOTP with ±1 step and one-time use of each step), the GetSessionToken,
// AssumeRole and GetCallerIdentity actions with their duration, trust,
// external-id and role-chaining rules, the console federation endpoint
// (GET /federation?Action=getSigninToken, [Server.SigninToken]), and test
// controls: latency, clock
// offset, injected faults (500, 503, throttling, TCP reset, hang), per-action
// statistics and a call log.
//
// It does not evaluate IAM policies, session policies or tags. Presigned
// (query-string) SigV4 is refused with IncompleteSignature, and the other
// STS actions (AssumeRoleWithSAML, GetFederationToken, …) with
// InvalidAction.
//
// Tests start a server with [StartTest] and point an SDK client's
// BaseEndpoint (or the CLI's --endpoint-url) at [Server.URL]. The program in
// integration/cmd/stsemu runs the same server stand-alone; its HTTP control
// endpoints serve scripts: GET /__stats, POST /__faults (a JSON list of
// [Fault], kinds by name such as "throttle"; an empty list clears),
// POST /__latency?d=50ms, POST /__clock?d=-5m, POST /__expire and
// POST /__reset.
package stsemu
