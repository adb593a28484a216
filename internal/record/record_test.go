package record

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestProcessJSONRoundTrip(t *testing.T) {
	r := Record{AccessKey: "ASIAX", SecretKey: "CANARYSECRET", Session: "CANARYTOKEN", End: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), AccountID: "123456789012"}
	var b bytes.Buffer
	if err := WriteProcessJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	got, err := ReadProcessJSON(b.Bytes())
	if err != nil || got != r {
		t.Fatalf("ReadProcessJSON(%s) = %+v, %v", b.String(), got, err)
	}
}

func TestReadProcessJSONErrors(t *testing.T) {
	for in, want := range map[string]error{
		`CANARY not json`: ErrProcessJSON,
		`{"Version":2,"AccessKeyId":"a","SecretAccessKey":"CANARY"}`:                         ErrProcessFields,
		`{"Version":1,"SecretAccessKey":"CANARY"}`:                                           ErrProcessFields,
		`{"Version":1,"AccessKeyId":"a","SecretAccessKey":"CANARY","Expiration":"tomorrow"}`: ErrProcessExpires,
	} {
		_, err := ReadProcessJSON([]byte(in))
		if !errors.Is(err, want) || strings.Contains(err.Error(), "CANARY") {
			t.Errorf("ReadProcessJSON(%s) = %v, want %v without the output", in, err, want)
		}
	}
}

func FuzzReadProcessJSON(f *testing.F) {
	f.Add([]byte(`{"Version":1,"AccessKeyId":"a","SecretAccessKey":"s","Expiration":"2030-01-01T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ReadProcessJSON(data)
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := WriteProcessJSON(&b, r); err != nil {
			t.Fatal(err)
		}
		again, err := ReadProcessJSON(b.Bytes())
		if err != nil || again.AccessKey != r.AccessKey || again.SecretKey != r.SecretKey || !again.End.Equal(r.End.Truncate(time.Second)) {
			t.Fatalf("round trip: %+v -> %+v, %v", r, again, err)
		}
	})
}

func FuzzDecode(f *testing.F) {
	good, _ := Encode(Record{AccessKey: "a", SecretKey: "s", Start: time.Unix(1, 0), End: time.Unix(2, 0)})
	f.Add(good)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Decode(data)
		if err != nil {
			return
		}
		b, err := Encode(r)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := Decode(b); err != nil || again != r {
			t.Fatalf("round trip: %+v -> %+v, %v", r, again, err)
		}
	})
}
