package inifile

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var testKeys = []KV{
	{"aws_access_key_id", "ASIANEWKEY"},
	{"aws_secret_access_key", "NEWSECRET"},
	{"aws_session_token", "NEWTOKEN"},
	{ExpirationKey, "2030-01-01T00:00:00Z"},
}

// block renders the owned section the splicer writes, with eol.
func block(name, eol string) string {
	return strings.ReplaceAll(`[`+name+`]
# managed by stslib-proc; rewritten by 'stslib-proc sync'
aws_access_key_id = ASIANEWKEY
aws_secret_access_key = NEWSECRET
aws_session_token = NEWTOKEN
x_stslib_expiration = 2030-01-01T00:00:00Z
x_stslib_managed = true
`, "\n", eol)
}

const ownedOld = "[sts-dev]\naws_access_key_id = OLD\naws_secret_access_key = OLDSECRET\nx_stslib_managed = true\n"

func TestSplice(t *testing.T) {
	set := []Section{{Name: "sts-dev", Keys: testKeys}}
	tests := []struct {
		name   string
		src    string
		set    []Section
		remove []string
		force  bool
		want   string
	}{
		{"empty file", "", set, nil, false, block("sts-dev", "\n")},
		{"append after final newline", "[default]\nregion = x\n", set, nil, false,
			"[default]\nregion = x\n\n" + block("sts-dev", "\n")},
		{"append without final newline", "[default]\nregion = x", set, nil, false,
			"[default]\nregion = x\n\n" + block("sts-dev", "\n")},
		{"append after blank line still adds one (removal takes it back)", "[default]\nregion = x\n\n", set, nil, false,
			"[default]\nregion = x\n\n\n" + block("sts-dev", "\n")},
		{"crlf append uses crlf", "[default]\r\nregion = x\r\n", set, nil, false,
			"[default]\r\nregion = x\r\n\r\n" + block("sts-dev", "\r\n")},
		{"crlf without final newline", "[default]\r\nregion = x", set, nil, false,
			"[default]\r\nregion = x\r\n\r\n" + block("sts-dev", "\r\n")},
		{"bom kept", "\ufeff[default]\nregion = x\n", set, nil, false,
			"\ufeff[default]\nregion = x\n\n" + block("sts-dev", "\n")},
		{"quotes inline hash tabs colon kept",
			"[default]\naws_secret_access_key = \"quoted#x\" ; not a comment\n\tregion:\teu-west-1  # also value\n", set, nil, false,
			"[default]\naws_secret_access_key = \"quoted#x\" ; not a comment\n\tregion:\teu-west-1  # also value\n\n" + block("sts-dev", "\n")},
		{"replace in middle keeps comments before next header",
			"# top\n[a]\nk = v\n\n" + ownedOld + "\n# about b\n[b]\nk=v\n", set, nil, false,
			"# top\n[a]\nk = v\n\n" + block("sts-dev", "\n") + "\n# about b\n[b]\nk=v\n"},
		{"replace at end without final newline",
			"[a]\nk = v\n\n" + strings.TrimSuffix(ownedOld, "\n"), set, nil, false,
			"[a]\nk = v\n\n" + block("sts-dev", "\n")},
		{"replace crlf block",
			strings.ReplaceAll("[a]\nk = v\n\n"+ownedOld+"[b]\nk = v\n", "\n", "\r\n"), set, nil, false,
			strings.ReplaceAll("[a]\nk = v\n\n", "\n", "\r\n") + block("sts-dev", "\r\n") + "[b]\r\nk = v\r\n"},
		{"continuation lines belong to the block",
			"[sts-dev]\nx_stslib_managed = true\ns3 =\n  addressing_style = path\n\n  more = 1\n# note\n[b]\nk = v\n", set, nil, false,
			block("sts-dev", "\n") + "# note\n[b]\nk = v\n"},
		{"user continuation kept",
			"[a]\ns3 =\n    signature_version = s3v4\n\t addressing_style = path\n", set, nil, false,
			"[a]\ns3 =\n    signature_version = s3v4\n\t addressing_style = path\n\n" + block("sts-dev", "\n")},
		{"remove middle", "[a]\nk = v\n\n" + ownedOld + "\n[b]\nk = v\n", nil, []string{"sts-dev"}, false,
			"[a]\nk = v\n\n\n[b]\nk = v\n"},
		{"remove at end takes the separator", "[a]\nk = v\n\n" + ownedOld, nil, []string{"sts-dev"}, false,
			"[a]\nk = v\n"},
		{"remove in the middle keeps blank lines", "[a]\nk = v\n\n" + ownedOld + "\n[b]\nk = v\n", nil, []string{"sts-dev"}, false,
			"[a]\nk = v\n\n\n[b]\nk = v\n"},
		{"remove missing is a no-op", "[a]\nk = v", nil, []string{"sts-x"}, false, "[a]\nk = v"},
		{"force replaces user section", "[sts-dev]\naws_access_key_id = MINE\n[b]\nk = v\n", set, nil, true,
			block("sts-dev", "\n") + "[b]\nk = v\n"},
		{"config profile header", "[profile dev]\nregion = x\n",
			[]Section{{Name: "profile sts-dev", Keys: []KV{{"credential_process", "stslib-proc dev"}}}}, nil, false,
			"[profile dev]\nregion = x\n\n[profile sts-dev]\n# managed by stslib-proc; rewritten by 'stslib-proc sync'\ncredential_process = stslib-proc dev\nx_stslib_managed = true\n"},
		{"DEFAULT sections allowed twice", "[DEFAULT]\na = 1\n[DEFAULT]\nb = 2\n", set, nil, false,
			"[DEFAULT]\na = 1\n[DEFAULT]\nb = 2\n\n" + block("sts-dev", "\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Splice([]byte(tt.src), tt.set, tt.remove, SpliceOptions{Force: tt.force, Path: "creds"})
			if err != nil {
				t.Fatalf("Splice: %v", err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("Splice mismatch (-want +got):\n%s", diff)
			}
			// Idempotent: doing it again changes nothing.
			again, err := Splice(got, tt.set, tt.remove, SpliceOptions{Force: tt.force})
			if err != nil {
				t.Fatalf("second Splice: %v", err)
			}
			if diff := cmp.Diff(string(got), string(again)); diff != "" {
				t.Errorf("second Splice changed the file (-first +second):\n%s", diff)
			}
		})
	}
}

func TestSpliceNotOwned(t *testing.T) {
	src := "[a]\nk = v\n\n[sts-dev]\naws_access_key_id = MINE\n"
	tests := []struct {
		name   string
		set    []Section
		remove []string
	}{
		{"replace", []Section{{Name: "sts-dev", Keys: testKeys}}, nil},
		{"remove", nil, []string{"sts-dev"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Splice([]byte(src), tt.set, tt.remove, SpliceOptions{Path: "/home/u/.aws/credentials"})
			if !errors.Is(err, ErrNotOwned) {
				t.Fatalf("err = %v, want ErrNotOwned", err)
			}
			var ne *NotOwnedError
			if !errors.As(err, &ne) {
				t.Fatalf("err %T is not *NotOwnedError", err)
			}
			want := NotOwnedError{Path: "/home/u/.aws/credentials", Line: 4, Section: "sts-dev"}
			if diff := cmp.Diff(want, *ne); diff != "" {
				t.Errorf("NotOwnedError mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), "/home/u/.aws/credentials:4") {
				t.Errorf("error %q does not name file:line", err)
			}
		})
	}
}

func TestSpliceRefusesUnparsable(t *testing.T) {
	tests := []struct {
		name string
		src  string
		line int
	}{
		{"duplicate section", "[a]\nk = v\n[b]\n[a]\n", 4},
		{"duplicate key", "[a]\nK = v\nk = w\n", 3},
		{"key before header", "# c\nk = v\n[a]\n", 2},
		{"no delimiter", "[a]\nk = v\njunk\n", 3},
		{"empty key", "[a]\n= v\n", 2},
		{"invalid utf-8", "[a]\nk = v\nx = \xff\n", 3},
		{"unclosed header", "[a]\n[b\n", 2},
		{"crlf line numbers", "[a]\r\nk = v\r\n\r\nbad\r\n", 4},
		{"lone cr is a line break", "[a]\rk = v\rbad\r", 3},
		{"nested value without =", "[a]\ns3 =\n  style: path\n", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Splice([]byte(tt.src), []Section{{Name: "sts-dev", Keys: testKeys}}, nil, SpliceOptions{Path: "creds"})
			if got != nil {
				t.Errorf("Splice returned %d bytes with an error", len(got))
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *ParseError", err)
			}
			if pe.Line != tt.line || pe.Path != "creds" {
				t.Errorf("error at %s:%d, want creds:%d (%v)", pe.Path, pe.Line, tt.line, err)
			}
			if !errors.Is(err, ErrParse) {
				t.Errorf("errors.Is(err, ErrParse) = false")
			}
		})
	}
}

// TestSpliceAcceptsWhatBotocoreReads: files that other INI readers choke
// on (ini.v1 refuses both) are read by botocore, so they are spliced.
func TestSpliceAcceptsWhatBotocoreReads(t *testing.T) {
	for _, src := range []string{"[a]\nk = v\nj = \"\"\"open\nl = v\n", "[a]\n`k = v\n"} {
		res, err := Splice([]byte(src), []Section{{Name: "sts-dev", Keys: testKeys}}, nil, SpliceOptions{Path: "creds"})
		if err != nil {
			t.Fatalf("Splice(%q): %v", src, err)
		}
		if !strings.HasPrefix(string(res), src) {
			t.Errorf("the user's bytes changed: %q", res)
		}
	}
}

func TestSpliceRejectsBadInput(t *testing.T) {
	tests := []struct {
		name   string
		set    []Section
		remove []string
	}{
		{"bad name", []Section{{Name: "a]b"}}, nil},
		{"twice", []Section{{Name: "a"}, {Name: "a"}}, nil},
		{"set and remove", []Section{{Name: "a"}}, []string{"a"}},
		{"marker given", []Section{{Name: "a", Keys: []KV{{ManagedKey, "true"}}}}, nil},
		{"duplicate key", []Section{{Name: "a", Keys: []KV{{"k", "1"}, {"K", "2"}}}}, nil},
		{"key with delimiter", []Section{{Name: "a", Keys: []KV{{"k=x", "1"}}}}, nil},
		{"value with newline", []Section{{Name: "a", Keys: []KV{{"k", "1\n[b]"}}}}, nil},
		{"value with spaces", []Section{{Name: "a", Keys: []KV{{"k", " 1"}}}}, nil},
		{"bad comment", []Section{{Name: "a", Comment: "not a comment"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Splice([]byte("[x]\nk = v\n"), tt.set, tt.remove, SpliceOptions{}); err == nil {
				t.Fatal("Splice succeeded, want an error")
			}
		})
	}
}

func TestSpliceErrorsHideValues(t *testing.T) {
	_, err := Splice(nil, []Section{{Name: "a", Keys: []KV{{"aws_secret_access_key", "TOPSECRET\n"}}}}, nil, SpliceOptions{})
	if err == nil || strings.Contains(err.Error(), "TOPSECRET") {
		t.Fatalf("err = %v: want an error that does not show the value", err)
	}
	_, err = Splice([]byte("[a]\nk = TOPSECRET\nTOPSECRET\n"), nil, nil, SpliceOptions{})
	if err == nil || strings.Contains(err.Error(), "TOPSECRET") {
		t.Fatalf("err = %v: want an error that does not show the line", err)
	}
}

func TestValidName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"plain", "sts-dev", true},
		{"profile header", "profile dev", true},
		{"unicode", "sts-dév", true},
		{"max length", strings.Repeat("a", MaxNameLen), true},
		{"too long", strings.Repeat("a", MaxNameLen+1), false},
		{"empty", "", false},
		{"open bracket", "a[b", false},
		{"close bracket", "a]b", false},
		{"newline", "a\nb", false},
		{"cr", "a\rb", false},
		{"tab", "a\tb", false},
		{"nul", "a\x00b", false},
		{"leading space", " a", false},
		{"trailing space", "a ", false},
		{"trailing nbsp", "a\u00a0", false},
		{"hash", "#a", false},
		{"semicolon", ";a", false},
		{"hash inside ok", "a#b", true},
		{"DEFAULT", "DEFAULT", false},
		{"bad utf-8", "a\xff", false},
		{"bom", "\ufeffa", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidName(tt.in)
			if (err == nil) != tt.ok {
				t.Errorf("ValidName(%q) = %v, want ok=%v", tt.in, err, tt.ok)
			}
		})
	}
}

