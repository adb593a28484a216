//go:build !unix

package signin

import "os/exec"

// detach leaves the opener as it is: rundll32 hands the URL to the
// browser and exits.
func detach(*exec.Cmd) {}
