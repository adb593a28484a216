package main

import (
	"strings"
	"testing"
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
