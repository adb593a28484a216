package credproc

import (
	"context"
	"os"
	"testing"

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
