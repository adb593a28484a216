package cache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const testKey = "vault/DynamoDBRole-dev/0123abcd"

func newTestCache(t *testing.T) (*Cache, *memBackend, *hotBackend, *clock) {
	t.Helper()
	clk := &clock{t: t0}
	back, hot := newMem(), newHot()
	return &Cache{Dir: filepath.Join(t.TempDir(), "cache"), Backend: back, Hot: hot, Now: clk.Now}, back, hot, clk
}

func entry(data string, expires time.Time) *Entry {
	return &Entry{Key: testKey, Kind: "vault", Profile: "DynamoDBRole-dev", Data: []byte(data),
		Start: expires.Add(-time.Hour), Expires: expires}
}

func TestWindow(t *testing.T) {
	cases := []struct {
		name     string
		lifetime time.Duration
		def      time.Duration
		want     time.Duration
	}{
		{"one hour gets the default", time.Hour, 0, 15 * time.Minute},
		{"twelve hours", 12 * time.Hour, 0, 15 * time.Minute},
		{"exactly twice the default", 30 * time.Minute, 0, 15 * time.Minute},
		{"20 min is proportional", 20 * time.Minute, 0, 10 * time.Minute},
		{"15 min role is proportional", 15 * time.Minute, 0, 450 * time.Second},
		{"unknown lifetime", 0, 0, 15 * time.Minute},
		{"custom default", time.Hour, 5 * time.Minute, 5 * time.Minute},
		{"custom default, short", 6 * time.Minute, 5 * time.Minute, 3 * time.Minute},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Window(c.lifetime, c.def); got != c.want {
				t.Fatalf("Window(%v, %v) = %v, want %v", c.lifetime, c.def, got, c.want)
			}
		})
	}
}

func TestGetExpiry(t *testing.T) {
	exp := t0.Add(time.Hour)
	cases := []struct {
		name    string
		now     time.Time
		wantHit bool
	}{
		{"exactly expired", exp, false},
		{"1ns before expiry", exp.Add(-time.Nanosecond), true},
		{"inside refresh window", exp.Add(-time.Minute), true},
		{"long expired", exp.Add(time.Hour), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cc, _, _, clk := newTestCache(t)
			if err := cc.Put(entry("creds", exp)); err != nil {
				t.Fatal(err)
			}
			clk.Set(c.now)
			e, err := cc.Get(testKey)
			if c.wantHit {
				if err != nil || string(e.Data) != "creds" {
					t.Fatalf("Get = %v, %v; want hit", e, err)
				}
				return
			}
			if !errors.Is(err, ErrMiss) {
				t.Fatalf("Get err = %v, want ErrMiss", err)
			}
		})
	}
}

