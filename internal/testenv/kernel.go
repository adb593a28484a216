package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stslib/stslib-proc/keychain/kernel"
)

// RemoveKernelRecords removes every record that stslib-proc runs over
// dataDir left in the kernel user keyring (the hot tier, and the durable
// kernel store under it), and returns how many. Tests that run stslib-proc
// call it when they end: the records would otherwise stay until they
// expire (up to 12 h), and a non-root developer's keyring quota is 20 KB.
// Where there is no kernel keyring it does nothing.
func RemoveKernelRecords(dataDir string) int {
	k, err := kernel.NewKernel()
	if err != nil {
		return 0
	}
	// A background refresh (refresh-ahead) may still be writing: wait
	// until its marker is gone, for 15 s at most.
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if ents, err := os.ReadDir(filepath.Join(dataDir, "refreshing")); err != nil || len(ents) == 0 {
			break
		}
	}
	keys, err := k.List()
	if err != nil {
		return 0
	}
	ns, n := kernel.Namespace(dataDir), 0
	for _, key := range keys {
		if strings.HasPrefix(key, ns) && k.Delete(key) == nil {
			n++
		}
	}
	return n
}

// RemoveStateKernelRecords removes the per-user key that stslib-proc runs
// with the state directory stateDir keep in the kernel keyring (the
// used-MFA-code HMAC key).
func RemoveStateKernelRecords(stateDir string) {
	if k, err := kernel.NewKernel(); err == nil {
		_ = k.Delete(kernel.StateKey(stateDir, "mfa-used-hmac-key")) // credproc.UserKeyName
	}
}
