package keychain

import (
	"bytes"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

func TestErrNotFoundIsNotExist(t *testing.T) {
	if !errors.Is(ErrNotFound, fs.ErrNotExist) {
		t.Fatal("ErrNotFound does not match fs.ErrNotExist")
	}
	if !errors.Is(ErrUnsupported, errors.ErrUnsupported) {
		t.Fatal("ErrUnsupported does not match errors.ErrUnsupported")
	}
}

// testStore checks the Store contract shared by every backend. prefix keeps
// keys of stores shared with other processes (kernel, os) apart.
func testStore(t *testing.T, s Store, prefix string, canList bool) {
	t.Helper()
	k1, k2 := prefix+"vault/DynamoDBRole-dev/abc", prefix+"session/dev"
	t.Cleanup(func() { s.Delete(k1); s.Delete(k2) })

	t.Run("missing", func(t *testing.T) {
		if _, err := s.Get(k1); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Get missing: err = %v, want ErrNotFound", err)
		}
		if err := s.Delete(k1); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Delete missing: err = %v, want ErrNotFound", err)
		}
	})
	t.Run("round trip", func(t *testing.T) {
		cases := []struct {
			name string
			data []byte
		}{
			{"text", []byte(`{"v":1,"k":"x"}`)},
			{"binary", []byte{0, 1, 2, 0xff, 0xfe, '\n', ':', '#'}},
			{"overwrite shorter", []byte("z")},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if err := s.Set(k1, c.data); err != nil {
					t.Fatalf("Set: %v", err)
				}
				got, err := s.Get(k1)
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				if !bytes.Equal(got, c.data) {
					t.Fatalf("Get = %q, want %q", got, c.data)
				}
			})
		}
	})
	t.Run("list", func(t *testing.T) {
		if err := s.Set(k2, []byte("two")); err != nil {
			t.Fatal(err)
		}
		keys, err := s.List()
		if !canList {
			if !errors.Is(err, ErrUnsupported) {
				t.Fatalf("List err = %v, want ErrUnsupported", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{k1, k2} {
			if !slices.Contains(keys, k) {
				t.Errorf("List = %q, missing %q", keys, k)
			}
		}
	})
	t.Run("delete", func(t *testing.T) {
		if err := s.Delete(k1); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, err := s.Get(k1); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Get after Delete: err = %v, want ErrNotFound", err)
		}
		if got, err := s.Get(k2); err != nil || string(got) != "two" {
			t.Fatalf("other key after Delete: %q, %v", got, err)
		}
	})
}

func TestMemory(t *testing.T) {
	testStore(t, NewMemory(), "", true)
}

func TestMemoryCopies(t *testing.T) {
	s := NewMemory()
	in := []byte("abc")
	s.Set("k", in)
	in[0] = 'X'
	out, _ := s.Get("k")
	out[1] = 'Y'
	again, _ := s.Get("k")
	if string(again) != "abc" {
		t.Fatalf("stored value aliased caller slices: %q", again)
	}
}

func TestOpenUnknown(t *testing.T) {
	_, err := Open("vault", Options{})
	if err == nil || !strings.Contains(err.Error(), `"vault"`) {
		t.Fatalf("Open(vault) err = %v, want unknown backend", err)
	}
}

func TestOpenMemory(t *testing.T) {
	s, err := Open("memory", Options{})
	if err != nil || s.Name() != "memory" {
		t.Fatalf("Open(memory) = %v, %v", s, err)
	}
}