func TestFetchExpiry(t *testing.T) {
	exp := t0.Add(time.Hour)
	const window = 15 * time.Minute
	errSTS := errors.New("sts: throttled")
	cases := []struct {
		name        string
		now         time.Time
		refreshErr  error
		wantRefresh bool
		wantData    string
		wantWarn    bool
		wantErr     bool
	}{
		{"fresh: 1ns before the window", exp.Add(-window - time.Nanosecond), nil, false, "old", false, false},
		{"window boundary refreshes", exp.Add(-window), nil, true, "new", false, false},
		{"inside refresh window", exp.Add(-time.Minute), nil, true, "new", false, false},
		{"inside window, refresh fails: stale with warning", exp.Add(-time.Minute), errSTS, true, "old", true, false},
		{"1ns before expiry, refresh fails: stale with warning", exp.Add(-time.Nanosecond), errSTS, true, "old", true, false},
		{"exactly expired refreshes", exp, nil, true, "new", false, false},
		{"exactly expired, refresh fails: error", exp, errSTS, true, "", false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cc, _, _, clk := newTestCache(t)
			if err := cc.Put(entry("old", exp)); err != nil {
				t.Fatal(err)
			}
			clk.Set(c.now)
			var calls int
			var gotStale *Entry
			e, warn, err := cc.Fetch(context.Background(), testKey, window, func(_ context.Context, stale *Entry) (*Entry, error) {
				calls++
				gotStale = stale
				if c.refreshErr != nil {
					return nil, c.refreshErr
				}
				return entry("new", c.now.Add(time.Hour)), nil
			})
			if got := calls == 1; got != c.wantRefresh || calls > 1 {
				t.Fatalf("refresh called %d times, want refresh=%v", calls, c.wantRefresh)
			}
			if c.wantRefresh && (gotStale == nil || string(gotStale.Data) != "old") {
				t.Errorf("refresh got stale %v, want the old entry", gotStale)
			}
			if c.wantErr {
				if !errors.Is(err, errSTS) || e != nil {
					t.Fatalf("Fetch = %v, %v; want the refresh error", e, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Fetch err = %v", err)
			}
			if string(e.Data) != c.wantData {
				t.Errorf("Fetch data = %q, want %q", e.Data, c.wantData)
			}
			if c.wantWarn != (warn != nil) || (c.wantWarn && !errors.Is(warn, errSTS)) {
				t.Errorf("warn = %v, want warning=%v", warn, c.wantWarn)
			}
			if c.wantData == "new" {
				if again, err := cc.Get(testKey); err != nil || string(again.Data) != "new" {
					t.Errorf("after refresh Get = %v, %v; want the new entry stored", again, err)
				}
			}
		})
	}
}

func TestFetchMissingCallsRefreshWithNil(t *testing.T) {
	cc, _, _, _ := newTestCache(t)
	var gotStale *Entry = &Entry{}
	e, warn, err := cc.Fetch(context.Background(), testKey, time.Minute, func(_ context.Context, stale *Entry) (*Entry, error) {
		gotStale = stale
		return &Entry{Data: []byte("x"), Expires: t0.Add(time.Hour)}, nil
	})
	if err != nil || warn != nil || e.Key != testKey {
		t.Fatalf("Fetch = %+v, %v, %v; want the entry with its key filled in", e, warn, err)
	}
	if gotStale != nil {
		t.Errorf("stale = %v, want nil for a missing record", gotStale)
	}
}

func TestFetchRefreshContract(t *testing.T) {
	cases := []struct {
		name    string
		ret     *Entry
		wantErr string
	}{
		{"nil entry", nil, "no entry"},
		{"foreign key", &Entry{Key: "other", Expires: t0.Add(time.Hour)}, `"other"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cc, _, _, _ := newTestCache(t)
			_, _, err := cc.Fetch(context.Background(), testKey, time.Minute, func(context.Context, *Entry) (*Entry, error) {
				return c.ret, nil
			})
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err = %v, want %q", err, c.wantErr)
			}
		})
	}
}

func TestGetMissesOnBadRecords(t *testing.T) {
	exp := t0.Add(time.Hour)
	good, err := encode(entry("creds", exp))
	if err != nil {
		t.Fatal(err)
	}
	foreign, _ := encode(&Entry{Key: "vault/other", Data: []byte("creds"), Expires: exp})
	badCRC := []byte(strings.Replace(string(good), `"crc":`, `"crc":1`, 1))
	future := []byte(strings.Replace(string(good), `"v":1`, `"v":2`, 1))
	cases := []struct {
		name string
		data []byte
	}{
		{"garbage", []byte("\x00\xffnot json")},
		{"empty", []byte{}},
		{"truncated", good[:len(good)/2]},
		{"checksum mismatch", badCRC},
		{"foreign key", foreign},
		{"future version", future},
		{"no expiry", []byte(`{"v":1,"key":"` + testKey + `","data":"","crc":0}`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cc, back, hot, _ := newTestCache(t)
			if err := cc.Put(entry("creds", exp)); err != nil {
				t.Fatal(err)
			}
			back.put(testKey, c.data)
			hot.put(testKey, c.data)
			if e, err := cc.Get(testKey); !errors.Is(err, ErrMiss) {
				t.Fatalf("Get = %v, %v; want ErrMiss", e, err)
			}
			// Fetch replaces the bad record.
			var calls int
			e, _, err := cc.Fetch(context.Background(), testKey, time.Minute, func(_ context.Context, stale *Entry) (*Entry, error) {
				calls++
				if stale != nil {
					t.Errorf("stale = %v, want nil for a bad record", stale)
				}
				return entry("fresh", exp), nil
			})
			if err != nil || calls != 1 || string(e.Data) != "fresh" {
				t.Fatalf("Fetch = %v, %v after %d refreshes; want one refresh", e, err, calls)
			}
			if got, err := decode(back.raw(testKey), testKey); err != nil || string(got.Data) != "fresh" {
				t.Fatalf("backend after Fetch = %v, %v; want the record replaced", got, err)
			}
		})
	}
}

func TestCorruptIndex(t *testing.T) {
	cc, _, _, _ := newTestCache(t)
	if err := cc.Put(entry("creds", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	for _, data := range []string{"{", `{"key":"someone else"}`, ""} {
		if err := os.WriteFile(cc.indexPath(testKey), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := cc.Get(testKey); !errors.Is(err, ErrMiss) {
			t.Fatalf("Get with index %q: err = %v, want ErrMiss", data, err)
		}
	}
	list, err := cc.List()
	if err != nil || len(list) != 0 {
		t.Fatalf("List with a corrupt index = %v, %v; want it skipped", list, err)
	}
}

func TestWarmHitUsesHotOnly(t *testing.T) {
	cc, back, hot, clk := newTestCache(t)
	exp := t0.Add(time.Hour)
	if err := cc.Put(entry("creds", exp)); err != nil {
		t.Fatal(err)
	}
	if len(hot.ttls) != 1 || hot.ttls[0] != time.Hour {
		t.Fatalf("hot TTLs = %v, want [1h] (the record's remaining life)", hot.ttls)
	}
	refresh := func(context.Context, *Entry) (*Entry, error) {
		t.Fatal("refresh called on a warm hit")
		return nil, nil
	}

	backGets, _ := back.counts()
	e, warn, err := cc.Fetch(context.Background(), testKey, 15*time.Minute, refresh)
	if err != nil || warn != nil || string(e.Data) != "creds" {
		t.Fatalf("warm Fetch = %v, %v, %v", e, warn, err)
	}
	if g, _ := back.counts(); g != backGets {
		t.Errorf("warm Fetch read Backend %d times, want 0", g-backGets)
	}
	if g, _ := hot.counts(); g != 1 {
		t.Errorf("warm Fetch read Hot %d times, want 1", g)
	}

	// Hot lost the key (reboot, TTL): Backend serves it and Hot is refilled
	// with the remaining life.
	hot.Delete(storeKey(testKey))
	clk.Set(t0.Add(10 * time.Minute))
	e, _, err = cc.Fetch(context.Background(), testKey, 15*time.Minute, refresh)
	if err != nil || string(e.Data) != "creds" {
		t.Fatalf("Fetch after Hot miss = %v, %v", e, err)
	}
	if g, _ := back.counts(); g != backGets+1 {
		t.Errorf("Backend reads = %d, want 1", g-backGets)
	}
	if hot.raw(testKey) == nil || hot.ttls[len(hot.ttls)-1] != 50*time.Minute {
		t.Errorf("Hot not refilled with a 50m TTL: ttls %v", hot.ttls)
	}
}

func TestStaleHotFallsThroughToBackend(t *testing.T) {
	cc, back, hot, _ := newTestCache(t)
	old, _ := encode(entry("old", t0.Add(time.Minute)))
	if err := cc.Put(entry("new", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	hot.put(testKey, old) // e.g. a failed Hot write left an old record
	e, _, err := cc.Fetch(context.Background(), testKey, 15*time.Minute, func(context.Context, *Entry) (*Entry, error) {
		t.Fatal("refresh called")
		return nil, nil
	})
	if err != nil || string(e.Data) != "new" {
		t.Fatalf("Fetch = %v, %v; want the Backend's fresh record", e, err)
	}
	if g, _ := back.counts(); g != 1 {
		t.Errorf("Backend reads = %d, want 1", g)
	}
}

func TestHotWithoutTTLAndNoHot(t *testing.T) {
	cc, back, _, _ := newTestCache(t)
	plain := newMem() // no SetWithTTL: plain Set is used
	cc.Hot = plain
	if err := cc.Put(entry("creds", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if plain.raw(testKey) == nil {
		t.Fatal("hot tier without SetWithTTL not written")
	}
	cc.Hot = nil
	if e, err := cc.Get(testKey); err != nil || string(e.Data) != "creds" {
		t.Fatalf("Get without Hot = %v, %v", e, err)
	}
	if g, _ := back.counts(); g != 1 {
		t.Errorf("Backend reads = %d, want 1", g)
	}
}

func TestPutFailures(t *testing.T) {
	cc, back, _, _ := newTestCache(t)
	back.setErr = errors.New("keyring locked")
	if err := cc.Put(entry("creds", t0.Add(time.Hour))); err == nil || !strings.Contains(err.Error(), testKey) {
		t.Fatalf("Put err = %v, want one naming the key", err)
	}
	if _, err := cc.Get(testKey); !errors.Is(err, ErrMiss) {
		t.Fatalf("Get after failed Put: %v, want ErrMiss (nothing indexed)", err)
	}
	// Fetch still hands out fresh credentials, with a warning.
	e, warn, err := cc.Fetch(context.Background(), testKey, time.Minute, func(context.Context, *Entry) (*Entry, error) {
		return entry("creds", t0.Add(time.Hour)), nil
	})
	if err != nil || e == nil || warn == nil || !strings.Contains(warn.Error(), "keyring locked") {
		t.Fatalf("Fetch = %v, %v, %v; want the entry and a storage warning", e, warn, err)
	}
	for _, bad := range []*Entry{nil, {Expires: t0}, {Key: "k"}} {
		if err := cc.Put(bad); err == nil {
			t.Errorf("Put(%+v) succeeded", bad)
		}
	}
}

func TestDelete(t *testing.T) {
	cc, back, hot, _ := newTestCache(t)
	if err := cc.Put(entry("creds", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if err := cc.Delete(testKey); err != nil {
		t.Fatal(err)
	}
	if back.raw(testKey) != nil || hot.raw(testKey) != nil {
		t.Error("Delete left the record in a tier")
	}
	if _, err := cc.Get(testKey); !errors.Is(err, ErrMiss) {
		t.Errorf("Get after Delete: %v, want ErrMiss", err)
	}
	if err := cc.Delete(testKey); err != nil {
		t.Errorf("second Delete: %v, want nil", err)
	}
}

func TestListReadsOnlyTheIndex(t *testing.T) {
	cc, back, hot, _ := newTestCache(t)
	const canary = "CANARY-SECRET-wJalrXUtnFEMI"
	entries := []*Entry{
		{Key: "vault/S3ReadOnlyRole/1", Kind: "vault", Profile: "s3", Data: []byte(canary), Start: t0, Expires: t0.Add(time.Hour)},
		{Key: "session/dev", Kind: "session", Profile: "dev", Data: []byte(canary), Start: t0, Expires: t0.Add(12 * time.Hour)},
	}
	for _, e := range entries {
		if err := cc.Put(e); err != nil {
			t.Fatal(err)
		}
	}
	bg, _ := back.counts()
	hg, _ := hot.counts()
	got, err := cc.List()
	if err != nil {
		t.Fatal(err)
	}
	want := []IndexEntry{
		{Key: "session/dev", Kind: "session", Profile: "dev", Start: t0, Expires: t0.Add(12 * time.Hour), Backend: "memory"},
		{Key: "vault/S3ReadOnlyRole/1", Kind: "vault", Profile: "s3", Start: t0, Expires: t0.Add(time.Hour), Backend: "memory"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("List mismatch (-want +got):\n%s", d)
	}
	if g, _ := back.counts(); g != bg {
		t.Error("List read the Backend")
	}
	if g, _ := hot.counts(); g != hg {
		t.Error("List read the Hot tier")
	}
	filepath.WalkDir(cc.Dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		if strings.Contains(string(b), canary) {
			t.Errorf("%s contains the secret", p)
		}
		return nil
	})
}

func TestListEmpty(t *testing.T) {
	cc := &Cache{Dir: filepath.Join(t.TempDir(), "none"), Backend: newMem()}
	if got, err := cc.List(); err != nil || len(got) != 0 {
		t.Fatalf("List of a missing dir = %v, %v", got, err)
	}
}

func TestModesUnderUmask0(t *testing.T) {
	umask0(t)
	cc, _, _, _ := newTestCache(t)
	if err := cc.Put(entry("creds", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	unlock, err := cc.Lock(context.Background(), testKey)
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	want := map[string]os.FileMode{
		cc.Dir:                         0o700 | os.ModeDir,
		filepath.Join(cc.Dir, "index"): 0o700 | os.ModeDir,
		filepath.Join(cc.Dir, "locks"): 0o700 | os.ModeDir,
		cc.indexPath(testKey):          0o600,
		filepath.Join(cc.Dir, "locks", name(testKey)+".lock"): 0o600,
	}
	for p, m := range want {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode() & (os.ModeDir | os.ModePerm); got != m {
			t.Errorf("%s mode = %v, want %v", p, got, m)
		}
	}
}

func TestLockTimeout(t *testing.T) {
	cc, _, _, clk := newTestCache(t)
	cc.LockTimeout = 50 * time.Millisecond
	unlock, err := cc.Lock(context.Background(), testKey)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	_, err = cc.Lock(context.Background(), testKey)
	if !errors.Is(err, ErrLockTimeout) || !strings.Contains(err.Error(), testKey) {
		t.Fatalf("second Lock err = %v, want ErrLockTimeout naming %s", err, testKey)
	}
	if _, err := cc.Lock(context.Background(), "other/key"); err != nil {
		t.Fatalf("Lock of another key: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := cc.Lock(ctx, testKey); !errors.Is(err, context.Canceled) {
		t.Fatalf("Lock with a canceled context: %v, want context.Canceled", err)
	}

	refresh := func(context.Context, *Entry) (*Entry, error) {
		t.Fatal("refresh called without the lock")
		return nil, nil
	}
	t.Run("no record: error", func(t *testing.T) {
		_, _, err := cc.Fetch(context.Background(), testKey, time.Minute, refresh)
		if !errors.Is(err, ErrLockTimeout) {
			t.Fatalf("Fetch err = %v, want ErrLockTimeout", err)
		}
	})
	t.Run("valid record in window: stale with warning", func(t *testing.T) {
		if err := cc.Put(entry("old", t0.Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		clk.Set(t0.Add(50 * time.Minute))
		e, warn, err := cc.Fetch(context.Background(), testKey, 15*time.Minute, refresh)
		if err != nil || string(e.Data) != "old" || !errors.Is(warn, ErrLockTimeout) {
			t.Fatalf("Fetch = %v, %v, %v; want the old entry with a lock warning", e, warn, err)
		}
	})
}

func TestFetchConcurrentGoroutines(t *testing.T) {
	cc := &Cache{Dir: t.TempDir(), Backend: newMem(), Hot: newHot()}
	var calls atomic.Int32
	refresh := func(context.Context, *Entry) (*Entry, error) {
		n := calls.Add(1)
		time.Sleep(20 * time.Millisecond) // hold the lock while others queue
		return &Entry{Data: fmt.Appendf(nil, "refresh-%d", n), Expires: time.Now().Add(time.Hour)}, nil
	}
	const n = 20
	var wg sync.WaitGroup
	results := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			e, _, err := cc.Fetch(context.Background(), testKey, 15*time.Minute, refresh)
			errs[i] = err
			if e != nil {
				results[i] = string(e.Data)
			}
		})
	}
	wg.Wait()
	if c := calls.Load(); c != 1 {
		t.Fatalf("refresh called %d times by %d goroutines, want 1", c, n)
	}
	for i := range n {
		if errs[i] != nil || results[i] != "refresh-1" {
			t.Errorf("goroutine %d: %q, %v", i, results[i], errs[i])
		}
	}
}

func TestBadDir(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	cc := &Cache{Dir: f, Backend: newMem()}
	if err := cc.Put(entry("x", t0.Add(time.Hour))); err == nil {
		t.Fatal("Put under a regular file succeeded")
	}
	if _, err := cc.Lock(context.Background(), testKey); err == nil {
		t.Fatal("Lock under a regular file succeeded")
	}
}

// TestWithoutDir: an empty Dir keeps index, locks and failure memory in
// memory: the cache works and writes no file.
func TestWithoutDir(t *testing.T) {
	t.Chdir(t.TempDir())
	clk := &clock{t: t0}
	cc := &Cache{Backend: newMem(), Now: clk.Now}
	calls := 0
	refresh := func(context.Context, *Entry) (*Entry, error) { calls++; return entry("new", t0.Add(time.Hour)), nil }
	for range 2 {
		if e, _, err := cc.Fetch(context.Background(), testKey, 15*time.Minute, refresh); err != nil || string(e.Data) != "new" {
			t.Fatalf("Fetch = %v, %v", e, err)
		}
	}
	if calls != 1 {
		t.Errorf("refreshed %d times, want 1", calls)
	}
	unlock, err := cc.Lock(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	cc.LockTimeout = time.Millisecond
	if _, err := cc.Lock(context.Background(), "k"); !errors.Is(err, ErrLockTimeout) {
		t.Errorf("second Lock: %v, want ErrLockTimeout", err)
	}
	unlock()
	if list, _ := cc.List(); len(list) != 1 || list[0].Key != testKey {
		t.Errorf("List = %v", list)
	}
	if ents, _ := os.ReadDir("."); len(ents) != 0 {
		t.Errorf("files written: %v", ents)
	}
}

func FuzzDecode(f *testing.F) {
	good, _ := encode(entry("creds", t0.Add(time.Hour)))
	f.Add(good)
	f.Add([]byte(`{"v":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decode(b, testKey)
		if err != nil {
			if !errors.Is(err, ErrMiss) {
				t.Fatalf("decode error %v is not ErrMiss", err)
			}
			return
		}
		again, err := encode(e)
		if err != nil {
			t.Fatal(err)
		}
		e2, err := decode(again, testKey)
		if err != nil || !cmp.Equal(e, e2) {
			t.Fatalf("round trip changed the entry: %v", err)
		}
	})
}

// failingBackend fails every read with a non-"not found" error.
type failingBackend struct{ *memBackend }

func (*failingBackend) Get(string) ([]byte, error) { return nil, errors.New("secret service locked") }

func TestBackendReadFailureIsAMiss(t *testing.T) {
	cc, _, _, _ := newTestCache(t)
	if err := cc.Put(entry("creds", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	cc.Hot = nil
	cc.Backend = &failingBackend{newMem()}
	_, err := cc.Get(testKey)
	if !errors.Is(err, ErrMiss) || !strings.Contains(err.Error(), "secret service locked") {
		t.Fatalf("Get err = %v, want ErrMiss carrying the cause", err)
	}
}
