package keychain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/stslib/stslib-proc/internal/keyrings"
	"github.com/stslib/stslib-proc/keychain/kernel"
)

// Service is the service name under which records are kept in the OS keyring.
const Service = "stslib-proc"

// ErrNotFound reports a key that is not in the store. It matches
// [fs.ErrNotExist] with errors.Is.
var ErrNotFound = fmt.Errorf("keychain: not found (%w)", fs.ErrNotExist)

// ErrUnsupported reports an operation or backend that is not available on
// this system or store. It matches [errors.ErrUnsupported].
var ErrUnsupported = fmt.Errorf("keychain: %w", errors.ErrUnsupported)

// Backends are the names [Open] takes, "auto" first (the one list of
// them lives in internal/keyrings).
var Backends = keyrings.Names

// ErrTimeout reports a keyring that did not answer in time.
var ErrTimeout = errors.New("keychain: timed out")

// Store is a keyed store of secret byte strings. It satisfies cache.Backend.
type Store interface {
	// Get returns the value for key, or an error matching ErrNotFound.
	Get(key string) ([]byte, error)
	// Set stores data under key, replacing any previous value.
	Set(key string, data []byte) error
	// Delete removes key; deleting a missing key reports ErrNotFound.
	Delete(key string) error
	// List returns the stored keys in no particular order, or an error
	// matching ErrUnsupported when the backend cannot enumerate them.
	List() ([]string, error)
	// Name is the backend name: "os", "file", "memory" or "kernel".
	Name() string
}

// Options configures [Open].
type Options struct {
	// Dir is the directory of the file backend (created 0700).
	Dir string
	// Passphrase returns the file backend's passphrase. It is called at most
	// once per Store after a successful unlock.
	Passphrase func() (string, error)
	// Notes receives one-line notes, such as the "auto" fallback to file.
	// Nil discards them.
	Notes io.Writer
	// ProbeTimeout bounds the "auto" Secret Service probe; 0 means 2 s.
	ProbeTimeout time.Duration
	// NoPassphrase tells "auto" that no passphrase can be had (none set,
	// no terminal): it then keeps records in the Linux kernel keyring,
	// in KernelDir's namespace, rather than a file keyring that could not
	// open.
	NoPassphrase bool
	// KernelDir is the data directory whose kernel-keyring namespace
	// ([kernel.Store]) holds those records: the same store as the cache's
	// hot tier, so each record is kept once.
	KernelDir string
}

// Open returns the store named name: "os", "file", "memory" or "auto".
// "auto" uses the OS keyring when it answers a probe within
// opts.ProbeTimeout and otherwise the file backend, writing a note to
// opts.Notes.
func Open(name string, opts Options) (Store, error) {
	switch name {
	case "os":
		return NewOS(), nil
	case "file":
		return NewFile(opts.Dir, opts.Passphrase)
	case "memory":
		return NewMemory(), nil
	case "auto", "":
		timeout := opts.ProbeTimeout
		if timeout <= 0 {
			timeout = 2 * time.Second
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		err := ProbeOS(ctx)
		if err == nil {
			return NewOS(), nil
		}
		reason := strings.ReplaceAll(err.Error(), "\n", " ")
		if opts.NoPassphrase {
			if k, kerr := kernel.NewStore(opts.KernelDir); kerr == nil {
				if opts.Notes != nil {
					fmt.Fprintf(opts.Notes, "note: OS keyring unavailable (%s) and no passphrase for the file keyring; keeping credentials in the kernel keyring until they expire\n", reason)
				}
				return kernelStore{k}, nil
			}
		}
		if opts.Notes != nil {
			fmt.Fprintf(opts.Notes, "note: OS keyring unavailable (%s); using encrypted files in %s\n", reason, opts.Dir)
		}
		return NewFile(opts.Dir, opts.Passphrase)
	default:
		return nil, fmt.Errorf("keychain: unknown backend %q (want os, file, memory or auto)", name)
	}
}

// ProbeOS reports whether the OS keyring answers: it looks up a probe key
// and waits at most until ctx is done. On Linux an empty
// DBUS_SESSION_BUS_ADDRESS means no Secret Service, so that no D-Bus daemon
// is ever auto-launched. A locked collection that would need an unlock prompt
// shows up as an error or a timeout.
func ProbeOS(ctx context.Context) error {
	if runtime.GOOS != "darwin" && runtime.GOOS != "windows" {
		addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
		if addr == "" || addr == "autolaunch:" {
			return errors.New("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is empty)")
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := keyringGet(Service, "probe")
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || errors.Is(err, errKeyringNotFound) {
			return nil
		}
		return fmt.Errorf("probe: %v", err)
	case <-ctx.Done():
		return fmt.Errorf("probe: no answer: %v", ctx.Err())
	}
}

// kernelStore is the kernel keyring as a durable store: memory only, never
// disk, until expiry or reboot. Records get their own lifetime through
// SetWithTTL (the cache calls it).
type kernelStore struct{ *kernel.Store }

func (kernelStore) List() ([]string, error) { return nil, ErrUnsupported }
