package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/stslib/stslib-proc/internal/stsemu"
	"github.com/stslib/stslib-proc/internal/testenv"
	"github.com/stslib/stslib-proc/serve/warm"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"stslib-proc":      func() { os.Exit(run(os.Args[1:], osDeps())) },
		"stslib-proc-fast": func() { os.Exit(warm.Main(os.Args[1:])) },
	})
}

// TestScripts runs testdata/script/*.txtar: every command's output and
// exit status, error paths included. Each script gets its own emulator
// (STS_URL, AWS_ENDPOINT_URL_STS), HOME and data directory.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("..", "..", "testdata", "script"),
		Setup: func(e *testscript.Env) error {
			emu, err := stsemu.Start(stsemu.DefaultConfig())
			if err != nil {
				return err
			}
			e.Defer(func() { emu.Close() })
			// The script's records in the kernel keyring go with it.
			data := filepath.Join(e.Getenv("WORK"), "data")
			state := filepath.Join(e.Getenv("WORK"), ".local", "state", "stslib-proc")
			e.Defer(func() {
				testenv.RemoveKernelRecords(data)
				testenv.RemoveStateKernelRecords(state)
			})
			e.Values["emu"] = emu
			e.Values["lastStep"] = new(int64)
			home := e.Getenv("WORK")
			for k, v := range map[string]string{
				"HOME":                        home,
				"USER":                        "tester",
				"STS_URL":                     emu.URL(),
				"AWS_ENDPOINT_URL_STS":        emu.URL(),
				"AWS_CONFIG_FILE":             filepath.Join(home, ".aws", "config"),
				"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, ".aws", "credentials"),
				"STSLIB_DATA_DIR":             filepath.Join(home, "data"),
				"XDG_STATE_HOME":              filepath.Join(home, ".local", "state"),
				"STSLIB_KEYRING":              "file",
				"STSLIB_FILE_PASSPHRASE":      "test-passphrase",
				"XDG_CONFIG_HOME":             filepath.Join(home, ".config"),
				"NO_COLOR":                    "1",
				"STSLIB_NONINTERACTIVE":       "1",
				"AWS_ACCESS_KEY":              stsemu.DefaultAccessKeyID,
				"AWS_SECRET":                  stsemu.DefaultSecretAccessKey,
				"MFA_SERIAL":                  stsemu.DefaultMFASerial,
				"TOTP_SECRET":                 stsemu.DefaultTOTPSecret,
			} {
				e.Setenv(k, v)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// totp VAR: sets VAR to the current TOTP code of the emulator's
			// user, waiting for a fresh step if the last one was used.
			"totp": func(ts *testscript.TestScript, neg bool, args []string) {
				emu := ts.Value("emu").(*stsemu.Server)
				last := ts.Value("lastStep").(*int64)
				if emu.Now().Unix()/30 == *last {
					time.Sleep(time.Duration(30-emu.Now().Unix()%30)*time.Second + 100*time.Millisecond)
				}
				now := emu.Now()
				*last = now.Unix() / 30
				code, err := stsemu.TOTP(stsemu.DefaultTOTPSecret, now)
				ts.Check(err)
				ts.Setenv(args[0], code)
			},
			// stscalls ACTION N: the emulator saw exactly N calls of ACTION.
			"stscalls": func(ts *testscript.TestScript, neg bool, args []string) {
				emu := ts.Value("emu").(*stsemu.Server)
				want, err := strconv.Atoi(args[1])
				ts.Check(err)
				if got := emu.Stats()[args[0]]; got != want {
					ts.Fatalf("emulator saw %d %s calls, want %d", got, args[0], want)
				}
			},
			// alone DIR: copies the stslib-proc-fast program into DIR, without
			// the full stslib-proc beside it.
			"alone": func(ts *testscript.TestScript, neg bool, args []string) {
				var src string
				for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
					if p := filepath.Join(dir, "stslib-proc-fast"); fileExists(p) {
						src = p
						break
					}
				}
				if src == "" {
					ts.Fatalf("stslib-proc-fast not on PATH")
				}
				dir := ts.MkAbs(args[0])
				ts.Check(os.MkdirAll(dir, 0o755))
				// A hard link, not a copy: a file this process just wrote
				// can be held open by a child forked meanwhile, and exec
				// would fail with "text file busy".
				dst := filepath.Join(dir, "stslib-proc-fast")
				if err := os.Link(src, dst); err != nil {
					data, err := os.ReadFile(src)
					ts.Check(err)
					ts.Check(os.WriteFile(dst, data, 0o755))
				}
			},
			// nosecret FILE: FILE holds no secret of the emulator's user and
			// no secret the emulator issued.
			"nosecret": func(ts *testscript.TestScript, neg bool, args []string) {
				emu := ts.Value("emu").(*stsemu.Server)
				data := ts.ReadFile(args[0])
				secrets := []string{stsemu.DefaultSecretAccessKey}
				for _, c := range emu.Calls() {
					if tc := c.Params.Get("TokenCode"); tc != "" {
						secrets = append(secrets, tc)
					}
				}
				for _, s := range secrets {
					if s != "" && strings.Contains(data, s) {
						ts.Fatalf("%s leaks a secret", args[0])
					}
				}
			},
		},
	})
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
