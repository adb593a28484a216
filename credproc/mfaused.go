package credproc

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/stslib/stslib-proc/internal/atomicfile"
)

// STS refuses a TOTP code that was already used, and so does every
// emulator worth the name. stslib-proc never sends one twice: it remembers
// the last code it sent for each device, in this process and, for other
// processes, as a salted hash in the cache directory (a used code is
// worthless, and the hash expires with the code's validity).

// codeReuseWindow covers the current TOTP step and the ±1 step STS
// accepts.
const codeReuseWindow = 90 * time.Second

type usedCode struct {
	Hash string `json:"hash"`
	At   int64  `json:"at"`
}

func codeHash(serial, code string) string {
	sum := sha256.Sum256([]byte("stslib-proc mfa\x00" + serial + "\x00" + code))
	return hex.EncodeToString(sum[:])
}

func (c *Core) usedPath(serial string) string {
	if c.opts.Cache == nil || c.opts.Cache.Dir == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(serial))
	return filepath.Join(c.opts.Cache.Dir, "mfa", hex.EncodeToString(sum[:8])+".json")
}

// codeUsed reports whether code was sent for serial recently.
func (c *Core) codeUsed(serial, code string) bool {
	c.mu.Lock()
	used := c.usedMFA[serial] == code
	c.mu.Unlock()
	if used {
		return true
	}
	p := c.usedPath(serial)
	if p == "" {
		return false
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return false
	}
	var u usedCode
	if json.Unmarshal(b, &u) != nil {
		return false
	}
	return u.Hash == codeHash(serial, code) && c.opts.Now().Sub(time.Unix(u.At, 0)) < codeReuseWindow
}

// markUsed records that code is about to be sent for serial.
func (c *Core) markUsed(serial, code string) {
	c.mu.Lock()
	c.usedMFA[serial] = code
	c.mu.Unlock()
	p := c.usedPath(serial)
	if p == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return
	}
	b, _ := json.Marshal(usedCode{Hash: codeHash(serial, code), At: c.opts.Now().Unix()})
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return
	}
	_, werr := f.Write(b)
	if cerr := f.Close(); werr == nil && cerr == nil && os.Rename(f.Name(), p) == nil {
		atomicfile.RemoveStale(filepath.Dir(p), ".tmp-*", time.Now()) // a killed writer's
		return
	}
	os.Remove(f.Name())
}
