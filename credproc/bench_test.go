package credproc

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The warm credential_process call decodes one record, resolves one
// profile (parsing both AWS files) and writes one JSON document. These
// benchmarks measure each step; integration/bench measures the whole
// process.

// benchCredentials are role credentials of realistic size: STS session
// tokens run to several hundred characters.
func benchCredentials() *Credentials {
	start := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	return &Credentials{
		Profile:   "Role-7",
		Start:     start,
		End:       start.Add(time.Hour),
		AccessKey: "ASIAIOSFODNN7EXAMPLE",
		SecretKey: Secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"),
		Session:   Secret(strings.Repeat("IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ", 14)),
		AccountID: "444455556666",
		ARN:       "arn:aws:sts::444455556666:assumed-role/Role7/bench",
	}
}

func BenchmarkEncodeRecord(b *testing.B) {
	c := benchCredentials()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := encodeRecord(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeRecord(b *testing.B) {
	data, err := encodeRecord(benchCredentials())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeRecord("Role-7", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteProcessJSON(b *testing.B) {
	c := benchCredentials()
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteProcessJSON(io.Discard, c); err != nil {
			b.Fatal(err)
		}
	}
}

// benchPaths writes an AWS config with one source profile and n-1 role
// profiles, and a credentials file with the source's keys.
func benchPaths(b *testing.B, n int) Paths {
	var cfg strings.Builder
	cfg.WriteString("[profile BobSmith]\nregion = us-east-1\nmfa_serial = arn:aws:iam::111122223333:mfa/BobSmith\nmfa_process = oathtool --totp -b JBSWY3DPEHPK3PXP\n\n")
	for i := range n - 1 {
		fmt.Fprintf(&cfg, "[profile Role-%d]\nrole_arn = arn:aws:iam::444455556666:role/Role%d\nsource_profile = BobSmith\nregion = us-east-1\ncredential_process = stslib-proc Role-%d\n\n", i, i, i)
	}
	dir := b.TempDir()
	p := Paths{ConfigFile: filepath.Join(dir, "config"), CredentialsFile: filepath.Join(dir, "credentials")}
	if err := os.WriteFile(p.ConfigFile, []byte(cfg.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	creds := "[BobSmith]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
	if err := os.WriteFile(p.CredentialsFile, []byte(creds), 0o600); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkResolve20 is what a warm call does with the AWS files: read and
// parse both (20 profiles), resolve one role and derive its cache key.
func BenchmarkResolve20(b *testing.B) {
	paths := benchPaths(b, 20)
	b.ReportAllocs()
	for b.Loop() {
		r, err := NewResolver(paths)
		if err != nil {
			b.Fatal(err)
		}
		p, err := r.Resolve("Role-7")
		if err != nil {
			b.Fatal(err)
		}
		if p.CacheKey() == "" {
			b.Fatal("empty cache key")
		}
	}
}

// BenchmarkResolveParsed is Resolve plus CacheKey on files parsed once.
func BenchmarkResolveParsed(b *testing.B) {
	r, err := NewResolver(benchPaths(b, 20))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		p, err := r.Resolve("Role-7")
		if err != nil {
			b.Fatal(err)
		}
		if p.CacheKey() == "" {
			b.Fatal("empty cache key")
		}
	}
}
