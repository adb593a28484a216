// Command bench measures stslib-proc end to end against the in-process STS
// emulator and prints each figure beside its goal with PASS or MISS.
//
// It builds stslib-proc, a hello-world Go binary (the floor: the cost of
// starting any Go program) and a tiny rusage wrapper into a temporary
// directory with the same flags, then measures:
//
//  1. the warm credential_process call as a whole process, interleaved with
//     the hello-world binary and /bin/true, for the file and the Secret
//     Service (os) backends;
//  2. the warm call's peak RSS and the binary size;
//  3. a cold call (GetSessionToken + AssumeRole, MFA code from mfa_process)
//     at 50 ms emulator latency;
//  4. 50 concurrent cold calls over 5 roles (STS calls made, wall time);
//  5. sync of 100 role profiles at 50 ms latency, against --parallel 1.
//
// It exits 0 when every figure was measured, MISS or not, and 1 when
// something could not be measured.
//
// Usage:
//
//	integration/bench/run.sh [-runs N] [-quick] [-json] [-markdown]
package main
