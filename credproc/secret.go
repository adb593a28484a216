package credproc

import "log/slog"

// Secret holds a secret access key or session token. It redacts itself
// whenever it is formatted, logged or marshalled, so a Credentials value can
// be printed or logged without leaking. Use string(s) where the raw value is
// really needed (the wire encoders do).
type Secret string

const redacted = "[redacted]"

// String implements fmt.Stringer and always returns "[redacted]".
func (Secret) String() string { return redacted }

// GoString implements fmt.GoStringer for %#v.
func (Secret) GoString() string { return redacted }

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON implements json.Marshaler; the wire encoders use their own
// structs with plain strings.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler.
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// MaskKeyID shows only the last four characters of an access key ID, as
// aws-vault does in its logs.
func MaskKeyID(id string) string {
	if len(id) <= 4 {
		return "****"
	}
	return "****" + id[len(id)-4:]
}
