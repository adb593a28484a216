package credproc

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestNewHasNoSideEffects: a Core without a Cache works in memory and
// leaves nothing behind (not even a temporary directory).
func TestNewHasNoSideEffects(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	clk := newClock()
	f := &fakeSTS{now: clk.Now}
	c := New(Options{Paths: writeFiles(t, baseConfig, baseCredentials), Now: clk.Now, NewSTS: f.client, MFACode: "123456"})
	for range 2 {
		if _, err := c.Role(context.Background(), "DynamoDBRole-dev"); err != nil {
			t.Fatal(err)
		}
	}
	if gst, ar := f.counts(); gst != 1 || ar != 1 {
		t.Errorf("GetSessionToken %d, AssumeRole %d; want the in-memory cache to serve the second call", gst, ar)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("New left %d entries in TMPDIR", len(ents))
	}
}

// TestPartialConfigGetsDefaults: every zero field of Options.Config means
// its default, whatever else is set.
func TestPartialConfigGetsDefaults(t *testing.T) {
	clk := newClock()
	f := &fakeSTS{now: clk.Now}
	c := New(Options{Paths: writeFiles(t, baseConfig, baseCredentials), Now: clk.Now, NewSTS: f.client,
		MFACode: "123456", Config: Config{Prefix: "mine-"}})
	if _, err := c.Role(context.Background(), "DynamoDBRole-dev"); err != nil {
		t.Fatal(err)
	}
	if got := aws.ToInt32(f.lastGST.DurationSeconds); got != 12*3600 {
		t.Errorf("GetSessionToken DurationSeconds = %d, want the default 43200", got)
	}
	if c.Key("x") != "mine-x" {
		t.Errorf("Key = %q", c.Key("x"))
	}
}

// TestRefreshAhead: RefreshAhead renews a role inside its ahead band and
// leaves it alone before; it never prompts.
func TestRefreshAhead(t *testing.T) {
	prompted := false
	core, f, clk := newTestCore(t, func(o *Options) {
		o.Prompt = func(context.Context, string, string) (string, error) { prompted = true; return "654321", nil }
	})
	ctx := context.Background()
	first, err := core.Role(ctx, "DynamoDBRole-dev") // 1800 s, window 15 min, ahead band 20 min
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(5 * time.Minute) // 25 min left: before the band
	if c, err := core.RefreshAhead(ctx, "DynamoDBRole-dev"); err != nil || c != nil {
		t.Fatalf("before the band: %v %v; want nothing done", c, err)
	}
	clk.Add(6 * time.Minute) // 19 min left: in the band
	c, err := core.RefreshAhead(ctx, "DynamoDBRole-dev")
	if err != nil || c == nil || c.AccessKey == first.AccessKey {
		t.Fatalf("in the band: %v, %v; want new credentials", c, err)
	}
	if _, ar := f.counts(); ar != 2 {
		t.Errorf("AssumeRole %d, want 2", ar)
	}
	// With the session gone, the refresh fails rather than prompt.
	core.opts.MFACode = ""
	dropSessions(t, core.opts.Cache)
	clk.Add(15 * time.Minute)
	if _, err := core.RefreshAhead(ctx, "DynamoDBRole-dev"); err == nil || prompted {
		t.Errorf("no session: err %v, prompted %v; want an error and no prompt", err, prompted)
	}
}
