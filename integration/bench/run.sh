#!/bin/sh
# Performance bench for stslib-proc: builds the binaries, starts the STS
# emulator in-process and prints each figure beside its goal.
#   integration/bench/run.sh [-runs N] [-quick] [-json] [-markdown] [-v]
set -eu
cd "$(dirname "$0")/../.."
exec go run ./integration/bench "$@"
