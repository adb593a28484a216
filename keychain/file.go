package keychain

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"filippo.io/age"

	"github.com/stslib/stslib-proc/internal/atomicfile"
)

const (
	fileIdentity  = "identity.key"  // X25519 identity, age-encrypted to the passphrase
	fileRecipient = "recipient.txt" // its public key, so writes need no passphrase
	fileExt       = ".age"
	fileMaxKey    = 120 // bytes; hex doubles it and names are limited to 255
)

// File stores each record as an age-encrypted file named hex(key)+".age" in
// one directory (0700; files 0600, written to a temp file and renamed).
//
// Records are encrypted to an X25519 identity generated on first use; that
// identity is kept in identity.key, encrypted with the passphrase through
// age's scrypt recipient. So:
//
//   - Set needs no passphrase once the identity exists (it encrypts to
//     recipient.txt, the public key);
//   - the first Get of a File pays one scrypt derivation (about 1 s at age's
//     default work factor) and then decrypts any number of records with
//     the cached identity, without asking for the passphrase again;
//   - every file stays readable with the age CLI: decrypt identity.key with
//     the passphrase, then the records with that identity.
//
// The passphrase func is called only when the identity must be created or
// unlocked, and again only after a failed unlock.
type File struct {
	dir        string
	passphrase func() (string, error)

	// WorkFactor is the scrypt log2 work factor used when creating the
	// identity; 0 means age's default (18, about 1 s). Lower values make the
	// one unlock per process cheaper and a stolen directory cheaper to
	// brute-force by the same factor; tests use low values to stay fast.
	WorkFactor int

	mu  sync.Mutex
	id  *age.X25519Identity
	rcp *age.X25519Recipient
}

