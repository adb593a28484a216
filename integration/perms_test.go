//go:build integration

package integration_test

import (
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/stsemu"
	"github.com/stslib/stslib-proc/internal/testenv"
)

// umask0 runs stslib-proc under umask 000.
func umask0(w *e2e.World, args ...string) e2e.Result {
	w.T.Helper()
	return w.Exec(nil, "/bin/sh", append([]string{"-c", `umask 000; exec "$0" "$@"`, w.Bin}, args...)...)
}

// TestPermissions: under umask 000, login, a role call and sync create the
// credentials file 0600 and every directory of the data directory (index,
// locks, alias, keyring) 0700 with 0600 files. sync refuses a credentials
// file in a world-writable directory without the sticky bit, and one owned
// by another user, and writes nothing.
func TestPermissions(t *testing.T) {
	testenv.Tool(t, "/usr/bin/oathtool")
	t.Parallel()
	roles := []e2e.RoleProfile{{Name: "CodeDeployRole-dev", Role: "CodeDeployRole"}, {Name: "S3ReadOnlyRole-dev", Role: "S3ReadOnlyRole"}}
	checked, failures := 0, 0

	t.Run("umask 000", func(t *testing.T) {
		w := world(t, e2e.EmulatorConfig(nil, nil))
		w.WriteProfiles(e2e.DefaultSource(), roles, "")
		// The source keys move to the config file (botocore reads them
		// there too) so sync creates the credentials file.
		cfg := strings.Replace(w.Read(w.ConfigFile), "region = us-east-1\n",
			"region = us-east-1\naws_access_key_id = "+stsemu.DefaultAccessKeyID+"\naws_secret_access_key = "+stsemu.DefaultSecretAccessKey+"\n", 1)
		w.Write(w.ConfigFile, cfg)
		keysInConfig := true
		if r := umask0(w, "login", "BobSmith"); r.Code != 0 {
			// Keys only in the credentials file: keep it and check its mode
			// after sync rewrote it.
			t.Logf("source keys in the config file are not used (%s); keeping them in the credentials file", strings.TrimSpace(r.Stderr))
			keysInConfig = false
			w.WriteProfiles(e2e.DefaultSource(), roles, "")
			if err := os.Chmod(w.CredentialsFile, 0o644); err != nil {
				t.Fatal(err)
			}
			if r := umask0(w, "login", "BobSmith"); r.Code != 0 {
				t.Fatalf("login under umask 000: %v", r)
			}
		} else if err := os.Remove(w.CredentialsFile); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{roles[0].Name}, {"sync"}, {roles[1].Name}} {
			if r := umask0(w, args...); r.Code != 0 {
				t.Fatalf("under umask 000: %v", r)
			}
		}
		want := []struct {
			path string
			mode fs.FileMode
		}{{w.CredentialsFile, 0o600}, {w.DataDir, 0o700}}
		for _, sub := range []string{"index", "locks", "alias", "keyring"} {
			want = append(want, struct {
				path string
				mode fs.FileMode
			}{filepath.Join(w.DataDir, sub), 0o700})
		}
		for _, c := range want {
			checked++
			st, err := os.Stat(c.path)
			if err != nil {
				failures++
				t.Errorf("%s: %v", c.path, err)
				continue
			}
			if st.Mode().Perm() != c.mode {
				failures++
				t.Errorf("%s: mode %v, want %v (keys in config file: %v)", c.path, st.Mode().Perm(), c.mode, keysInConfig)
			}
		}
		_ = filepath.WalkDir(w.DataDir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				t.Error(err)
				return nil
			}
			st, err := d.Info()
			if err != nil {
				return nil
			}
			want := fs.FileMode(0o600)
			if d.IsDir() {
				want = 0o700
			}
			checked++
			if st.Mode().Perm() != want {
				failures++
				t.Errorf("%s: mode %v, want %v", p, st.Mode().Perm(), want)
			}
			return nil
		})
		if st, err := os.Stat(w.CredentialsFile + ".lock"); err == nil {
			checked++
			if st.Mode().Perm()&0o077 != 0 {
				failures++
				t.Errorf("%s: mode %v, want no access for group and others", w.CredentialsFile+".lock", st.Mode().Perm())
			}
		}
	})

	refused := func(t *testing.T, w *e2e.World, want ...string) {
		t.Helper()
		before := w.Read(w.CredentialsFile)
		r := w.Run("sync")
		checked++
		if r.Code == 0 {
			failures++
			t.Fatalf("sync succeeded: %v", r)
		}
		checkError(t, w, errorCase{want: want}, r)
		if got := w.Read(w.CredentialsFile); got != before {
			failures++
			t.Errorf("refused sync changed the credentials file")
		}
		t.Logf("%s", strings.TrimSpace(r.Stderr))
	}

	t.Run("world-writable directory", func(t *testing.T) {
		w := world(t, e2e.EmulatorConfig(nil, nil))
		dir := filepath.Join(w.Dir, "shared")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		w.CredentialsFile = filepath.Join(dir, "credentials")
		w.WriteProfiles(e2e.DefaultSource(), roles, "")
		if err := os.Chmod(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		refused(t, w, "world-writable", dir)
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			t.Errorf("refused sync left files in %s: %v", dir, names)
		}
	})

	t.Run("credentials file of another user", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to chown")
		}
		w := world(t, e2e.EmulatorConfig(nil, nil))
		w.WriteProfiles(e2e.DefaultSource(), roles, "")
		if err := os.Chown(w.CredentialsFile, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		refused(t, w, w.CredentialsFile, "owned by uid 65534")
	})
	summary(t, "permissions", checked, 0, failures, 0)
}

