package inifile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const userFile = "# my keys\r\n[default]\r\naws_access_key_id = AKIAUSER\r\naws_secret_access_key = \"keep # this\"\r\n\r\n; prod\r\n[prod]\r\nregion: eu-west-1"

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "aws", "credentials")
	// Missing file and directory: both created.
	if err := WriteSection(ctx, path, "sts-dev", testKeys, Options{}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(block("sts-dev", "\n"), string(got)); diff != "" {
		t.Errorf("new file (-want +got):\n%s", diff)
	}
	fi, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if !isWindows && fi.Mode().Perm() != 0o700 {
		t.Errorf("new directory mode = %v, want 0700", fi.Mode().Perm())
	}

	if err := os.WriteFile(path, []byte(userFile), 0o600); err != nil {
		t.Fatal(err)
	}
	changed, err := Update(ctx, path, []Section{{Name: "sts-dev", Keys: testKeys}}, nil, Options{})
	if err != nil || !changed {
		t.Fatalf("Update = %v, %v; want true, nil", changed, err)
	}
	want := userFile + "\r\n\r\n" + block("sts-dev", "\r\n")
	got, _ = os.ReadFile(path)
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("after Update (-want +got):\n%s", diff)
	}
	// Same content again: nothing written (mtime-free check: the inode stays).
	before, _ := os.Stat(path)
	changed, err = Update(ctx, path, []Section{{Name: "sts-dev", Keys: testKeys}}, nil, Options{})
	if err != nil || changed {
		t.Fatalf("second Update = %v, %v; want false, nil", changed, err)
	}
	after, _ := os.Stat(path)
	if !os.SameFile(before, after) {
		t.Error("unchanged Update replaced the file")
	}

	removed, err := RemoveOwned(ctx, path, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"sts-dev"}, removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	got, _ = os.ReadFile(path)
	// The separator the append wrote goes with the block; the line ending
	// it added to the unterminated last line stays.
	if diff := cmp.Diff(userFile+"\r\n", string(got)); diff != "" {
		t.Errorf("after RemoveOwned (-want +got):\n%s", diff)
	}
	removed, err = RemoveOwned(ctx, path, nil, Options{})
	if err != nil || removed != nil {
		t.Errorf("RemoveOwned on a file with none = %v, %v; want nil, nil", removed, err)
	}
	if _, err := RemoveOwned(ctx, path, []string{"prod"}, Options{}); !errors.Is(err, ErrNotOwned) {
		t.Errorf("RemoveOwned(prod) err = %v, want ErrNotOwned", err)
	}
}

func TestUpdateRefusesWithoutWriting(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		src   string
		check func(error) bool
	}{
		{"not owned", "[sts-dev]\nk = v\n", func(err error) bool { return errors.Is(err, ErrNotOwned) }},
		{"unparsable", "[a]\nk = v\n[a]\n", func(err error) bool { return errors.Is(err, ErrParse) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "credentials")
			if err := os.WriteFile(path, []byte(tt.src), 0o600); err != nil {
				t.Fatal(err)
			}
			err := WriteSection(ctx, path, "sts-dev", testKeys, Options{})
			if !tt.check(err) || !strings.Contains(fmt.Sprint(err), path) {
				t.Fatalf("err = %v", err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != tt.src {
				t.Errorf("file changed to %q", got)
			}
		})
	}
}

func TestUpdateForce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte("[sts-dev]\nk = v\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteSection(context.Background(), path, "sts-dev", testKeys, Options{Force: true}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if diff := cmp.Diff(block("sts-dev", "\n"), string(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestUpdateDryRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte(userFile), 0o600); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	changed, err := Update(context.Background(), path, []Section{{Name: "sts-dev", Keys: testKeys}}, nil, Options{DryRun: &buf})
	if err != nil || !changed {
		t.Fatalf("Update = %v, %v", changed, err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != userFile {
		t.Error("dry run wrote the file")
	}
	if !strings.Contains(buf.String(), "+[sts-dev]") || strings.Contains(buf.String(), "NEWSECRET") || strings.Contains(buf.String(), "NEWTOKEN") {
		t.Errorf("dry-run diff:\n%s", buf.String())
	}
}

func TestLockTimeout(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "credentials")
	unlock, err := Lock(ctx, path, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Update(ctx, path, []Section{{Name: "sts-dev", Keys: testKeys}}, nil, Options{LockTimeout: 20e6})
	if !errors.Is(err, ErrLockTimeout) || !strings.Contains(err.Error(), path+".lock") {
		t.Fatalf("err = %v, want ErrLockTimeout naming the lock file", err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if _, err := Update(ctx, path, []Section{{Name: "sts-dev", Keys: testKeys}}, nil, Options{}); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Lock(cctx, path, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Lock with a cancelled context: %v", err)
	}
}

func TestConcurrentGoroutines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte(userFile), 0o600); err != nil {
		t.Fatal(err)
	}
	const writers, rounds = 6, 8
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				keys := []KV{{"aws_access_key_id", fmt.Sprintf("W%dR%d", w, r)}}
				if err := WriteSection(context.Background(), path, fmt.Sprintf("sts-%d", w), keys, Options{}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	checkAllWriters(t, path, writers, rounds, "W")
}

// checkAllWriters checks that every writer's last round survived and the
// user's text is intact.
func checkAllWriters(t *testing.T, path string, writers, rounds int, prefix string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), userFile) {
		t.Fatalf("user text changed:\n%q", got)
	}
	p, err := scan(got)
	if err != nil {
		t.Fatal(err)
	}
	for w := range writers {
		i := p.find(fmt.Sprintf("sts-%d", w))
		if i < 0 {
			t.Errorf("section sts-%d lost", w)
			continue
		}
		if v, _ := p.sections[i].get("aws_access_key_id"); v != fmt.Sprintf("%s%dR%d", prefix, w, rounds-1) {
			t.Errorf("sts-%d holds %q, want the last round", w, v)
		}
	}
}
