package inifile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stslib/stslib-proc/internal/testenv"
)

// botocoreScript parses every file named on stdin with botocore's own
// raw_config_parse (configparser.RawConfigParser plus nested values) and
// prints one JSON object per file: {"ok": {...}} or {"error": "..."}.
const botocoreScript = `
import json, sys
from botocore.configloader import raw_config_parse
out = []
for path in sys.stdin.read().split("\n"):
    if not path:
        continue
    try:
        out.append({"ok": raw_config_parse(path)})
    except Exception as e:
        out.append({"error": type(e).__name__})
json.dump(out, sys.stdout)
`

type pyResult struct {
	OK    map[string]map[string]any `json:"ok"`
	Error string                    `json:"error"`
}

// TestGeneratedCorpus splices ≥ 10,000 generated files and checks the
// bytes outside owned blocks and, with botocore itself, that every other
// section reads the same. STSLIB_CORPUS_SEED picks another seed.
func TestGeneratedCorpus(t *testing.T) {
	python := testenv.Python(t)
	seed := uint64(20240601)
	if s := os.Getenv("STSLIB_CORPUS_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seed = v
	}
	n := 12000
	if testing.Short() {
		n = 1000
	}
	t.Logf("seed %d, %d files (STSLIB_CORPUS_SEED=%d to reproduce)", seed, n, seed)
	g := &gen{r: rand.New(rand.NewPCG(seed, 7))}
	dir := t.TempDir()
	type tc struct {
		src, res    []byte
		set         []Section
		remove      []string
		spliceErr   error
		before, aft string
	}
	cases := make([]tc, n)
	var list bytes.Buffer
	for i := range cases {
		c := &cases[i]
		c.src = g.file()
		c.set, c.remove = g.ops()
		c.res, c.spliceErr = Splice(c.src, c.set, c.remove, SpliceOptions{Path: "gen"})
		if c.spliceErr == nil {
			checkPreserved(t, c.src, c.res, c.set, c.remove)
			checkWritten(t, c.res, c.set, c.remove)
		}
		// botocore refuses a BOM outright; we tolerate and keep it, so
		// compare the reading of the rest.
		c.before = filepath.Join(dir, fmt.Sprintf("%d.before", i))
		if err := os.WriteFile(c.before, bytes.TrimPrefix(c.src, bom), 0o600); err != nil {
			t.Fatal(err)
		}
		list.WriteString(c.before + "\n")
		if c.spliceErr == nil {
			c.aft = filepath.Join(dir, fmt.Sprintf("%d.after", i))
			if err := os.WriteFile(c.aft, bytes.TrimPrefix(c.res, bom), 0o600); err != nil {
				t.Fatal(err)
			}
			list.WriteString(c.aft + "\n")
		}
	}
	cmd := exec.Command(python, "-c", botocoreScript)
	cmd.Stdin = &list
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	var results []pyResult
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("decode python output: %v", err)
	}
	k := 0
	next := func() pyResult { r := results[k]; k++; return r }
	refused, unsafe := 0, 0
	for i := range cases {
		c := &cases[i]
		before := next()
		var pe *ParseError
		switch {
		case c.spliceErr != nil && errors.As(c.spliceErr, &pe):
			refused++
			if before.Error == "" {
				t.Errorf("file %d: we refuse (%v) but botocore reads it\n%q", i, c.spliceErr, c.src)
			}
			continue
		case errors.Is(c.spliceErr, ErrUnsafe):
			unsafe++
			continue
		case c.spliceErr != nil:
			t.Errorf("file %d: unexpected error %v\n%q", i, c.spliceErr, c.src)
			continue
		case before.Error != "":
			t.Errorf("file %d: botocore refuses it (%s) but we accepted it\n%q", i, before.Error, c.src)
			next()
			continue
		}
		after := next()
		if after.Error != "" {
			t.Errorf("file %d: botocore cannot read our result: %s\n%q", i, after.Error, c.res)
			continue
		}
		touched := map[string]bool{}
		for _, n := range c.remove {
			touched[n] = true
			if _, ok := after.OK[n]; ok {
				t.Errorf("file %d: removed [%s] still read by botocore", i, n)
			}
		}
		for _, s := range c.set {
			touched[s.Name] = true
			got := after.OK[s.Name]
			for _, e := range append(s.Keys, KV{ManagedKey, "true"}) {
				if got[e.Key] != e.Value {
					t.Errorf("file %d: botocore reads [%s] %s wrong", i, s.Name, e.Key)
				}
			}
		}
		for name, sec := range before.OK {
			if touched[name] {
				continue
			}
			a, _ := json.Marshal(sec)
			b, _ := json.Marshal(after.OK[name])
			if !bytes.Equal(a, b) {
				t.Errorf("file %d: botocore reads [%s] differently after splicing\nbefore %s\nafter  %s\nsrc %q\nres %q", i, name, a, b, c.src, c.res)
			}
		}
		if t.Failed() && i > 20 {
			break
		}
	}
	t.Logf("%d files refused as unparsable (botocore agreed), %d refused as unsafe to change", refused, unsafe)
	if unsafe > n/100 {
		t.Errorf("%d of %d files refused as unsafe; the splicer is too timid", unsafe, n)
	}
	if refused == n {
		t.Fatal("every file was refused: the generator is broken")
	}
}
