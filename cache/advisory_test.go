package cache

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"
)

// TestAdvisoryRefreshIsBounded: with a valid record, the refresh gets a
// deadline of AdvisoryTimeout; with an expired one, only the caller's.
func TestAdvisoryRefreshIsBounded(t *testing.T) {
	exp := t0.Add(time.Hour)
	for _, tt := range []struct {
		name         string
		now          time.Time
		wantDeadline bool
	}{
		{"inside the window", exp.Add(-time.Minute), true},
		{"expired", exp, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cc, _, _, clk := newTestCache(t)
			cc.AdvisoryTimeout = 3 * time.Second
			if err := cc.Put(entry("old", exp)); err != nil {
				t.Fatal(err)
			}
			clk.Set(tt.now)
			var has bool
			var left time.Duration
			_, _, _ = cc.Fetch(context.Background(), testKey, 15*time.Minute, func(ctx context.Context, _ *Entry) (*Entry, error) {
				var d time.Time
				d, has = ctx.Deadline()
				left = time.Until(d)
				return entry("new", exp.Add(time.Hour)), nil
			})
			if has != tt.wantDeadline || has && left > 3*time.Second {
				t.Errorf("deadline %v (%v left), want deadline %v of at most 3s", has, left, tt.wantDeadline)
			}
		})
	}
}

// TestFailureIsRemembered: a failed advisory refresh is reported once;
// for FailureMemory later calls serve the valid record without trying.
func TestFailureIsRemembered(t *testing.T) {
	exp := t0.Add(time.Hour)
	cc, _, _, clk := newTestCache(t)
	cc.FailureMemory = time.Minute
	if err := cc.Put(entry("old", exp)); err != nil {
		t.Fatal(err)
	}
	calls := 0
	hung := func(ctx context.Context, _ *Entry) (*Entry, error) {
		calls++
		return nil, errors.New("sts: did not answer")
	}
	clk.Set(exp.Add(-10 * time.Minute))
	e, warn, err := cc.Fetch(context.Background(), testKey, 15*time.Minute, hung)
	if err != nil || string(e.Data) != "old" || warn == nil || errors.Is(warn, ErrBackoff) || calls != 1 {
		t.Fatalf("first: %v %v %v calls=%d", e, warn, err, calls)
	}
	clk.Set(exp.Add(-9*time.Minute - time.Second))
	e, warn, err = cc.Fetch(context.Background(), testKey, 15*time.Minute, hung)
	if err != nil || string(e.Data) != "old" || !errors.Is(warn, ErrBackoff) || calls != 1 {
		t.Fatalf("within a minute: %v %v %v calls=%d", e, warn, err, calls)
	}
	clk.Set(exp.Add(-8 * time.Minute))
	_, warn, _ = cc.Fetch(context.Background(), testKey, 15*time.Minute, hung)
	if calls != 2 || errors.Is(warn, ErrBackoff) {
		t.Fatalf("after a minute: tried %d times, warn %v; want a second try", calls, warn)
	}
	// An expired record always waits for a refresh.
	clk.Set(exp)
	if _, _, err := cc.Fetch(context.Background(), testKey, 15*time.Minute, hung); err == nil || calls != 3 {
		t.Fatalf("expired: err %v calls %d", err, calls)
	}
	// A success forgets the failure.
	ok := func(context.Context, *Entry) (*Entry, error) { return entry("new", exp.Add(time.Hour)), nil }
	if _, _, err := cc.Fetch(context.Background(), testKey, 15*time.Minute, ok); err != nil {
		t.Fatal(err)
	}
	if cc.failedRecently(testKey, clk.Now()) {
		t.Error("failure still remembered after a success")
	}
}

// pickyBackend refuses names that the OS keyring or the kernel would:
// long ones and ones with "#".
type pickyBackend struct{ *memBackend }

func (p pickyBackend) Set(key string, data []byte) error {
	if len(key) > 40 || strings.Contains(key, "#") {
		return fmt.Errorf("picky: bad name %q", key)
	}
	return p.memBackend.Set(key, data)
}

