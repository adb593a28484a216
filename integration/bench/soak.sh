#!/bin/sh
# Heavy soak of stslib-proc: 200 concurrent credential_process invocations
# over 10 roles plus a sync every second for 60 s against the in-process
# STS emulator; prints the figures and exits 1 on any failure.
#   integration/bench/soak.sh [-concurrency N] [-duration 60s] [-roles N] [-bin PATH] [-keep]
set -eu
cd "$(dirname "$0")/../.."
exec go run ./integration/bench/soak "$@"
