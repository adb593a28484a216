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
