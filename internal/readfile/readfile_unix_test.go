//go:build unix

package readfile

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// specialFiles are the unix special files Read must refuse at once.
func specialFiles(t *testing.T, dir string) []readCase {
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return []readCase{
		{name: "FIFO", path: fifo, limit: 1 << 20, wantIs: ErrNotRegular, wantMsg: "is a FIFO, not a regular file"},
		{name: "socket", path: sock, limit: 1 << 20, wantIs: ErrNotRegular, wantMsg: "is a socket, not a regular file"},
		{name: "character device", path: os.DevNull, limit: 1 << 20, wantIs: ErrNotRegular, wantMsg: "is a character device, not a regular file"},
	}
}

// TestReadOpenFIFO is the race after the stat: a FIFO swapped in for the
// regular file that was checked. Opening it must not wait for a writer.
func TestReadOpenFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "config")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := readOpen(fifo, 1<<20)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotRegular) {
			t.Fatalf("readOpen(FIFO) = %v, want ErrNotRegular", err)
		}
	case <-time.After(5 * time.Second):
		// Unblock the open so the goroutine ends.
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		t.Fatal("opening a FIFO blocked: it must be opened with O_NONBLOCK")
	}
}
