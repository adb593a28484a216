package keychain

import (
	"fmt"
	"os"
	"testing"

	"github.com/stslib/stslib-proc/keychain/kernel"
)

// TestKernelContract runs the Store contract over the kernel hot tier.
func TestKernelContract(t *testing.T) {
	k, err := kernel.NewKernel()
	if err != nil {
		t.Skipf("kernel keyring unavailable: %v", err)
	}
	testStore(t, k, fmt.Sprintf("test-%d-%s/", os.Getpid(), t.Name()), true)
}
