package credproc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stslib/stslib-proc/cache"
	"github.com/stslib/stslib-proc/keychain/kernel"
)

const testSerial = "arn:aws:iam::111122223333:mfa/BobSmith"

// TestCodeNeverSentTwiceAcrossProcesses: a second Core (another process)
// sharing the cache directory and the keyring refuses a code the first one
// sent, before it reaches STS.
func TestCodeNeverSentTwiceAcrossProcesses(t *testing.T) {
	dir, backend := t.TempDir(), newMemBackend()
	mk := func() (*Core, *fakeSTS, *clock) {
		return newTestCore(t, func(o *Options) {
			o.Cache = &cache.Cache{Dir: dir, Backend: backend, Now: o.Now}
		})
	}
	first, f1, _ := mk()
	if _, err := first.Role(context.Background(), "DynamoDBRole-dev"); err != nil {
		t.Fatal(err)
	}
	dropSessions(t, first.opts.Cache)
	second, f2, _ := mk()
	_, err := second.Role(context.Background(), "WithServices")
	if err == nil || !strings.Contains(err.Error(), "used already") {
		t.Fatalf("err = %v, want the reused code refused before reaching STS", err)
	}
	if gst1, _ := f1.counts(); gst1 != 1 {
		t.Errorf("first: GetSessionToken %d", gst1)
	}
	if gst2, _ := f2.counts(); gst2 != 0 {
		t.Errorf("second sent the used code to STS (%d calls)", gst2)
	}
}

// dropSessions deletes the MFA sessions, so the next call needs a code.
func dropSessions(t *testing.T, c *cache.Cache) {
	t.Helper()
	list, err := c.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list {
		if e.Kind == "session" {
			if err := c.Delete(e.Key); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// usedCore is a Core over a cache directory and a memory keyring, for the
// record's own tests.
func usedCore(t *testing.T, dir string, backend cache.Backend, clk *clock) *Core {
	t.Helper()
	return New(Options{Now: clk.Now, Cache: &cache.Cache{Dir: dir, Backend: backend, Now: clk.Now}})
}

// TestUsedRecordHoldsNoCode: the file holds the time step and an HMAC
// under a key that is in the keyring, not on disk; without that key the
// record says nothing about the code.
func TestUsedRecordHoldsNoCode(t *testing.T) {
	dir, backend, clk := t.TempDir(), newMemBackend(), newClock()
	c := usedCore(t, dir, backend, clk)
	const code = "123456"
	c.markUsed(testSerial, code)

	p := filepath.Join(dir, "mfa", usedFile(testSerial))
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"mac", "step", "v"}) {
		t.Errorf("record fields %v, want mac, step and v only", keys)
	}
	if bytes.Contains(b, []byte(code)) {
		t.Error("the record holds the code in clear")
	}
	// No unkeyed hash of the code matches: it cannot be found by trying
	// the million codes.
	var r usedRecord
	_ = json.Unmarshal(b, &r)
	for _, s := range []string{code, testSerial + code, "stslib-proc used mfa code\x00" + testSerial + "\x00" + code, "stslib-proc mfa\x00" + testSerial + "\x00" + code} {
		if sum := sha256.Sum256([]byte(s)); hex.EncodeToString(sum[:]) == r.MAC {
			t.Errorf("the MAC is an unkeyed hash of %q", s)
		}
	}
	// The key is in the keyring and nowhere under the cache directory.
	key, err := backend.Get(usedKeyName)
	if err != nil || len(key) != 32 {
		t.Fatalf("key in the keyring: %d bytes, %v", len(key), err)
	}
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, _ := os.ReadFile(path)
		if bytes.Contains(data, key) || bytes.Contains(data, []byte(hex.EncodeToString(key))) {
			t.Errorf("%s holds the HMAC key", path)
		}
		return nil
	})
	// Another process with the same keyring knows the code was used; one
	// without the key cannot tell.
	if !usedCore(t, dir, backend, clk).codeUsed(testSerial, code) {
		t.Error("a second Core with the keyring does not see the used code")
	}
	if usedCore(t, dir, newMemBackend(), clk).codeUsed(testSerial, code) {
		t.Error("a Core without the key recognised the code from the record alone")
	}
	if c.codeUsed(testSerial, "654321") || c.codeUsed("arn:aws:iam::111122223333:mfa/Other", code) {
		t.Error("another code or another device counted as used")
	}
}