func TestOwned(t *testing.T) {
	src := "[a]\nk = v\n" + ownedOld + "[b]\nx_stslib_managed = false\n[c]\nX_STSLIB_MANAGED: True\n"
	got, err := Owned([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"sts-dev", "c"}, got); diff != "" {
		t.Errorf("Owned mismatch (-want +got):\n%s", diff)
	}
}

func TestDiffMasksSecrets(t *testing.T) {
	old := []byte("[a]\naws_secret_access_key = OLDSECRET\n")
	res, err := Splice(old, []Section{{Name: "sts-dev", Keys: testKeys}}, nil, SpliceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res = append(res, []byte("[z]\nsession_token =\n  CONTSECRET\n")...)
	d := Diff("creds", old, res)
	for _, secret := range []string{"OLDSECRET", "NEWSECRET", "NEWTOKEN", "CONTSECRET"} {
		if strings.Contains(d, secret) {
			t.Errorf("diff shows %s:\n%s", secret, d)
		}
	}
	for _, want := range []string{"+aws_access_key_id = ASIANEWKEY", "+aws_secret_access_key = ****", "--- creds"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	if d := Diff("creds", old, old); d != "" {
		t.Errorf("Diff of equal inputs = %q, want empty", d)
	}
}

// TestAppendRemoveCycle: sync then clear, again and again, gives back the
// original bytes; the file never grows.
func TestAppendRemoveCycle(t *testing.T) {
	originals := []string{
		"[a]\nk = v\n",
		"# c\n[a]\nk = v\n\n",
		"[a]\r\nk = v\r\n",
		"",
	}
	sec := []Section{{Name: "sts-x", Keys: []KV{{"aws_access_key_id", "A"}}}, {Name: "sts-y", Keys: []KV{{"aws_access_key_id", "B"}}}}
	for _, orig := range originals {
		cur := []byte(orig)
		for cycle := 0; cycle < 3; cycle++ {
			added, err := Splice(cur, sec, nil, SpliceOptions{})
			if err != nil {
				t.Fatal(err)
			}
			cur, err = Splice(added, nil, []string{"sts-x", "sts-y"}, SpliceOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if string(cur) != orig {
				t.Fatalf("cycle %d: %q became %q", cycle, orig, cur)
			}
		}
	}
}
