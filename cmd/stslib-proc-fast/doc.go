// Command stslib-proc-fast is the warm path of stslib-proc on its own:
// point credential_process at it (credential_process = stslib-proc-fast
// process -- ROLE, or stslib-proc-fast ROLE) and a cached call costs about
// as much as starting a hello-world Go binary. It links only the standard library and the small fast-path
// packages; whenever it cannot answer from the cache (a first call, a
// refresh, an edited config, any subcommand) it runs the full stslib-proc
// installed beside it, or on PATH, with the same arguments.
package main
