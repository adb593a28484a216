package stsemu

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// totpStep is the RFC 6238 time step.
const totpStep = 30

// TOTP returns the RFC 6238 one-time code (HMAC-SHA1, 6 digits, 30-second
// step) for the base32 seed at time t, as a virtual MFA device shows it.
func TOTP(secretBase32 string, t time.Time) (string, error) {
	key, err := decodeBase32(secretBase32)
	if err != nil {
		return "", errors.New("totp: secret is not valid base32")
	}
	return hotp(key, uint64(t.Unix()/totpStep)), nil
}

func decodeBase32(s string) ([]byte, error) {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	s = strings.TrimRight(s, "=")
	if s == "" {
		return nil, errors.New("empty")
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
}

func hotp(key []byte, counter uint64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", code%1000000)
}
