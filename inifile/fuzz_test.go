package inifile

import (
	"errors"
	"math/rand/v2"
	"testing"
)

func FuzzSplice(f *testing.F) {
	g := &gen{r: rand.New(rand.NewPCG(1, 2))}
	for range 20 {
		f.Add(g.file(), "sts-dev", uint8(0))
	}
	f.Add([]byte("[a]\r\nk = v"), "sts-dev", uint8(1))
	f.Add([]byte(ownedOld+"  cont\n\n# c\n[b]\nk=v"), "sts-dev", uint8(2))
	f.Add([]byte("\ufeff[sts-dev]\nx_stslib_managed=true\n"), "sts-dev", uint8(3))
	f.Fuzz(func(t *testing.T, src []byte, name string, op uint8) {
		_, _ = Owned(src)
		_ = Diff("f", src, append(src, 'x'))
		var set []Section
		var remove []string
		if op&2 == 0 {
			set = []Section{{Name: name, Keys: testKeys}}
		} else {
			remove = []string{name}
		}
		res, err := Splice(src, set, remove, SpliceOptions{Force: op&1 == 1})
		if err != nil {
			var pe *ParseError
			if ValidName(name) == nil && !errors.As(err, &pe) && !errors.Is(err, ErrNotOwned) && !errors.Is(err, ErrUnsafe) {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		checkPreserved(t, src, res, set, remove)
		checkWritten(t, res, set, remove)
		if op&2 == 0 {
			owned, err := Owned(res)
			if err != nil {
				t.Fatalf("Owned(result): %v", err)
			}
			found := false
			for _, n := range owned {
				found = found || n == name
			}
			if !found {
				t.Fatalf("Owned(result) = %q lacks %q", owned, name)
			}
		}
	})
}

func FuzzValidName(f *testing.F) {
	for _, s := range []string{"sts-dev", "profile x", "a]b", " a", "#x", "DEFAULT", "\u00a0a", "a\x1cb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if ValidName(name) != nil {
			return
		}
		// A valid name must round-trip through a header in every reader.
		src := []byte("[other]\nk = v\n")
		res, err := Splice(src, []Section{{Name: name, Keys: testKeys}}, nil, SpliceOptions{})
		if err != nil {
			t.Fatalf("valid name %q cannot be written: %v", name, err)
		}
		checkWritten(t, res, []Section{{Name: name, Keys: testKeys}}, nil)
		d, err := Parse(res)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if _, ok := d.Section(name); !ok {
			t.Fatalf("Parse lacks section %q", name)
		}
	})
}
