package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Record is one set of credentials.
type Record struct {
	AccessKey, SecretKey, Session string
	Start, End                    time.Time
	AccountID, ARN                string
}

// wire is compact, because some OS keyrings limit a value to about 2.5 KB.
type wire struct {
	V  int    `json:"v"`
	A  string `json:"a"`
	S  string `json:"s"`
	T  string `json:"t,omitempty"`
	B  int64  `json:"b"`
	E  int64  `json:"e"`
	AC string `json:"ac,omitempty"`
	R  string `json:"r,omitempty"`
}

const version = 1

// ErrMalformed reports a foreign, truncated or corrupt record. Errors never
// quote the record.
var ErrMalformed = errors.New("malformed cache record")

// Encode returns the cache payload of r.
func Encode(r Record) ([]byte, error) {
	return json.Marshal(wire{V: version, A: r.AccessKey, S: r.SecretKey, T: r.Session,
		B: r.Start.Unix(), E: r.End.Unix(), AC: r.AccountID, R: r.ARN})
}

// Decode parses a cache payload.
func Decode(data []byte) (Record, error) {
	var w wire
	if err := json.Unmarshal(data, &w); err != nil {
		return Record{}, ErrMalformed
	}
	if w.V != version || w.A == "" || w.S == "" || w.E <= 0 || w.B < 0 || w.E < w.B {
		return Record{}, fmt.Errorf("%w (version %d)", ErrMalformed, w.V)
	}
	return Record{AccessKey: w.A, SecretKey: w.S, Session: w.T,
		Start: time.Unix(w.B, 0).UTC(), End: time.Unix(w.E, 0).UTC(), AccountID: w.AC, ARN: w.R}, nil
}

// process is the credential_process Version 1 wire shape, documented at
// https://docs.aws.amazon.com/cli/latest/topic/config-vars.html#sourcing-credentials-from-external-processes.
type process struct {
	Version         int
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string `json:",omitempty"`
	Expiration      string `json:",omitempty"`
	AccountID       string `json:"AccountId,omitempty"`
}

// WriteProcessJSON writes r as credential_process Version 1 JSON on one line.
func WriteProcessJSON(w io.Writer, r Record) error {
	p := process{Version: 1, AccessKeyID: r.AccessKey, SecretAccessKey: r.SecretKey,
		SessionToken: r.Session, AccountID: r.AccountID}
	if !r.End.IsZero() {
		p.Expiration = r.End.UTC().Format(time.RFC3339)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Errors of ReadProcessJSON; they never quote the output.
var (
	ErrProcessJSON    = errors.New("output is not valid JSON")
	ErrProcessFields  = errors.New("output lacks Version 1, AccessKeyId or SecretAccessKey")
	ErrProcessExpires = errors.New("output's Expiration is not RFC 3339")
)

// ReadProcessJSON parses credential_process Version 1 JSON, as another
// tool's credential_process prints it: the same wire type WriteProcessJSON
// writes.
func ReadProcessJSON(data []byte) (Record, error) {
	var p process
	if err := json.Unmarshal(data, &p); err != nil {
		return Record{}, ErrProcessJSON
	}
	if p.Version != 1 || p.AccessKeyID == "" || p.SecretAccessKey == "" {
		return Record{}, ErrProcessFields
	}
	r := Record{AccessKey: p.AccessKeyID, SecretKey: p.SecretAccessKey, Session: p.SessionToken, AccountID: p.AccountID}
	if p.Expiration != "" {
		t, err := time.Parse(time.RFC3339, p.Expiration)
		if err != nil {
			return Record{}, ErrProcessExpires
		}
		r.End = t.UTC()
	}
	return r, nil
}
