package owner

import "errors"

// ErrForeign is what every error of this package matches (errors.Is): a
// path belongs to another user, or root runs with another user's HOME.
var ErrForeign = errors.New("owned by another user")

// AllowEnv is the environment variable that, set to 1, lets root write
// into another user's HOME (cmd reads it; this package reads no
// environment).
const AllowEnv = "STSLIB_ALLOW_FOREIGN_HOME"

// foreignError is one line; it matches ErrForeign.
type foreignError struct{ msg string }

func (e *foreignError) Error() string        { return e.msg }
func (e *foreignError) Is(target error) bool { return target == ErrForeign }
