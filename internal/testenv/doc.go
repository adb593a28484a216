// Package testenv holds helpers that tests share: finding the real tools the
// end-to-end tests drive (/usr/bin/aws, /usr/bin/python3, oathtool, the
// Secret Service daemons), starting private copies of services, and
// removing the kernel-keyring records a test's stslib-proc runs left
// ([RemoveKernelRecords]).
//
// When STSLIB_REQUIRE_TOOLS=1 (set by .ci/run) a missing tool fails the test
// instead of skipping it, so CI can never go green by skipping.
package testenv
