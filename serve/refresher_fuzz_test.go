package serve

import (
	"strings"
	"testing"

	"github.com/stslib/stslib-proc/serve/warm"
)

func FuzzParseRefreshRequest(f *testing.F) {
	for _, s := range []string{"", warm.RefresherRequest, warm.RefresherRequest + "R", warm.RefresherRequest + "a b", "R", warm.RefresherRequest + "R\n", warm.RefresherRequest + strings.Repeat("x", maxRequest)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, ok := parseRefreshRequest(b)
		if !ok {
			if p != "" {
				t.Fatalf("refused %q but returned %q", b, p)
			}
			return
		}
		if p == "" || strings.ContainsAny(p, "\x00\r\n") || len(b) > maxRequest {
			t.Fatalf("accepted %q as %q", b, p)
		}
		if string(b) != warm.RefresherRequest+p {
			t.Fatalf("accepted %q as %q: not the whole request", b, p)
		}
	})
}
