package cache

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stslib/stslib-proc/keychain"
	"github.com/stslib/stslib-proc/keychain/kernel"
)

// benchPayload is about the size of a role credential record.
var benchPayload = make([]byte, 1200)

func benchWarm(b *testing.B, hot Backend) {
	key := fmt.Sprintf("bench/%d/%s", os.Getpid(), b.Name())
	c := &Cache{Dir: b.TempDir(), Backend: keychain.NewMemory(), Hot: hot}
	if err := c.Put(&Entry{Key: key, Kind: "vault", Data: benchPayload, Expires: time.Now().Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	if hot != nil {
		defer hot.Delete(key)
	}
	refresh := func(context.Context, *Entry) (*Entry, error) {
		b.Fatal("refresh on the warm path")
		return nil, nil
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.Fetch(ctx, key, 15*time.Minute, refresh); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFetchWarmKernel is the warm credential_process path on Linux:
// one index file read plus one kernel keyring read.
func BenchmarkFetchWarmKernel(b *testing.B) {
	k, err := kernel.NewKernel()
	if err != nil {
		b.Skip(err)
	}
	benchWarm(b, k)
}

// BenchmarkFetchWarmMemory is the warm path with an in-memory durable
// store and no hot tier.
func BenchmarkFetchWarmMemory(b *testing.B) { benchWarm(b, nil) }

// BenchmarkIndexLookup is the index file read alone.
func BenchmarkIndexLookup(b *testing.B) {
	c := &Cache{Dir: b.TempDir(), Backend: keychain.NewMemory()}
	for i := range 50 { // other profiles do not slow a lookup down
		if err := c.Put(&Entry{Key: fmt.Sprintf("vault/role-%d/x", i), Data: benchPayload, Expires: time.Now().Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.readIndex("vault/role-7/x"); err != nil {
			b.Fatal(err)
		}
	}
}