// TestUsedRecordExpires: a record covers the step it was written in and
// the next one, and is removed once read after that.
func TestUsedRecordExpires(t *testing.T) {
	start := newClock().Now().Add(7 * time.Second) // 7 s into a step
	stepStart := start.Truncate(totpStep)
	tests := []struct {
		name string
		at   time.Time
		used bool
	}{
		{"same moment", start, true},
		{"next step", stepStart.Add(totpStep + 10*time.Second), true},
		{"1 ns before two steps", stepStart.Add(2*totpStep - time.Nanosecond), true},
		{"exactly two steps", stepStart.Add(2 * totpStep), false},
		{"much later", stepStart.Add(time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, backend := t.TempDir(), newMemBackend()
			clk := &clock{t: start}
			usedCore(t, dir, backend, clk).markUsed(testSerial, "123456")
			clk.t = tt.at
			c := usedCore(t, dir, backend, clk) // another process: reads the file
			if got := c.codeUsed(testSerial, "123456"); got != tt.used {
				t.Errorf("codeUsed = %v, want %v", got, tt.used)
			}
			_, err := os.Stat(filepath.Join(dir, "mfa", usedFile(testSerial)))
			if exists := err == nil; exists != tt.used {
				t.Errorf("record exists = %v, want %v", exists, tt.used)
			}
		})
	}
}

// TestUsedRecordInMemoryExpires: within one process too, a code is free
// again after two steps (a long-running sync --watch).
func TestUsedRecordInMemoryExpires(t *testing.T) {
	clk := newClock()
	c := New(Options{Now: clk.Now}) // private cache
	c.markUsed(testSerial, "123456")
	if !c.codeUsed(testSerial, "123456") {
		t.Fatal("not used right after")
	}
	clk.Add(2 * totpStep)
	if c.codeUsed(testSerial, "123456") {
		t.Error("still used two steps later")
	}
}

// TestMarkUsedSweeps: writing a record removes the expired records of
// other devices and records of the old format (a salted hash of the code
// beside its salt).
func TestMarkUsedSweeps(t *testing.T) {
	dir, backend, clk := t.TempDir(), newMemBackend(), newClock()
	usedCore(t, dir, backend, clk).markUsed("arn:aws:iam::111122223333:mfa/Old", "111111")
	legacy := filepath.Join(dir, "mfa", "0011223344556677.json")
	if err := os.WriteFile(legacy, []byte(`{"hash":"ab","at":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Hour)
	usedCore(t, dir, backend, clk).markUsed(testSerial, "123456")
	ents, err := os.ReadDir(filepath.Join(dir, "mfa"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if want := []string{usedFile(testSerial)}; !slices.Equal(names, want) {
		t.Errorf("records %v, want only %v", names, want)
	}
}

// failingBackend is a keyring that cannot be opened (no passphrase).
type failingBackend struct{}

func (failingBackend) Get(string) ([]byte, error) { return nil, os.ErrPermission }
func (failingBackend) Set(string, []byte) error   { return os.ErrPermission }
func (failingBackend) Delete(string) error        { return os.ErrPermission }

// TestUsedRecordWithoutKeyring: when the keyring cannot keep the key, codes
// are remembered in the process only and nothing is written to disk.
func TestUsedRecordWithoutKeyring(t *testing.T) {
	dir, clk := t.TempDir(), newClock()
	c := usedCore(t, dir, failingBackend{}, clk)
	c.markUsed(testSerial, "123456")
	if !c.codeUsed(testSerial, "123456") {
		t.Error("not remembered in the process")
	}
	if _, err := os.Stat(filepath.Join(dir, "mfa")); !os.IsNotExist(err) {
		t.Errorf("records written without a keyring key: %v", err)
	}
}

// TestCodeNeverSentTwiceAcrossDataDirectories: with a per-user state
// directory and the kernel keyring, two data directories of one user
// (two Cores with their own caches and keyrings) share the record.
func TestCodeNeverSentTwiceAcrossDataDirectories(t *testing.T) {
	if _, err := kernel.NewKernel(); err != nil {
		t.Skip("no kernel keyring:", err)
	}
	state := t.TempDir()
	t.Cleanup(func() {
		if k, err := kernel.NewKernel(); err == nil {
			_ = k.Delete(UserKeyName(state))
		}
	})
	mk := func() (*Core, *fakeSTS) {
		c, f, _ := newTestCore(t, func(o *Options) {
			o.StateDir = state
			o.Cache = &cache.Cache{Dir: t.TempDir(), Backend: newMemBackend(), Now: o.Now}
		})
		return c, f
	}
	first, _ := mk()
	if _, err := first.Role(context.Background(), "DynamoDBRole-dev"); err != nil {
		t.Fatal(err)
	}
	second, f2 := mk()
	_, err := second.Role(context.Background(), "DynamoDBRole-dev")
	if err == nil || !strings.Contains(err.Error(), "used already") {
		t.Fatalf("err = %v, want the code the other data directory sent refused", err)
	}
	if gst, _ := f2.counts(); gst != 0 {
		t.Errorf("the used code reached STS (%d calls)", gst)
	}
	if ents, _ := os.ReadDir(filepath.Join(state, "mfa-used")); len(ents) != 1 {
		t.Errorf("state directory holds %d records, want 1", len(ents))
	}
}
