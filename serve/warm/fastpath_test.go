package warm

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stslib/stslib-proc/cache"
	"github.com/stslib/stslib-proc/internal/record"
	"github.com/stslib/stslib-proc/keychain/kernel"
)

// memHot is a hand-written hot tier.
type memHot map[string][]byte

func (m memHot) Get(k string) ([]byte, error) {
	if v, ok := m[k]; ok {
		return v, nil
	}
	return nil, os.ErrNotExist
}
func (m memHot) Set(k string, v []byte) error { m[k] = v; return nil }
func (m memHot) Delete(k string) error        { delete(m, k); return nil }

type world struct {
	env  Env
	data string
	now  time.Time
}

func newWorld(t *testing.T) *world {
	home := t.TempDir()
	w := &world{data: filepath.Join(home, "data"), now: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)}
	vars := map[string]string{"STSLIB_DATA_DIR": w.data, "USER": "alice"}
	w.env = Env{Getenv: func(k string) string { return vars[k] }, Home: home, Now: func() time.Time { return w.now }}
	os.MkdirAll(filepath.Join(home, ".aws"), 0o700)
	os.WriteFile(filepath.Join(home, ".aws", "config"), []byte("[profile R]\nrole_arn = x\n"), 0o600)
	return w
}

// put stores a record through the cache, as the full path does, into hot.
func (w *world) put(t *testing.T, hot cache.Backend, key string, expires time.Time) {
	t.Helper()
	data, err := record.Encode(record.Record{AccessKey: "ASIAFAST", SecretKey: "s", Session: "t", Start: w.now, End: expires})
	if err != nil {
		t.Fatal(err)
	}
	c := &cache.Cache{Dir: w.data, Backend: memHot{}, Hot: hot, Now: w.env.Now}
	if err := c.Put(&cache.Entry{Key: key, Kind: "vault", Profile: "R", Data: data, Start: w.now, Expires: expires}); err != nil {
		t.Fatal(err)
	}
}

func TestServe(t *testing.T) {
	hot := HotTier(t.TempDir())
	if hot == nil {
		t.Skip("no kernel keyring here")
	}
	w := newWorld(t)
	realHot := HotTier(w.data)
	key := "vault/R/" + strings.ReplaceAll(t.Name(), "/", "-")
	t.Cleanup(func() { removeNamespace(w.data) })
	w.put(t, realHot, key, w.now.Add(time.Hour))

	var out bytes.Buffer
	if Serve(&out, w.env, "R") {
		t.Fatal("served without an alias")
	}
	if err := Remember(w.data, "R", key, Fingerprint(w.env), 15*time.Minute); err != nil {
		t.Fatal(err)
	}
	if !Serve(&out, w.env, "R") || !strings.Contains(out.String(), `"AccessKeyId":"ASIAFAST"`) {
		t.Fatalf("warm: served %q", out.String())
	}
	if Serve(&bytes.Buffer{}, w.env, "Other") {
		t.Error("served another profile's alias")
	}

	// Inside the refresh window: the full path must refresh.
	w.now = w.now.Add(46 * time.Minute)
	if Serve(&bytes.Buffer{}, w.env, "R") {
		t.Error("served inside the refresh window")
	}
	w.now = w.now.Add(-46 * time.Minute)

	// An edited config changes the fingerprint: miss.
	cfg := filepath.Join(w.env.Home, ".aws", "config")
	os.WriteFile(cfg, []byte("[profile R]\nrole_arn = y\n"), 0o600)
	if Serve(&bytes.Buffer{}, w.env, "R") {
		t.Error("served after the config changed")
	}
	if err := Remember(w.data, "R", key, Fingerprint(w.env), 15*time.Minute); err != nil {
		t.Fatal(err)
	}
	if !Serve(&bytes.Buffer{}, w.env, "R") {
		t.Error("not served after remembering again")
	}

	// Another user name (the default session name) is another key.
	vars := map[string]string{"STSLIB_DATA_DIR": w.data, "USER": "bob"}
	bob := w.env
	bob.Getenv = func(k string) string { return vars[k] }
	if Serve(&bytes.Buffer{}, bob, "R") {
		t.Error("served across user names")
	}

	// A corrupt alias or hot record is a miss, never a panic.
	os.WriteFile(aliasPath(w.data, "R"), []byte("{garbage"), 0o600)
	if Serve(&bytes.Buffer{}, w.env, "R") {
		t.Error("served from a corrupt alias")
	}
}

func TestHotTierNamespaces(t *testing.T) {
	a, b := HotTier("/data/a"), HotTier("/data/b")
	if a == nil {
		t.Skip("no kernel keyring here")
	}
	key := "vault/ns-test/" + t.Name()
	t.Cleanup(func() { a.Delete(key) })
	if err := a.Set(key, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(key); err == nil {
		t.Error("two data directories share hot records")
	}
	if v, err := a.Get(key); err != nil || string(v) != "x" {
		t.Errorf("Get = %q, %v", v, err)
	}
}

func TestAliasIsPrivate(t *testing.T) {
	w := newWorld(t)
	old := umask(0)
	defer umask(old)
	if err := Remember(w.data, "R", "vault/R/1", "fp", time.Minute); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(aliasPath(w.data, "R"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("alias mode %v, %v", st.Mode(), err)
	}
	dst, _ := os.Stat(filepath.Dir(aliasPath(w.data, "R")))
	if dst.Mode().Perm() != 0o700 {
		t.Errorf("alias dir mode %v", dst.Mode())
	}
}

func TestProfileArg(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
		ok   bool
	}{
		{[]string{"process", "--", "DynamoDBRole-dev"}, "DynamoDBRole-dev", true},
		{[]string{"process", "--", "-x"}, "-x", true},
		{[]string{"process", "--", "sync"}, "sync", true},
		{[]string{"process", "--", "my role"}, "my role", true},
		{[]string{"process", "R"}, "R", true},
		{[]string{"R"}, "R", true},
		{[]string{"sync"}, "", false}, // a command word runs the command
		{[]string{"help"}, "", false},
		{[]string{"process"}, "", false},
		{[]string{"-x"}, "", false},
		{[]string{"process", "-x"}, "", false},
		{[]string{"process", "--mfa-code", "123456", "--", "R"}, "", false},
		{[]string{"process", "--", "R", "extra"}, "", false},
		{[]string{"get", "R"}, "", false},
		{nil, "", false},
	} {
		got, ok := ProfileArg(tc.args)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ProfileArg(%q) = %q, %v; want %q, %v", tc.args, got, ok, tc.want, tc.ok)
		}
	}
}

// removeNamespace removes every kernel-keyring record of a data directory
// (the cache names them by hash, not by key).
func removeNamespace(dataDir string) {
	k, err := kernel.NewKernel()
	if err != nil {
		return
	}
	keys, _ := k.List()
	for _, key := range keys {
		if strings.HasPrefix(key, kernel.Namespace(dataDir)) {
			_ = k.Delete(key)
		}
	}
}
