package readfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readCase is a case of TestRead.
type readCase struct {
	name    string
	path    string
	limit   int64
	wantLen int
	wantIs  error
	wantMsg string // the whole message after "PATH: "
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, bytes.Repeat([]byte("a"), n), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const limit = 4 << 20
	tests := []readCase{
		{name: "regular", path: write("config", 10), limit: limit, wantLen: 10},
		{name: "empty", path: write("empty", 0), limit: limit, wantLen: 0},
		{name: "exactly the limit", path: write("full", 100), limit: 100, wantLen: 100},
		{name: "one byte over", path: write("over", 101), limit: 100, wantIs: ErrTooLarge, wantMsg: "is larger than 100 bytes"},
		{name: "over 4 MiB", path: write("big", limit+1), limit: limit, wantIs: ErrTooLarge, wantMsg: "is larger than 4 MiB"},
		{name: "over 64 KiB", path: write("mid", 64<<10+1), limit: 64 << 10, wantIs: ErrTooLarge, wantMsg: "is larger than 64 KiB"},
		{name: "directory", path: dir, limit: limit, wantIs: ErrNotRegular, wantMsg: "is a directory, not a regular file"},
		{name: "missing", path: filepath.Join(dir, "missing"), limit: limit, wantIs: fs.ErrNotExist},
	}
	tests = append(tests, specialFiles(t, dir)...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := Read(tt.path, tt.limit)
			if tt.wantIs == nil {
				if err != nil {
					t.Fatalf("Read: %v", err)
				}
				if len(data) != tt.wantLen {
					t.Fatalf("read %d bytes, want %d", len(data), tt.wantLen)
				}
				return
			}
			if !errors.Is(err, tt.wantIs) {
				t.Fatalf("Read error %v, want errors.Is %v", err, tt.wantIs)
			}
			if data != nil {
				t.Errorf("Read returned %d bytes with an error", len(data))
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.Contains(msg, tt.path) {
				t.Errorf("error %q: want one line naming %s", msg, tt.path)
			}
			if tt.wantMsg != "" && msg != tt.path+": "+tt.wantMsg {
				t.Errorf("error %q, want %q", msg, tt.path+": "+tt.wantMsg)
			}
		})
	}
}

func TestReadFollowsSymlinks(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("[default]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symlinks:", err)
	}
	data, err := Read(link, 100)
	if err != nil || string(data) != "[default]\n" {
		t.Fatalf("Read(symlink) = %q, %v; want the target's content (dotfile managers link config files)", data, err)
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{
		4 << 20: "4 MiB", 1 << 20: "1 MiB", 64 << 10: "64 KiB", 1<<20 + 1: "1048577 bytes", 1000: "1000 bytes", 1: "1 bytes",
	} {
		if got := size(n); got != want {
			t.Errorf("size(%d) = %q, want %q", n, got, want)
		}
	}
}