// NewFile returns a File store in dir, creating dir with mode 0700. It does
// not ask for the passphrase.
func NewFile(dir string, passphrase func() (string, error)) (*File, error) {
	if dir == "" {
		return nil, errors.New("keychain: file: no directory given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("keychain: file: %v", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("keychain: file: %v", err)
	}
	return &File{dir: dir, passphrase: passphrase}, nil
}

// Name returns "file".
func (*File) Name() string { return "file" }

// Dir returns the store's directory.
func (s *File) Dir() string { return s.dir }

func (s *File) path(key string) (string, error) {
	if len(key) == 0 || len(key) > fileMaxKey {
		return "", fmt.Errorf("keychain: file: key %q: length must be 1..%d bytes", key, fileMaxKey)
	}
	return filepath.Join(s.dir, hex.EncodeToString([]byte(key))+fileExt), nil
}

func (s *File) getPassphrase() (string, error) {
	if s.passphrase == nil {
		return "", fmt.Errorf("keychain: file %s: no passphrase available", s.dir)
	}
	p, err := s.passphrase()
	if err != nil {
		return "", fmt.Errorf("keychain: file %s: passphrase: %w", s.dir, err)
	}
	if p == "" {
		return "", fmt.Errorf("keychain: file %s: empty passphrase", s.dir)
	}
	return p, nil
}

// recipient returns the public key records are encrypted to, creating the
// identity when the directory has none. Called with s.mu held.
func (s *File) recipient() (*age.X25519Recipient, error) {
	if s.rcp != nil {
		return s.rcp, nil
	}
	// recipient.txt is trusted only next to its identity: encrypting to a
	// key whose identity is gone would make records unreadable.
	if _, err := os.Stat(filepath.Join(s.dir, fileIdentity)); err != nil {
		id, err := s.identity()
		if err != nil {
			return nil, err
		}
		return id.Recipient(), nil
	}
	if b, err := os.ReadFile(filepath.Join(s.dir, fileRecipient)); err == nil {
		if r, err := age.ParseX25519Recipient(strings.TrimSpace(string(b))); err == nil {
			s.rcp = r
			return r, nil
		}
	}
	// No usable recipient file: unlock (or create) the identity instead.
	id, err := s.identity()
	if err != nil {
		return nil, err
	}
	return id.Recipient(), nil
}

// identity returns the unlocked identity, creating it on first use. Called
// with s.mu held.
func (s *File) identity() (*age.X25519Identity, error) {
	if s.id != nil {
		return s.id, nil
	}
	idPath := filepath.Join(s.dir, fileIdentity)
	enc, err := os.ReadFile(idPath)
	if errors.Is(err, fs.ErrNotExist) {
		if err := s.create(idPath); err != nil {
			return nil, err
		}
		if s.id != nil {
			return s.id, nil
		}
		enc, err = os.ReadFile(idPath) // another process won the race
	}
	if err != nil {
		return nil, fmt.Errorf("keychain: file: %v", err)
	}
	pass, err := s.getPassphrase()
	if err != nil {
		return nil, err
	}
	sid, err := age.NewScryptIdentity(pass)
	if err != nil {
		return nil, fmt.Errorf("keychain: file %s: %v", s.dir, err)
	}
	r, err := age.Decrypt(bytes.NewReader(enc), sid)
	if err != nil {
		var nomatch *age.NoIdentityMatchError
		if errors.As(err, &nomatch) {
			return nil, fmt.Errorf("keychain: file %s: wrong passphrase (cannot decrypt %s)", s.dir, fileIdentity)
		}
		return nil, fmt.Errorf("keychain: file %s: %s is corrupt: %v", s.dir, fileIdentity, err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("keychain: file %s: %s is corrupt: %v", s.dir, fileIdentity, err)
	}
	id, err := age.ParseX25519Identity(strings.TrimSpace(string(plain)))
	if err != nil {
		return nil, fmt.Errorf("keychain: file %s: %s holds no valid identity", s.dir, fileIdentity)
	}
	s.id, s.rcp = id, id.Recipient()
	_ = s.writeRecipient()
	return id, nil
}

// create generates an identity and links it into place unless another
// process got there first (then s.id stays nil).
func (s *File) create(idPath string) error {
	pass, err := s.getPassphrase()
	if err != nil {
		return err
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return fmt.Errorf("keychain: file: %v", err)
	}
	sr, err := age.NewScryptRecipient(pass)
	if err != nil {
		return fmt.Errorf("keychain: file: %v", err)
	}
	if s.WorkFactor > 0 {
		sr.SetWorkFactor(s.WorkFactor)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, sr)
	if err != nil {
		return fmt.Errorf("keychain: file: %v", err)
	}
	io.WriteString(w, id.String()+"\n")
	if err := w.Close(); err != nil {
		return fmt.Errorf("keychain: file: %v", err)
	}
	// Create fails if identity.key exists, so concurrent first uses agree
	// on one identity.
	if err := atomicfile.Create(idPath, buf.Bytes(), 0o600, ""); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		return fmt.Errorf("keychain: file: %v", err)
	}
	s.id, s.rcp = id, id.Recipient()
	return s.writeRecipient()
}

func (s *File) writeRecipient() error {
	return s.writeAtomic(filepath.Join(s.dir, fileRecipient), []byte(s.rcp.String()+"\n"))
}

func (s *File) writeAtomic(path string, data []byte) error {
	if err := atomicfile.Write(path, data, 0o600, ""); err != nil {
		return fmt.Errorf("keychain: file: %v", err)
	}
	return nil
}

// Get decrypts the record for key. The first Get unlocks the identity.
func (s *File) Get(key string) ([]byte, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	enc, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("keychain: file: get %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("keychain: file: get %q: %v", key, err)
	}
	s.mu.Lock()
	id, err := s.identity()
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	r, err := age.Decrypt(bytes.NewReader(enc), id)
	if err != nil {
		return nil, fmt.Errorf("keychain: file: get %q: %s is corrupt or foreign: %v", key, filepath.Base(p), err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("keychain: file: get %q: %s is corrupt: %v", key, filepath.Base(p), err)
	}
	return data, nil
}

// Set encrypts data to the store's identity and writes it atomically.
func (s *File) Set(key string, data []byte) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	s.mu.Lock()
	rcp, err := s.recipient()
	s.mu.Unlock()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, rcp)
	if err != nil {
		return fmt.Errorf("keychain: file: set %q: %v", key, err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("keychain: file: set %q: %v", key, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("keychain: file: set %q: %v", key, err)
	}
	return s.writeAtomic(p, buf.Bytes())
}

// Delete removes the file for key.
func (s *File) Delete(key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("keychain: file: delete %q: %w", key, ErrNotFound)
		}
		return fmt.Errorf("keychain: file: delete %q: %v", key, err)
	}
	return nil
}

// List returns the keys of the records in the directory. It needs no
// passphrase.
func (s *File) List() ([]string, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("keychain: file: list: %v", err)
	}
	var keys []string
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), fileExt)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		k, err := hex.DecodeString(name)
		if err != nil {
			continue
		}
		keys = append(keys, string(k))
	}
	return keys, nil
}
