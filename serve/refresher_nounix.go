//go:build !unix

package serve

import "errors"

// privateDir: no Unix sockets are used here ([warm.RefresherSocket] is
// empty), so no refresher listens.
func privateDir(dir string) error { return errors.ErrUnsupported }
