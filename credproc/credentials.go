package credproc

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Credentials is one set of temporary credentials, the Go form of stslib's
// STSingleSet and STSToken: Start is when they were generated, End when they
// expire.
type Credentials struct {
	// Profile is the role profile (or source profile for a session) they
	// belong to.
	Profile string
	// Start is when the credentials were generated (stslib's StartTime).
	Start time.Time
	// End is when they expire (STS's Expiration).
	End       time.Time
	AccessKey string
	SecretKey Secret
	Session   Secret
	// AccountID and ARN describe the assumed role, when known.
	AccountID string
	ARN       string
}

// Duration is End minus Start, stslib's duration attribute.
func (c *Credentials) Duration() time.Duration { return c.End.Sub(c.Start) }

// Expiration is End as an ISO 8601 string with a numeric offset, the way
// stslib prints it ("2017-10-22T15:36:14+00:00").
func (c *Credentials) Expiration() string { return isoTime(c.End) }

// Expired reports whether the credentials have expired at now.
func (c *Credentials) Expired(now time.Time) bool { return !now.Before(c.End) }

// Boto returns the credentials in boto3's STS shape.
func (c *Credentials) Boto() Boto {
	return Boto{
		AccessKeyID:     c.AccessKey,
		SecretAccessKey: c.SecretKey,
		SessionToken:    c.Session,
		Expiration:      c.End,
		StartTime:       c.Start,
	}
}

// Boto is the native STS credential shape that boto3 returns, plus the
// StartTime that stslib adds.
type Boto struct {
	AccessKeyID     string
	SecretAccessKey Secret
	SessionToken    Secret
	Expiration      time.Time
	StartTime       time.Time
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }

// record is the secret cache payload: compact, because some OS keyrings
// limit a value to about 2.5 KB.
type record struct {
	V  int    `json:"v"`
	A  string `json:"a"`
	S  string `json:"s"`
	T  string `json:"t,omitempty"`
	B  int64  `json:"b"`
	E  int64  `json:"e"`
	AC string `json:"ac,omitempty"`
	R  string `json:"r,omitempty"`
}

const recordVersion = 1

func encodeRecord(c *Credentials) ([]byte, error) {
	return json.Marshal(record{
		V: recordVersion, A: c.AccessKey, S: string(c.SecretKey), T: string(c.Session),
		B: c.Start.Unix(), E: c.End.Unix(), AC: c.AccountID, R: c.ARN,
	})
}

var errBadRecord = errors.New("malformed cache record")

// decodeRecord parses a cache payload. A foreign, truncated or corrupt
// payload yields an error that never quotes the payload.
func decodeRecord(profile string, data []byte) (*Credentials, error) {
	var r record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, errBadRecord
	}
	if r.V != recordVersion || r.A == "" || r.S == "" || r.E <= 0 || r.B < 0 || r.E < r.B {
		return nil, fmt.Errorf("%w (version %d)", errBadRecord, r.V)
	}
	return &Credentials{
		Profile: profile, AccessKey: r.A, SecretKey: Secret(r.S), Session: Secret(r.T),
		Start: time.Unix(r.B, 0).UTC(), End: time.Unix(r.E, 0).UTC(), AccountID: r.AC, ARN: r.R,
	}, nil
}