func TestAnyKeyFitsTheBackend(t *testing.T) {
	cc, _, _, _ := newTestCache(t)
	cc.Backend = pickyBackend{newMem()}
	for _, key := range []string{"vault/" + strings.Repeat("long-profile-name", 10) + "/abc", "vault/a#b;c/abc"} {
		e := entry("x", t0.Add(time.Hour))
		e.Key = key
		if err := cc.Put(e); err != nil {
			t.Fatalf("Put(%q): %v", key, err)
		}
		if got, err := cc.Get(key); err != nil || string(got.Data) != "x" {
			t.Fatalf("Get(%q) = %v, %v", key, got, err)
		}
	}
}

type fullBackend struct{ *memBackend }

func (fullBackend) Set(string, []byte) error {
	return fmt.Errorf("kernel key quota full (19990 of 20000 bytes): %w", fs.ErrPermission)
}

// TestStoreFailureIsNotARefreshFailure: a record that cannot be stored is
// served, with a *StoreError warning.
func TestStoreFailureIsNotARefreshFailure(t *testing.T) {
	cc, _, _, _ := newTestCache(t)
	cc.Backend = fullBackend{newMem()}
	e, warn, err := cc.Fetch(context.Background(), testKey, 15*time.Minute, func(context.Context, *Entry) (*Entry, error) {
		return entry("new", t0.Add(time.Hour)), nil
	})
	var se *StoreError
	if err != nil || string(e.Data) != "new" || !errors.As(warn, &se) || !strings.Contains(warn.Error(), "could not cache: ") {
		t.Fatalf("got %v %v %v", e, warn, err)
	}
}

// TestWindowsFollowTheRecordsLifetime: a record STS issued for 60 s (even
// if an hour was asked) gets a 30-s window and a 40-s refresh-ahead band,
// not the 15-minute default that would refresh it on every call.
func TestWindowsFollowTheRecordsLifetime(t *testing.T) {
	start := t0
	e := &Entry{Key: testKey, Start: start, Expires: start.Add(time.Minute)}
	def := 15 * time.Minute
	for _, tt := range []struct {
		left           time.Duration
		fresh, inAhead bool
	}{
		{59 * time.Second, true, false},
		{40*time.Second + time.Nanosecond, true, false},
		{40 * time.Second, true, true},
		{30*time.Second + time.Nanosecond, true, true},
		{30 * time.Second, false, true},
	} {
		now := e.Expires.Add(-tt.left)
		if got := fresh(e, Window, def, now); got != tt.fresh {
			t.Errorf("%v left: fresh %v, want %v", tt.left, got, tt.fresh)
		}
		if got := NeedsAhead(e, def, now); got != tt.inAhead {
			t.Errorf("%v left: in the ahead band %v, want %v", tt.left, got, tt.inAhead)
		}
	}
	if a := Ahead(time.Hour, def); a != 20*time.Minute {
		t.Errorf("Ahead(1h) = %v, want 20m", a)
	}
}

// TestFetchAheadRefreshesInTheBand: Fetch serves a record inside its ahead
// band, FetchAhead refreshes it.
func TestFetchAheadRefreshesInTheBand(t *testing.T) {
	cc, _, _, clk := newTestCache(t)
	exp := t0.Add(time.Hour)
	if err := cc.Put(entry("old", exp)); err != nil {
		t.Fatal(err)
	}
	clk.Set(exp.Add(-18 * time.Minute)) // inside the 20-min band, outside the 15-min window
	calls := 0
	refresh := func(context.Context, *Entry) (*Entry, error) { calls++; return entry("new", exp.Add(time.Hour)), nil }
	if e, _, err := cc.Fetch(context.Background(), testKey, 15*time.Minute, refresh); err != nil || string(e.Data) != "old" || calls != 0 {
		t.Fatalf("Fetch: %v %v calls=%d; want the current record", e, err, calls)
	}
	if e, _, err := cc.FetchAhead(context.Background(), testKey, 15*time.Minute, refresh); err != nil || string(e.Data) != "new" || calls != 1 {
		t.Fatalf("FetchAhead: %v %v calls=%d; want a refresh", e, err, calls)
	}
}
