package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/stslib/stslib-proc/serve"
	"github.com/stslib/stslib-proc/serve/warm"
)

// refreshAheadCmd is what a background refresh runs: started detached by
// a call that served a record inside its refresh-ahead band. With a
// socket in STSLIB_REFRESHER_SOCKET it stays there as the refresher of
// its caller's environment (serve.Refresher).
type refreshAheadCmd struct {
	Profile string `arg:"" help:"Role profile."`
}

func (c *refreshAheadCmd) Run(d *deps) error {
	sock := d.Getenv(warm.RefresherEnv)
	if sock == "" {
		return serve.RefreshAhead(context.Background(), d.serveEnv(), c.Profile)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve.Refresher(ctx, d.serveEnv(), sock, c.Profile)
}
