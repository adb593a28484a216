package main

import (
	"context"

	"github.com/stslib/stslib-proc/serve"
)

// refreshAheadCmd is what a background refresh runs: started detached by
// a call that served a record inside its refresh-ahead band.
type refreshAheadCmd struct {
	Profile string `arg:"" help:"Role profile."`
}

func (c *refreshAheadCmd) Run(d *deps) error {
	return serve.RefreshAhead(context.Background(), d.serveEnv(), c.Profile)
}
