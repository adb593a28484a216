package credproc

import (
	"time"

	"github.com/stslib/stslib-proc/internal/record"
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

// toRecord and fromRecord convert to the wire form shared with the warm
// path (internal/record).
func toRecord(c *Credentials) record.Record {
	return record.Record{AccessKey: c.AccessKey, SecretKey: string(c.SecretKey), Session: string(c.Session),
		Start: c.Start, End: c.End, AccountID: c.AccountID, ARN: c.ARN}
}

func encodeRecord(c *Credentials) ([]byte, error) { return record.Encode(toRecord(c)) }

// decodeRecord parses a cache payload. A foreign, truncated or corrupt
// payload yields an error that never quotes the payload.
func decodeRecord(profile string, data []byte) (*Credentials, error) {
	r, err := record.Decode(data)
	if err != nil {
		return nil, err
	}
	return &Credentials{Profile: profile, AccessKey: r.AccessKey, SecretKey: Secret(r.SecretKey), Session: Secret(r.Session),
		Start: r.Start, End: r.End, AccountID: r.AccountID, ARN: r.ARN}, nil
}
