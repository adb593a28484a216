package credproc

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestCacheKeyFollowsResolution is the serving invariant as a property:
// for random role profiles and random edits of the files and the
// environment, whenever the resolved role (anything sent to STS, or where
// it is sent) changes, the cache key changes, so a record minted for the
// old resolution is never served for the new one.
func TestCacheKeyFollowsResolution(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 2026))
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	type world struct {
		keys  map[string]string // role profile keys
		src   map[string]string // source profile keys
		creds string            // source's access key
		env   map[string]string
	}
	gen := func() world {
		w := world{keys: map[string]string{}, src: map[string]string{}, env: map[string]string{}}
		w.keys["role_arn"] = pick("arn:aws:iam::111111111111:role/A", "arn:aws:iam::222222222222:role/A", "arn:aws:iam::111111111111:role/B")
		w.keys["source_profile"] = "S"
		for k, vs := range map[string][]string{
			"external_id": {"", "ext-1", "ext-2"}, "role_session_name": {"", "alice", "bob"},
			"duration_seconds": {"", "900", "1800"}, "mfa_serial": {"", "arn:aws:iam::1:mfa/a", "arn:aws:iam::1:mfa/b"},
			"region": {"", "eu-west-1", "cn-north-1"}, "endpoint_url": {"", "http://127.0.0.1:1", "http://127.0.0.1:2"},
		} {
			if v := pick(vs...); v != "" {
				w.keys[k] = v
			}
		}
		if v := pick("", "arn:aws:iam::1:mfa/src"); v != "" {
			w.src["mfa_serial"] = v
		}
		w.creds = pick("AKIAONE", "AKIATWO")
		for k, vs := range map[string][]string{
			"AWS_REGION": {"", "us-west-2", "us-gov-west-1"}, "AWS_ENDPOINT_URL_STS": {"", "http://127.0.0.1:3"},
		} {
			if v := pick(vs...); v != "" {
				w.env[k] = v
			}
		}
		return w
	}
	resolve := func(t *testing.T, w world) (*Profile, string) {
		var cfg strings.Builder
		cfg.WriteString("[profile R]\n")
		for k, v := range w.keys {
			fmt.Fprintf(&cfg, "%s = %s\n", k, v)
		}
		cfg.WriteString("[profile S]\n")
		for k, v := range w.src {
			fmt.Fprintf(&cfg, "%s = %s\n", k, v)
		}
		creds := fmt.Sprintf("[S]\naws_access_key_id = %s\naws_secret_access_key = CANARY\n", w.creds)
		c := New(Options{Paths: writeFiles(t, cfg.String(), creds), Getenv: func(k string) string { return w.env[k] }, SessionName: "user"})
		res, err := c.Resolver()
		if err != nil {
			t.Fatal(err)
		}
		p, err := res.Resolve("R")
		if err != nil {
			t.Fatal(err)
		}
		// Where: a configured endpoint, or the partition (every STS
		// endpoint of a partition issues the same credentials).
		st := c.stsConfig(p)
		what := fmt.Sprintf("%s|%s|%s|%d|%s|%s|%s|%s", p.RoleARN, p.ExternalID, p.RoleSessionName, c.roleDuration(p),
			p.SessionMFASerial(), p.Source.keys.id, res.endpoint(p), partitionOf(st.Region))
		return p, what
	}
	clone := func(w world) world {
		c := world{keys: map[string]string{}, src: map[string]string{}, env: map[string]string{}, creds: w.creds}
		for k, v := range w.keys {
			c.keys[k] = v
		}
		for k, v := range w.src {
			c.src[k] = v
		}
		for k, v := range w.env {
			c.env[k] = v
		}
		return c
	}
	changed := 0
	for i := range 300 {
		a := gen()
		b := clone(a)
		// One random edit of one input.
		o := gen()
		switch r.IntN(4) {
		case 0:
			k := pick("role_arn", "external_id", "role_session_name", "duration_seconds", "mfa_serial", "region", "endpoint_url")
			if v, ok := o.keys[k]; ok {
				b.keys[k] = v
			} else if k != "role_arn" {
				delete(b.keys, k)
			}
		case 1:
			b.src = o.src
		case 2:
			b.env = o.env
		case 3:
			b.creds = o.creds
		}
		pa, wa := resolve(t, a)
		pb, wb := resolve(t, b)
		if wa != wb {
			changed++
			// The role record and, when the source side changed, the
			// session record must not be reused.
			if pa.CacheKey() == pb.CacheKey() {
				t.Errorf("case %d: resolution changed (%s -> %s) but the cache key did not", i, wa, wb)
			}
		}
	}
	if changed < 100 {
		t.Fatalf("only %d of 300 edits changed the resolution: the generator is too timid", changed)
	}
}
