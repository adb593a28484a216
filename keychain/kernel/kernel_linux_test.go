package kernel

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"
)

func newTestKernel(t *testing.T) (*Kernel, string) {
	t.Helper()
	k, err := NewKernel()
	if err != nil {
		t.Skipf("kernel keyring unavailable: %v", err)
	}
	return k, fmt.Sprintf("test-%d-%s/", os.Getpid(), t.Name())
}

func TestKernelLargeValue(t *testing.T) {
	k, prefix := newTestKernel(t)
	key := prefix + "big"
	t.Cleanup(func() { k.Delete(key) })
	data := make([]byte, 6000) // bigger than Get's first buffer
	for i := range data {
		data[i] = byte(i)
	}
	if err := k.SetWithTTL(key, data, time.Minute); err != nil {
		t.Fatal(err)
	}
	got, err := k.Get(key)
	if err != nil || string(got) != string(data) {
		t.Fatalf("Get = %d bytes, %v; want the 6000 bytes written", len(got), err)
	}
}

func TestKernelTTLExpiry(t *testing.T) {
	k, prefix := newTestKernel(t)
	key := prefix + "short"
	t.Cleanup(func() { k.Delete(key) })
	if err := k.SetWithTTL(key, []byte("v"), time.Second); err != nil {
		t.Fatal(err)
	}
	// Poll: the kernel drops the key after about a second.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := k.Get(key)
		if errors.Is(err, ErrNotFound) {
			return
		}
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatal("key with a 1 s TTL still readable after 10 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestKernelNonPositiveTTLDeletes(t *testing.T) {
	k, prefix := newTestKernel(t)
	key := prefix + "gone"
	if err := k.Set(key, []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := k.SetWithTTL(key, []byte("w"), -time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get(key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after SetWithTTL(<=0): err = %v, want ErrNotFound", err)
	}
}

func TestTTLSeconds(t *testing.T) {
	cases := []struct {
		name string
		ttl  time.Duration
		want int
	}{
		{"sub-second rounds up to 1", 300 * time.Millisecond, 1},
		{"rounds down", 1500 * time.Millisecond, 1},
		{"hour", time.Hour, 3600},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ttlSeconds(c.ttl); got != c.want {
				t.Fatalf("ttlSeconds(%v) = %d, want %d", c.ttl, got, c.want)
			}
		})
	}
}

func BenchmarkKernelGet(b *testing.B) {
	k, err := NewKernel()
	if err != nil {
		b.Skip(err)
	}
	key := fmt.Sprintf("bench-%d", os.Getpid())
	if err := k.SetWithTTL(key, make([]byte, 1500), time.Minute); err != nil {
		b.Fatal(err)
	}
	defer k.Delete(key)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Get(key); err != nil {
			b.Fatal(err)
		}
	}
}
