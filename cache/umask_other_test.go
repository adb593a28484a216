//go:build !unix

package cache

import "testing"

func umask0(t *testing.T) { t.Skip("umask and Unix modes need a Unix system") }
