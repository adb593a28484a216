package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stslib/stslib-proc/keychain"
)

func TestOneLine(t *testing.T) {
	tests := map[string]string{
		"profile Code\x1b[2J\aDeploy": `profile Code\x1b[2J\aDeploy`,
		"plain text, kept":            "plain text, kept",
		"two\nlines":                  "two; lines",
		"ünïcode ok":                  "ünïcode ok",
	}
	for in, want := range tests {
		if got := oneLine(in); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
	long := "profile " + strings.Repeat("L", 100000) + " not found in /x/config"
	got := oneLine(long)
	if len(got) > maxErrorLine+64 || !strings.HasSuffix(got, " not found in /x/config") || !strings.Contains(got, "bytes cut") {
		t.Errorf("long message: %d bytes: %.200q", len(got), got)
	}
}

func TestEscapeControls(t *testing.T) {
	var b strings.Builder
	w := escapeControls{&b}
	n, err := w.Write([]byte("warning: profile a\x1b[2Jb\tc\n"))
	if err != nil || n != 26 {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if got, want := b.String(), "warning: profile a\\x1b[2Jb\tc\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestKeyringEnumIsTheBackendList: kong's enum for --keyring is a
// literal; it must name keychain.Backends (and "", the default).
func TestKeyringEnumIsTheBackendList(t *testing.T) {
	f, ok := reflect.TypeOf(cli{}).FieldByName("Keyring")
	if !ok {
		t.Fatal("no Keyring flag")
	}
	if got, want := f.Tag.Get("enum"), strings.Join(keychain.Backends, ",")+","; got != want {
		t.Errorf("--keyring enum %q, want %q", got, want)
	}
}