// b64run matches runs of base64 (standard or URL alphabet) long enough to
// hold a secret.
var b64run = regexp.MustCompile(`[A-Za-z0-9+/_=-]{24,}`)

// atRest returns a file's bytes and every decoding of the base64 and hex
// runs in it, so that a secret stored base64-encoded (as encoding/json
// stores []byte) is found too.
func atRest(b []byte) [][]byte {
	out := [][]byte{b}
	for _, m := range b64run.FindAll(b, -1) {
		s := strings.TrimRight(string(m), "=")
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			if d, err := enc.DecodeString(s); err == nil {
				out = append(out, d)
			}
		}
		if d, err := hex.DecodeString(string(m)); err == nil {
			out = append(out, d)
		}
	}
	return out
}

// secretHits scans the file keyring, the index and the alias files for the
// secrets in seen (and the long-term secret key) in plain text or base64;
// it reports each hit and returns their number.
func secretHits(t *testing.T, w *e2e.World, seen *sync.Map) int {
	t.Helper()
	var secrets []string
	seen.Range(func(k, _ any) bool {
		if s := k.(string); len(s) >= 16 {
			secrets = append(secrets, s)
		}
		return true
	})
	secrets = append(secrets, stsemu.DefaultSecretAccessKey)
	hits := 0
	for _, sub := range []string{"keyring", "index", "alias"} {
		_ = filepath.WalkDir(filepath.Join(w.DataDir, sub), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			for _, text := range atRest(b) {
				for _, s := range secrets {
					// Tokens are long; a 20-byte piece of one is enough.
					if strings.Contains(string(text), s[:min(len(s), 40)]) || (len(s) > 60 && strings.Contains(string(text), s[len(s)-40:])) {
						hits++
						t.Errorf("%s holds a secret in plain text (%d bytes of it)", p, len(s))
					}
				}
			}
			return nil
		})
	}
	return hits
}

// TestSecretsAtRest: after login, role calls and sync, the file keyring
// holds no secret in plain text or base64 (it is encrypted), and the index
// and alias files hold none at all. As a control, the scan finds the
// secrets in the credentials file that sync wrote.
func TestSecretsAtRest(t *testing.T) {
	testenv.Tool(t, "/usr/bin/oathtool")
	t.Parallel()
	roles := []e2e.RoleProfile{{Name: "DynamoDBRole-dev", Role: "DynamoDBRole"}, {Name: "CodeDeployRole-dev", Role: "CodeDeployRole"}}
	w := world(t, e2e.EmulatorConfig(nil, nil))
	w.WriteProfiles(e2e.DefaultSource(), roles, "")
	w.MustRun("login", "BobSmith")
	var seen sync.Map
	for _, r := range roles {
		for range 2 {
			p, err := e2e.ParseProcess(w.MustRun(r.Name).Stdout)
			if err != nil {
				t.Fatal(err)
			}
			seen.Store(p.SecretAccessKey, true)
			seen.Store(p.SessionToken, true)
		}
	}
	w.MustRun("sync")
	n := 0
	seen.Range(func(any, any) bool { n++; return true })
	if n != 2*len(roles) {
		t.Fatalf("%d distinct secrets seen, want %d", n, 2*len(roles))
	}
	files := 0
	for _, sub := range []string{"keyring", "index", "alias"} {
		ents, _ := os.ReadDir(filepath.Join(w.DataDir, sub))
		files += len(ents)
		if len(ents) == 0 {
			t.Errorf("%s is empty: nothing was scanned", filepath.Join(w.DataDir, sub))
		}
	}
	hits := secretHits(t, w, &seen)
	// Control: the same scan finds them where they are meant to be.
	creds := w.Read(w.CredentialsFile)
	control := 0
	seen.Range(func(k, _ any) bool {
		if strings.Contains(creds, k.(string)) {
			control++
		}
		return true
	})
	if control != n {
		t.Errorf("control: %d of %d secrets found in the synced credentials file", control, n)
	}
	t.Logf("scanned %d files for %d secrets: %d hits", files, n+1, hits)
	summary(t, "secrets-at-rest", files, 0, 0, hits)
}
