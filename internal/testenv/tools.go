package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Required reports whether missing tools must fail tests (STSLIB_REQUIRE_TOOLS=1).
func Required() bool { return os.Getenv("STSLIB_REQUIRE_TOOLS") == "1" }

// Tool returns the path of an executable, given as an absolute path or a
// name looked up on PATH. When it is missing the test is skipped, or failed
// when [Required] is true.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if Required() {
			t.Fatalf("required tool %s is missing (STSLIB_REQUIRE_TOOLS=1): %v", name, err)
		}
		t.Skipf("tool %s not found; set STSLIB_REQUIRE_TOOLS=1 to make this a failure", name)
	}
	return p
}

// AWS returns /usr/bin/aws (AWS CLI v2 from Debian), never another aws on PATH.
func AWS(t testing.TB) string { return Tool(t, "/usr/bin/aws") }

// Python returns /usr/bin/python3, never another python3 on PATH.
func Python(t testing.TB) string { return Tool(t, "/usr/bin/python3") }
