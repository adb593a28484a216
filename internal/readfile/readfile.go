package readfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Conditions callers can branch on with errors.Is. A missing file is
// reported as fs.ErrNotExist.
var (
	// ErrNotRegular: the path is a FIFO, a socket, a device or a directory.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge: the file is larger than the limit.
	ErrTooLarge = errors.New("file too large")
)

// Read returns the whole content of the regular file at path, of at most
// limit bytes (limit must be positive).
//
// It stats the path first and refuses anything but a regular file before
// opening it; on unix it opens with O_NONBLOCK, so a FIFO swapped in after
// the stat cannot block, and it checks the opened file again. Errors are one
// line naming the file and what it is ("is a FIFO", "is larger than 4 MiB");
// a missing file's error satisfies errors.Is(err, fs.ErrNotExist).
func Read(path string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := check(path, st, limit); err != nil {
		return nil, err
	}
	return readOpen(path, limit)
}

// readOpen opens path without blocking, checks what was opened and reads
// at most limit bytes of it.
func readOpen(path string, limit int64) ([]byte, error) {
	f, err := open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := check(path, st, limit); err != nil {
		return nil, err
	}
	// The file may grow after the fstat: read one byte past the limit to
	// tell.
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, &fileError{path, "is larger than " + size(limit), ErrTooLarge}
	}
	return data, nil
}

func check(path string, st fs.FileInfo, limit int64) error {
	if what := kind(st.Mode()); what != "" {
		return &fileError{path, "is " + what + ", not a regular file", ErrNotRegular}
	}
	if st.Size() > limit {
		return &fileError{path, "is larger than " + size(limit), ErrTooLarge}
	}
	return nil
}

// kind names what a non-regular file is, "" for a regular file.
func kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return ""
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	default:
		return "a special file"
	}
}

// size prints a limit for people: "4 MiB", "64 KiB" or "100 bytes".
func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

// fileError is "PATH: is a FIFO, not a regular file"; errors.Is matches its
// sentinel.
type fileError struct {
	path, what string
	sentinel   error
}

func (e *fileError) Error() string        { return e.path + ": " + e.what }
func (e *fileError) Is(target error) bool { return target == e.sentinel }
