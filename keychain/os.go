package keychain

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/zalando/go-keyring"
)

// Indirections over go-keyring, so tests can stand in a keyring that
// hangs.
var (
	keyringGet         = keyring.Get
	keyringSet         = keyring.Set
	keyringDelete      = keyring.Delete
	errKeyringNotFound = keyring.ErrNotFound
)

// DefaultOSTimeout bounds each OS keyring call: a Secret Service that
// stops answering (or waits for an unlock prompt nobody sees) must not
// hang a credential_process call that holds a refresh lock.
const DefaultOSTimeout = 5 * time.Second

const (
	// osChunk is the largest string stored in one keyring item, safely
	// below Windows' 2560-byte and macOS' ~3000-byte limits.
	osChunk = 1900
	// osMagic starts the first item of every record.
	osMagic = "stslib1"
	// osMaxChunks bounds the chunk count read from a (possibly corrupt) header.
	osMaxChunks = 1000
)

// OS is the operating system keyring through go-keyring under [Service].
//
// A record is base64-encoded (keyrings are not all binary-safe) and split
// into items of at most 1900 characters: the item named key holds the header
// "stslib1:<count>:<sha256 prefix>:" and the first piece, and items
// "key#1", "key#2"… hold the rest. Reads check the count and the checksum, so
// a torn or foreign record is reported as an error, never returned.
//
// The OS keyring cannot list items, so List reports ErrUnsupported; the
// cache's index lists keys instead.
type OS struct {
	// Timeout bounds each keyring call; 0 means DefaultOSTimeout.
	Timeout time.Duration
}

// NewOS returns the OS keyring store. It does not contact the keyring.
func NewOS() *OS { return &OS{} }

// call runs one go-keyring call under the deadline. On timeout the call is
// left to finish on its own; its result is dropped.
func (s *OS) call(op, key string, fn func() (string, error)) (string, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultOSTimeout
	}
	type result struct {
		v   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn()
		done <- result{v, err}
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r := <-done:
		return r.v, r.err
	case <-t.C:
		return "", fmt.Errorf("no answer within %v (is the keyring locked, or its service hung?): %w", timeout, ErrTimeout)
	}
}

// The go-keyring functions are read before the goroutine starts: a call
// left running after its deadline must not read them later.

func (s *OS) get(key string) (string, error) {
	get := keyringGet
	return s.call("get", key, func() (string, error) { return get(Service, key) })
}

func (s *OS) set(key, v string) error {
	set := keyringSet
	_, err := s.call("set", key, func() (string, error) { return "", set(Service, key, v) })
	return err
}

func (s *OS) del(key string) error {
	del := keyringDelete
	_, err := s.call("delete", key, func() (string, error) { return "", del(Service, key) })
	return err
}

// Name returns "os".
func (*OS) Name() string { return "os" }

func osPart(key string, i int) string {
	if i == 0 {
		return key
	}
	return key + "#" + strconv.Itoa(i)
}

func osSum(b64 string) string {
	s := sha256.Sum256([]byte(b64))
	return hex.EncodeToString(s[:8])
}

// header parses the first item into chunk count, checksum and first piece.
func osHeader(key, v string) (n int, sum, first string, err error) {
	parts := strings.SplitN(v, ":", 4)
	if len(parts) != 4 || parts[0] != osMagic {
		return 0, "", "", fmt.Errorf("keychain: os: key %q: not a stslib-proc record", key)
	}
	n, err = strconv.Atoi(parts[1])
	if err != nil || n < 1 || n > osMaxChunks {
		return 0, "", "", fmt.Errorf("keychain: os: key %q: bad chunk count", key)
	}
	return n, parts[2], parts[3], nil
}

func osErr(op, key string, err error) error {
	if errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("keychain: os: %s %q: %w", op, key, ErrNotFound)
	}
	return fmt.Errorf("keychain: os: %s %q: %w", op, key, err)
}

// Get reads and reassembles the record for key.
func (s *OS) Get(key string) ([]byte, error) {
	v, err := s.get(key)
	if err != nil {
		return nil, osErr("get", key, err)
	}
	n, sum, first, err := osHeader(key, v)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(first)
	for i := 1; i < n; i++ {
		p, err := s.get(osPart(key, i))
		if err != nil {
			if errors.Is(err, keyring.ErrNotFound) {
				return nil, fmt.Errorf("keychain: os: get %q: chunk %d of %d missing", key, i, n)
			}
			return nil, osErr("get", osPart(key, i), err)
		}
		b.WriteString(p)
	}
	if osSum(b.String()) != sum {
		return nil, fmt.Errorf("keychain: os: get %q: checksum mismatch (record torn or corrupt)", key)
	}
	data, err := base64.StdEncoding.DecodeString(b.String())
	if err != nil {
		return nil, fmt.Errorf("keychain: os: get %q: bad encoding", key)
	}
	return data, nil
}

// oldCount returns how many items the record for key has now, 0 if none.
func (s *OS) oldCount(key string) (int, error) {
	v, err := s.get(key)
	if errors.Is(err, keyring.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, osErr("get", key, err)
	}
	n, _, _, err := osHeader(key, v)
	if err != nil {
		return 1, nil // foreign or corrupt: only the first item is known
	}
	return n, nil
}

// Set stores data under key, writing continuation items first and the header
// item last, then removing continuation items left over from a longer value.
func (s *OS) Set(key string, data []byte) error {
	if strings.Contains(key, "#") {
		return fmt.Errorf("keychain: os: set %q: key must not contain '#'", key)
	}
	old, err := s.oldCount(key)
	if err != nil {
		return err
	}
	enc := base64.StdEncoding.EncodeToString(data)
	var pieces []string
	for len(enc) > osChunk {
		pieces = append(pieces, enc[:osChunk])
		enc = enc[osChunk:]
	}
	pieces = append(pieces, enc)
	if len(pieces) > osMaxChunks {
		return fmt.Errorf("keychain: os: set %q: value too large (%d bytes)", key, len(data))
	}
	for i := len(pieces) - 1; i >= 1; i-- {
		if err := s.set(osPart(key, i), pieces[i]); err != nil {
			return osErr("set", osPart(key, i), err)
		}
	}
	head := fmt.Sprintf("%s:%d:%s:%s", osMagic, len(pieces), osSum(strings.Join(pieces, "")), pieces[0])
	if err := s.set(key, head); err != nil {
		return osErr("set", key, err)
	}
	for i := len(pieces); i < old; i++ {
		if err := s.del(osPart(key, i)); err != nil && !errors.Is(err, keyring.ErrNotFound) {
			return osErr("delete", osPart(key, i), err)
		}
	}
	return nil
}

// Delete removes every item of the record for key.
func (s *OS) Delete(key string) error {
	n, err := s.oldCount(key)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("keychain: os: delete %q: %w", key, ErrNotFound)
	}
	for i := n - 1; i >= 1; i-- {
		if err := s.del(osPart(key, i)); err != nil && !errors.Is(err, keyring.ErrNotFound) {
			return osErr("delete", osPart(key, i), err)
		}
	}
	if err := s.del(key); err != nil {
		return osErr("delete", key, err)
	}
	return nil
}

// List reports ErrUnsupported: go-keyring cannot enumerate items, and this
// store keeps no index of its own.
func (*OS) List() ([]string, error) {
	return nil, fmt.Errorf("keychain: os: list: %w", ErrUnsupported)
}
