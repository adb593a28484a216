package keychain

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stslib/stslib-proc/internal/testenv"
	"github.com/zalando/go-keyring"
)

// These tests talk to a real gnome-keyring on a private session bus; they
// cannot be parallel (testenv.SecretService uses t.Setenv).

func TestOSSecretService(t *testing.T) {
	testenv.SecretService(t)
	s := NewOS()
	testStore(t, s, "", false)

	t.Run("chunked", func(t *testing.T) {
		key := "vault/big"
		data := bytes.Repeat([]byte("0123456789abcdef"), 320) // 5120 bytes
		data[77] = 0
		if err := s.Set(key, data); err != nil {
			t.Fatalf("Set 5 KB: %v", err)
		}
		// 5120 bytes is 6828 base64 characters: 4 items of <= 1900.
		for i := 1; i < 4; i++ {
			p, err := keyring.Get(Service, osPart(key, i))
			if err != nil {
				t.Fatalf("chunk %d: %v", i, err)
			}
			if len(p) > osChunk {
				t.Errorf("chunk %d holds %d characters, limit %d", i, len(p), osChunk)
			}
		}
		head, err := keyring.Get(Service, key)
		if err != nil || !strings.HasPrefix(head, osMagic+":4:") || len(head) > 2000 {
			t.Fatalf("header item = %.40q (%d chars), %v; want stslib1:4:… under 2000 chars", head, len(head), err)
		}
		got, err := s.Get(key)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("Get = %d bytes, %v; want the 5120 bytes written", len(got), err)
		}

		// Shrinking removes the leftover chunks.
		if err := s.Set(key, []byte("small")); err != nil {
			t.Fatal(err)
		}
		if _, err := keyring.Get(Service, osPart(key, 1)); !errors.Is(err, keyring.ErrNotFound) {
			t.Errorf("chunk 1 after shrinking: err = %v, want not found", err)
		}
		if got, err := s.Get(key); err != nil || string(got) != "small" {
			t.Fatalf("Get after shrink = %q, %v", got, err)
		}

		if err := s.Set(key, data); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(key); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		for i := range 4 {
			if _, err := keyring.Get(Service, osPart(key, i)); !errors.Is(err, keyring.ErrNotFound) {
				t.Errorf("item %d after Delete: err = %v, want not found", i, err)
			}
		}
	})

	t.Run("torn record", func(t *testing.T) {
		key := "vault/torn"
		t.Cleanup(func() { s.Delete(key) })
		if err := s.Set(key, bytes.Repeat([]byte("x"), 4000)); err != nil {
			t.Fatal(err)
		}
		if err := keyring.Set(Service, osPart(key, 1), "tampered"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(key); err == nil || errors.Is(err, ErrNotFound) {
			t.Fatalf("Get of torn record: err = %v, want a corruption error", err)
		}
		if err := keyring.Delete(Service, osPart(key, 1)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(key); err == nil || !strings.Contains(err.Error(), "missing") {
			t.Fatalf("Get with a missing chunk: err = %v, want chunk missing", err)
		}
	})

	t.Run("foreign item", func(t *testing.T) {
		key := "vault/foreign"
		t.Cleanup(func() { keyring.Delete(Service, key) })
		if err := keyring.Set(Service, key, "some other tool's value"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(key); err == nil || errors.Is(err, ErrNotFound) {
			t.Fatalf("Get of foreign item: err = %v, want an error", err)
		}
	})

	t.Run("key with #", func(t *testing.T) {
		if err := s.Set("a#1", []byte("v")); err == nil {
			t.Fatal("Set with '#' in the key succeeded")
		}
	})

	t.Run("probe", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := ProbeOS(ctx); err != nil {
			t.Fatalf("ProbeOS with a live Secret Service: %v", err)
		}
	})

	t.Run("auto picks os", func(t *testing.T) {
		var notes strings.Builder
		st, err := Open("auto", Options{Dir: t.TempDir(), Notes: &notes, ProbeTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if st.Name() != "os" || notes.Len() != 0 {
			t.Fatalf("auto = %s with notes %q, want os and no notes", st.Name(), notes.String())
		}
	})
}

func TestOpenAutoFallsBack(t *testing.T) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("the OS keyring there does not depend on D-Bus")
	}
	cases := []struct {
		name string
		addr func(t *testing.T) string
	}{
		{"dead socket", func(t *testing.T) string {
			return "unix:path=" + filepath.Join(t.TempDir(), "no-bus")
		}},
		{"unset", func(*testing.T) string { return "" }},
		{"autolaunch", func(*testing.T) string { return "autolaunch:" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("DBUS_SESSION_BUS_ADDRESS", c.addr(t))
			var notes strings.Builder
			dir := t.TempDir()
			st, err := Open("auto", Options{Dir: dir, Notes: &notes, Passphrase: func() (string, error) { return "pw", nil }})
			if err != nil {
				t.Fatal(err)
			}
			if st.Name() != "file" {
				t.Fatalf("auto = %s, want file", st.Name())
			}
			if n := notes.String(); strings.Count(n, "\n") != 1 || !strings.Contains(n, dir) {
				t.Fatalf("note = %q, want one line naming %s", n, dir)
			}
		})
	}
}

// TestOpenAutoLockedKeyring: a locked Secret Service (its unlock prompt
// can never be answered headless) is detected within the probe timeout
// and auto falls back to the file keyring with a note, never hanging.
func TestOpenAutoLockedKeyring(t *testing.T) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("Secret Service only")
	}
	addr := testenv.SecretService(t)
	if err := testenv.LockSecretService(addr); err != nil {
		t.Fatalf("lock the login collection: %v", err)
	}
	var notes strings.Builder
	dir := t.TempDir()
	done := make(chan error, 1)
	var st Store
	go func() {
		var err error
		st, err = Open("auto", Options{Dir: dir, Notes: &notes, ProbeTimeout: 2 * time.Second, Passphrase: func() (string, error) { return "pw", nil }})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second): // a bound against hanging, not a speed check
		t.Fatal("auto hung on a locked keyring")
	}
	if st.Name() != "file" || !strings.Contains(notes.String(), "OS keyring unavailable") {
		t.Fatalf("auto = %s, note %q; want file with a note", st.Name(), notes.String())
	}
}

// TestOpenAutoHeadless: no Secret Service and no passphrase — the kernel
// keyring, under its prefix, with a note; never a file keyring that could
// not be unlocked.
func TestOpenAutoHeadless(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("kernel keyring: Linux only")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	var notes strings.Builder
	st, err := Open("auto", Options{Dir: t.TempDir(), Notes: &notes, NoPassphrase: true, KernelDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if st.Name() != "kernel" || !strings.Contains(notes.String(), "kernel keyring") {
		t.Fatalf("auto = %s, note %q; want kernel with a note", st.Name(), notes.String())
	}
	t.Cleanup(func() { st.Delete("k") })
	if err := st.Set("k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if v, err := st.Get("k"); err != nil || string(v) != "v" {
		t.Fatalf("Get = %q, %v", v, err)
	}
}
