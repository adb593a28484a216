// Command stsemu runs the STS emulator (package
// github.com/stslib/stslib-proc/internal/stsemu) as a program for scripts
// and manual tests. It prints its base URL as the first line of stdout, then
// serves until SIGINT or SIGTERM.
//
//	stsemu [-listen 127.0.0.1:0] [-config FILE] [-latency 50ms] [-clock-offset -5m]
package main
