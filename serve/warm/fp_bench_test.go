package warm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkFingerprint is the warm path's check that no input changed:
// it reads the content of the three files (a few KiB each) and hashes
// them with the resolution variables.
func BenchmarkFingerprint(b *testing.B) {
	home := b.TempDir()
	os.MkdirAll(filepath.Join(home, ".aws"), 0o700)
	os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(strings.Repeat("[profile x]\nrole_arn = arn:aws:iam::1:role/x\n", 100)), 0o600)
	os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte("[x]\naws_access_key_id = AKIA\naws_secret_access_key = s\n"), 0o600)
	env := Env{Getenv: func(string) string { return "" }, Home: home, Now: time.Now}
	b.ReportAllocs()
	for b.Loop() {
		Fingerprint(env)
	}
}

// TestFingerprintSeesContent: two configs of the same size and the same
// modification time (cp -p from templates, a tarball, a file system with
// 1-second times) give different fingerprints, and so does every variable
// that changes resolution.
func TestFingerprintSeesContent(t *testing.T) {
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".aws"), 0o700)
	cfg := filepath.Join(home, ".aws", "config")
	vars := map[string]string{}
	env := Env{Getenv: func(k string) string { return vars[k] }, Home: home, Now: time.Now}
	when := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	write := func(s string) {
		os.WriteFile(cfg, []byte(s), 0o600)
		os.Chtimes(cfg, when, when)
	}
	write("[profile R]\nrole_arn = arn:aws:iam::111111111111:role/R\n")
	a := Fingerprint(env)
	write("[profile R]\nrole_arn = arn:aws:iam::222222222222:role/R\n")
	if b := Fingerprint(env); a == b || a == "" {
		t.Fatalf("same size, same mtime, other account: fingerprint %q unchanged", a)
	}
	base := Fingerprint(env)
	for _, k := range fingerprintEnv {
		vars[k] = "changed"
		if Fingerprint(env) == base {
			t.Errorf("%s changed, fingerprint did not", k)
		}
		delete(vars, k)
	}
	if Fingerprint(env) != base {
		t.Error("fingerprint is not stable")
	}
}
