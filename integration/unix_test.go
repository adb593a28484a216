//go:build integration

package integration_test

import "os"

func chmodX(path string) error { return os.Chmod(path, 0o700) }
