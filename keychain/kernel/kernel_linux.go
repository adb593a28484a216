package kernel

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// keyPerm grants the possessor and the owning user everything (view, read,
// write, search, link, setattr). Without the user bits a process whose
// session keyring does not link the user keyring (ssh, containers, cron)
// could not read keys another of the user's processes wrote.
const keyPerm = 0x3f3f0000

// Kernel is the Linux kernel's per-user keyring (KEY_SPEC_USER_KEYRING),
// used as a hot tier: it holds "user" keys described "stslib-proc:<key>",
// each with a timeout so the kernel drops it when the record expires. It
// survives across processes of the same UID but not reboots. Reads are two
// system calls, a few microseconds.
//
// The user's key quota is small (/proc/sys/kernel/keys/maxbytes, 20000
// bytes by default for non-root users), so Set may fail with a quota error;
// callers should treat this tier as best effort.
type Kernel struct {
	// DefaultTTL is the timeout Set gives keys; 0 means one hour.
	DefaultTTL time.Duration
}

// NewKernel returns the kernel keyring store, or an error matching
// ErrUnsupported when the keyring syscalls are unavailable (old kernels,
// seccomp filters in containers).
func NewKernel() (*Kernel, error) {
	if _, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_USER_KEYRING, true); err != nil {
		return nil, fmt.Errorf("kernel keyring: user keyring: %v: %w", err, ErrUnsupported)
	}
	return &Kernel{}, nil
}

// Name returns "kernel".
func (*Kernel) Name() string { return "kernel" }

func kernelGone(err error) bool {
	return errors.Is(err, unix.ENOKEY) || errors.Is(err, unix.EKEYEXPIRED) ||
		errors.Is(err, unix.EKEYREVOKED) || errors.Is(err, unix.EACCES)
}

func (*Kernel) find(op, key string) (int, error) {
	id, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", kernelPrefix+key, 0)
	if err != nil {
		if kernelGone(err) {
			return 0, fmt.Errorf("kernel keyring: %s %q: %w", op, key, ErrNotFound)
		}
		return 0, fmt.Errorf("kernel keyring: %s %q: %v", op, key, err)
	}
	return id, nil
}

// Get reads the key's payload.
func (k *Kernel) Get(key string) ([]byte, error) {
	id, err := k.find("get", key)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 4096)
	for {
		n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, id, buf, 0)
		if err != nil {
			if kernelGone(err) {
				return nil, fmt.Errorf("kernel keyring: get %q: %w", key, ErrNotFound)
			}
			return nil, fmt.Errorf("kernel keyring: get %q: %v", key, err)
		}
		if n <= len(buf) {
			return buf[:n], nil
		}
		buf = make([]byte, n)
	}
}

// Set stores data with the default TTL.
func (k *Kernel) Set(key string, data []byte) error {
	ttl := k.DefaultTTL
	if ttl <= 0 {
		ttl = kernelDefaultTTL
	}
	return k.SetWithTTL(key, data, ttl)
}

// SetWithTTL stores data and has the kernel drop it after ttl (rounded down
// to whole seconds, at least 1 s). A ttl <= 0 deletes the key instead.
func (k *Kernel) SetWithTTL(key string, data []byte, ttl time.Duration) error {
	if ttl <= 0 {
		if err := k.Delete(key); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		return nil
	}
	id, err := unix.AddKey("user", kernelPrefix+key, data, unix.KEY_SPEC_USER_KEYRING)
	if errors.Is(err, unix.EDQUOT) {
		return &QuotaError{Key: key, Size: len(data), Used: used(), Max: maxBytes()}
	}
	if err != nil {
		return fmt.Errorf("kernel keyring: set %q: %v", key, err)
	}
	if _, err := unix.KeyctlInt(unix.KEYCTL_SET_TIMEOUT, id, ttlSeconds(ttl), 0, 0); err != nil {
		_, _ = unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0)
		return fmt.Errorf("kernel keyring: set %q: timeout: %v", key, err)
	}
	if err := unix.KeyctlSetperm(id, keyPerm); err != nil {
		_, _ = unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0)
		return fmt.Errorf("kernel keyring: set %q: permissions: %v", key, err)
	}
	return nil
}

// Delete invalidates the key (unlinking it on kernels without
// KEYCTL_INVALIDATE).
func (k *Kernel) Delete(key string) error {
	id, err := k.find("delete", key)
	if err != nil {
		return err
	}
	if _, err := unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0); err != nil {
		if _, err2 := unix.KeyctlInt(unix.KEYCTL_UNLINK, id, unix.KEY_SPEC_USER_KEYRING, 0, 0); err2 != nil {
			if kernelGone(err2) {
				return fmt.Errorf("kernel keyring: delete %q: %w", key, ErrNotFound)
			}
			return fmt.Errorf("kernel keyring: delete %q: %v", key, err)
		}
	}
	return nil
}

// List returns the keys of this package's entries in the user keyring.
func (*Kernel) List() ([]string, error) {
	ring, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_USER_KEYRING, true)
	if err != nil {
		return nil, fmt.Errorf("kernel keyring: list: %v", err)
	}
	buf := make([]byte, 4096)
	var n int
	for {
		n, err = unix.KeyctlBuffer(unix.KEYCTL_READ, ring, buf, 0)
		if err != nil {
			return nil, fmt.Errorf("kernel keyring: list: %v", err)
		}
		if n <= len(buf) {
			break
		}
		buf = make([]byte, n)
	}
	var keys []string
	for i := 0; i+4 <= n; i += 4 {
		id := int(int32(uint32(buf[i]) | uint32(buf[i+1])<<8 | uint32(buf[i+2])<<16 | uint32(buf[i+3])<<24))
		desc, err := unix.KeyctlString(unix.KEYCTL_DESCRIBE, id)
		if err != nil {
			continue // expired or not ours to see
		}
		// "type;uid;gid;perm;description"
		f := strings.SplitN(desc, ";", 5)
		if len(f) != 5 || f[0] != "user" {
			continue
		}
		if k, ok := strings.CutPrefix(f[4], kernelPrefix); ok {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// QuotaError reports that the user's kernel key quota is full.
type QuotaError struct {
	Key       string
	Size      int // bytes of the record that did not fit
	Used, Max int // the user's quota in bytes; -1 when unknown
}

func (e *QuotaError) Error() string {
	if e.Used < 0 || e.Max < 0 {
		return fmt.Sprintf("kernel key quota full (a %d-byte record did not fit; see /proc/sys/kernel/keys/maxbytes)", e.Size)
	}
	return fmt.Sprintf("kernel key quota full (%d of %d bytes used; a %d-byte record did not fit; see /proc/sys/kernel/keys/maxbytes)", e.Used, e.Max, e.Size)
}

// used reads this user's key bytes from /proc/key-users
// ("UID: USAGE NKEYS/NIKEYS QNKEYS/MAXKEYS QNBYTES/MAXBYTES").
func used() int {
	u, _ := quota()
	return u
}

func maxBytes() int {
	_, m := quota()
	return m
}

func quota() (used, max int) {
	b, err := os.ReadFile("/proc/key-users")
	if err != nil {
		return -1, -1
	}
	uid := strconv.Itoa(os.Getuid()) + ":"
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) != 5 || f[0] != uid {
			continue
		}
		u, m, ok := strings.Cut(f[4], "/")
		if !ok {
			break
		}
		a, err1 := strconv.Atoi(u)
		b, err2 := strconv.Atoi(m)
		if err1 != nil || err2 != nil {
			break
		}
		return a, b
	}
	return -1, -1
}
