package inifile

import (
	"strings"
	"testing"
)

// TestDiffMasks: every value a dry run could leak is masked: secret keys,
// their continuation lines, and the arguments of mfa_process and
// credential_process (a TOTP seed, a password manager item).
func TestDiffMasks(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     []string // lines the diff must show
		secrets  []string // what it must never show
	}{
		{
			name:    "mfa_process seed",
			new:     "[profile BobSmith]\nmfa_process = oathtool --totp -b JBSWY3DPEHPK3PXP\n",
			want:    []string{"+mfa_process = oathtool ****"},
			secrets: []string{"JBSWY3DPEHPK3PXP", "--totp"},
		},
		{
			name:    "credential_process with a token",
			new:     "[profile x]\ncredential_process = /usr/bin/vault-helper --token s.SECRETTOKEN\n",
			want:    []string{"+credential_process = /usr/bin/vault-helper ****"},
			secrets: []string{"s.SECRETTOKEN"},
		},
		{
			name:    "removed line is masked too",
			old:     "[profile x]\nmfa_process: op item get --otp OLDITEM\n",
			new:     "[profile x]\n",
			want:    []string{"-mfa_process: op ****"},
			secrets: []string{"OLDITEM"},
		},
		{
			name:    "key case and spacing",
			new:     "[profile x]\nMFA_Process\t=\toathtool -b SEEDSEED\n",
			want:    []string{"+MFA_Process\t=\toathtool ****"},
			secrets: []string{"SEEDSEED"},
		},
		{
			name:    "quoted program is masked whole",
			new:     "[profile x]\ncredential_process = \"/opt/my tool\" QUOTEDARG\n",
			want:    []string{"+credential_process = ****"},
			secrets: []string{"QUOTEDARG", "my tool"},
		},
		{
			name:    "continuation of a command",
			new:     "[profile x]\nmfa_process = oathtool\n  -b CONTSEED\n",
			want:    []string{"+mfa_process = oathtool", "+  ****"},
			secrets: []string{"CONTSEED"},
		},
		{
			name: "configure's own line stays readable",
			new:  "[profile dev]\ncredential_process = stslib-proc DynamoDBRole-dev\n",
			want: []string{"+credential_process = stslib-proc DynamoDBRole-dev"},
		},
		{
			name: "configure's quoted line stays readable",
			new:  "[profile dev]\ncredential_process = stslib-proc process -- '-x y'\n",
			want: []string{"+credential_process = stslib-proc process -- '-x y'"},
		},
		{
			name:    "stslib-proc with a flag after the profile is masked",
			new:     "[profile dev]\ncredential_process = stslib-proc dev --mfa-code=123456\n",
			want:    []string{"+credential_process = stslib-proc ****"},
			secrets: []string{"123456"},
		},
		{
			name:    "stslib-proc with a flag is masked",
			new:     "[profile dev]\ncredential_process = /home/u/go/bin/stslib-proc --mfa-code 123456 dev\n",
			want:    []string{"+credential_process = /home/u/go/bin/stslib-proc ****"},
			secrets: []string{"123456"},
		},
		{
			name:    "secret keys",
			new:     "[sts-dev]\naws_secret_access_key = SECRETKEY\naws_session_token = SESSIONTOKEN\naws_security_token = SECURITYTOKEN\n",
			want:    []string{"+aws_secret_access_key = ****", "+aws_session_token = ****", "+aws_security_token = ****"},
			secrets: []string{"SECRETKEY", "SESSIONTOKEN", "SECURITYTOKEN"},
		},
		{
			name:    "unparsable file is masked conservatively",
			new:     "[a]\n[a]\nmfa_process = oathtool -b DUPSEED\naws_session_token = DUPTOKEN\n",
			want:    []string{"+mfa_process = oathtool ****", "+aws_session_token = ****"},
			secrets: []string{"DUPSEED", "DUPTOKEN"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Diff("config", []byte(tt.old), []byte(tt.new))
			if d == "" {
				t.Fatal("empty diff")
			}
			lines := strings.Split(d, "\n")
			for _, w := range tt.want {
				if !contains(lines, w) {
					t.Errorf("diff lacks the line %q:\n%s", w, d)
				}
			}
			for _, s := range tt.secrets {
				if strings.Contains(d, s) {
					t.Errorf("diff shows %q:\n%s", s, d)
				}
			}
		})
	}
}

func contains(lines []string, s string) bool {
	for _, l := range lines {
		if l == s {
			return true
		}
	}
	return false
}

// TestDiffEscapesControls: a hostile file cannot drive the terminal of
// whoever runs a dry run.
func TestDiffEscapesControls(t *testing.T) {
	old := []byte("[a]\nx = 1\n")
	new := []byte("[a]\nx = 1\n[evil\x1b]2;pwned\x07]\nregion = us-east-1\x1b[2J\u202egnp.exe\x9b\xff\n")
	d := Diff("creds\x1b[31m", old, new)
	for _, c := range []string{"\x1b", "\x07", "\u202e", "\xff"} {
		if strings.Contains(d, c) {
			t.Errorf("diff carries %q raw:\n%q", c, d)
		}
	}
	for _, w := range []string{`+[evil\x1b]2;pwned\x07]`, `+region = us-east-1\x1b[2J\u202egnp.exe\x9b\xff`, `--- creds\x1b[31m`} {
		if !strings.Contains(d, w) {
			t.Errorf("diff lacks %q:\n%s", w, d)
		}
	}
}

func TestEscapeControls(t *testing.T) {
	for in, want := range map[string]string{
		"plain":        "plain",
		"tab\tkept":    "tab\tkept",
		"é ünïcode 名前": "é ünïcode 名前",
		"\x1b[0m":      `\x1b[0m`,
		"a\rb":         `a\x0db`,
		"\u0085":       `\x85`,
		"\u2028\u2066": `\u2028\u2066`,
		"bad\xc3":      `bad\xc3`,
		"\x7f":         `\x7f`,
	} {
		if got := escapeControls(in); got != want {
			t.Errorf("escapeControls(%q) = %q, want %q", in, got, want)
		}
	}
}
