package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/stslib/stslib-proc/internal/stsemu"
	"github.com/stslib/stslib-proc/internal/testenv"
)

// Goals.
const (
	warmRatioGoal = 1.5
	rssGoalKiB    = 20 * 1024
	latency       = 50 * time.Millisecond
	coldGoal      = 3*latency + 50*time.Millisecond
	syncGoal      = 600 * time.Millisecond
	tlsSyncGoal   = 500 * time.Millisecond
	// defaultParallel is sync's default --parallel (cmd/stslib-proc).
	defaultParallel = 32
	syncRoles       = 100
	concCalls       = 50
	concRoles       = 5
	passphrase      = "stslib-bench-passphrase"
	benchAccount    = "111122223333"
	roleAccount     = "444455556666"
)

// Row is one line of the result table.
type Row struct {
	Name   string `json:"name"`
	Figure string `json:"figure"`
	Goal   string `json:"goal,omitempty"`
	// Verdict is PASS, MISS, or "" for a figure with no goal.
	Verdict string `json:"verdict,omitempty"`
	// Value is the main figure in the unit named by Unit, for scripts.
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	Note  string  `json:"note,omitempty"`
}

// Report is the -json output.
type Report struct {
	Machine Machine  `json:"machine"`
	Runs    int      `json:"runs"`
	Rows    []Row    `json:"rows"`
	Errors  []string `json:"errors,omitempty"`
}

// Machine describes where the figures were taken.
type Machine struct {
	CPUs      int    `json:"nproc"`
	CPU       string `json:"cpu"`
	GoVersion string `json:"go"`
	OS        string `json:"os"`
	Date      string `json:"date"`
	Build     string `json:"build_flags"`
}

var buildFlags = []string{"-trimpath", "-ldflags=-s -w"}

// cgoEnv makes both binaries static: with cgo, anything importing net is
// linked dynamically and pays the dynamic loader on every start.
const cgoEnv = "CGO_ENABLED=0"

func main() {
	runs := flag.Int("runs", 200, "warm runs of each command (interleaved)")
	quick := flag.Bool("quick", false, "fewer runs and trials (CI smoke)")
	asJSON := flag.Bool("json", false, "print JSON")
	markdown := flag.Bool("markdown", false, "print a README-ready Markdown table with machine info")
	verbose := flag.Bool("v", false, "log progress to stderr")
	aheadLife := flag.Duration("ahead-life", 0, "role credential lifetime of the refresh-ahead rows (default 30s, -quick 15s)")
	aheadRun := flag.Duration("ahead-run", 0, "length of the refresh-ahead rows (default 2m, -quick 50s)")
	only := flag.String("only", "", "run only these rows (comma-separated: warm, secret-service, cold, concurrent, sync, tls, ahead); ahead also runs warm, its yardstick")
	flag.Parse()
	coldTrials := 5
	if *quick {
		if !flagSet("runs") {
			*runs = 30
		}
		coldTrials = 3
	}
	if *runs < 1 {
		fmt.Fprintln(os.Stderr, "bench: -runs must be at least 1")
		os.Exit(2)
	}
	b := &bench{runs: *runs, coldTrials: coldTrials, verbose: *verbose, aheadLife: 30 * time.Second, aheadRun: 2 * time.Minute}
	if *only != "" {
		b.only = map[string]bool{}
		var names []string
		for _, g := range b.groups() {
			names = append(names, g.name)
		}
		for _, r := range strings.Split(*only, ",") {
			if !slices.Contains(names, r) {
				fmt.Fprintf(os.Stderr, "bench: -only: unknown row group %q (want %s)\n", r, strings.Join(names, ", "))
				os.Exit(2)
			}
			b.only[r] = true
		}
		if b.only["ahead"] {
			b.only["warm"] = true
		}
	}
	if *quick {
		b.aheadLife, b.aheadRun = 15*time.Second, 50*time.Second
	}
	if *aheadLife > 0 {
		b.aheadLife = *aheadLife
	}
	if *aheadRun > 0 {
		b.aheadRun = *aheadRun
	}
	err := b.run()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
	rep := Report{Machine: machine(), Runs: *runs, Rows: b.rows}
	for _, e := range b.errs {
		rep.Errors = append(rep.Errors, e.Error())
	}
	switch {
	case *asJSON:
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	case *markdown:
		printMarkdown(os.Stdout, rep)
	default:
		printTable(os.Stdout, rep)
	}
	if len(b.errs) > 0 {
		for _, e := range b.errs {
			fmt.Fprintf(os.Stderr, "bench: not measured: %v\n", e)
		}
		os.Exit(1)
	}
}

func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

type bench struct {
	runs       int
	coldTrials int
	verbose    bool
	// only, when set, names the row groups to run.
	only map[string]bool

	tmp  string
	bin  string // stslib-proc
	fast string // stslib-proc-fast: the warm path alone
	// warmMed is the warm fast call's median (file backend), the yardstick
	// of the refresh-ahead rows.
	warmMed time.Duration
	// aheadLife and aheadRun size the refresh-ahead rows.
	aheadLife, aheadRun time.Duration
	hello               string
	wrap                string // rusage wrapper
	oath                string
	emu                 *stsemu.Server
	// emuTLS serves the same users and roles over HTTPS (its CA in caFile),
	// with latency per connection as well as per request.
	emuTLS *stsemu.Server
	caFile string
	users  []stsemu.User
	next   int // next unused emulator user

	fixtures []*fixture
	rows     []Row
	errs     []error
}

func (b *bench) logf(format string, args ...any) {
	if b.verbose {
		fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	}
}

// fail records a figure that could not be measured; the other rows go on.
func (b *bench) fail(row string, err error) {
	b.errs = append(b.errs, fmt.Errorf("%s: %w", row, err))
}

func (b *bench) run() error {
	var err error
	if b.oath, err = exec.LookPath("oathtool"); err != nil {
		return errors.New("oathtool not found: the cold rows run mfa_process = oathtool")
	}
	if b.tmp, err = os.MkdirTemp("", "stslib-bench-"); err != nil {
		return err
	}
	defer os.RemoveAll(b.tmp)
	if err := b.build(); err != nil {
		return err
	}
	if err := b.startEmulator(); err != nil {
		return err
	}
	defer b.emu.Close()
	defer b.emuTLS.Close()
	defer b.cleanup()

	for _, g := range b.groups() {
		if b.only == nil || b.only[g.name] {
			g.run()
		}
	}
	return nil
}

type rowGroup struct {
	name string
	run  func()
}

// groups are the benchmark's row groups in run order; -only names them.
func (b *bench) groups() []rowGroup {
	return []rowGroup{
		{"warm", func() { b.warmRows("file", nil) }},
		{"secret-service", b.warmSecretService},
		{"cold", b.coldRow},
		{"concurrent", b.concurrentRow},
		{"sync", b.syncRows},
		{"tls", b.tlsRows},
		{"ahead", b.aheadRows},
	}
}

// build compiles the three binaries with the same flags.
func (b *bench) build() error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	b.bin = filepath.Join(b.tmp, "stslib-proc")
	b.hello = filepath.Join(b.tmp, "hello")
	b.wrap = filepath.Join(b.tmp, "rusage")
	b.logf("building into %s", b.tmp)
	if err := goBuild(root, b.bin, "./cmd/stslib-proc"); err != nil {
		return err
	}
	b.fast = filepath.Join(b.tmp, "stslib-proc-fast")
	if err := goBuild(root, b.fast, "./cmd/stslib-proc-fast"); err != nil {
		return err
	}
	for _, p := range []struct{ out, src string }{{b.hello, helloSrc}, {b.wrap, wrapSrc}} {
		dir := p.out + "-src"
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module bench\n\ngo 1.26\n"), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(p.src), 0o644); err != nil {
			return err
		}
		if err := goBuild(dir, p.out, "."); err != nil {
			return err
		}
	}
	return nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run the bench inside the stslib-proc module")
	}
	return filepath.Dir(mod), nil
}

func goBuild(dir, out, pkg string) error {
	args := append([]string{"build"}, buildFlags...)
	args = append(args, "-o", out, pkg)
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off", cgoEnv)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, msg)
	}
	return nil
}

// helloSrc is the floor: a Go program that prints a line.
const helloSrc = `package main

import "os"

func main() { os.Stdout.WriteString("hello\n") }
`

// wrapSrc runs a command and prints its peak RSS in KiB. The parent's own
// ProcessState cannot be used directly: Go starts children with
// CLONE_VM|CLONE_VFORK, and Linux's exec folds the parent's high-water RSS
// into the child's ru_maxrss, so a large parent inflates every child. This
// wrapper is small, so its floor (measured with /bin/true) is low.
const wrapSrc = `package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func main() {
	c := exec.Command(os.Args[1], os.Args[2:]...)
	c.Stderr = os.Stderr
	err := c.Run()
	if c.ProcessState == nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(c.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)
	os.Exit(c.ProcessState.ExitCode())
}
`

// startEmulator serves STS with a pool of users (each cold measurement
// needs a TOTP step of its own, so each gets its own user and seed) and
// syncRoles roles that trust the users' account.
func (b *bench) startEmulator() error {
	cfg := stsemu.DefaultConfig()
	for i := range 32 {
		seed := make([]byte, 20)
		if _, err := rand.Read(seed); err != nil {
			return err
		}
		name := fmt.Sprintf("BenchUser%d", i)
		b.users = append(b.users, stsemu.User{
			Name:            name,
			AccessKeyID:     fmt.Sprintf("AKIABENCH%011d", i),
			SecretAccessKey: hex.EncodeToString(seed), // 40 characters, like a real one
			ARN:             "arn:aws:iam::" + benchAccount + ":user/" + name,
			MFASerial:       "arn:aws:iam::" + benchAccount + ":mfa/" + name,
			TOTPSecret:      base32.StdEncoding.EncodeToString(seed),
		})
	}
	cfg.Users = append(cfg.Users, b.users...)
	for i := range syncRoles {
		cfg.Roles = append(cfg.Roles, stsemu.Role{
			ARN:                fmt.Sprintf("arn:aws:iam::%s:role/BenchRole%d", roleAccount, i),
			TrustedPrincipals:  []string{"arn:aws:iam::" + benchAccount + ":root"},
			MaxSessionDuration: 43200,
		})
	}
	emu, err := stsemu.Start(cfg)
	if err != nil {
		return fmt.Errorf("start emulator: %w", err)
	}
	b.emu = emu
	if b.emuTLS, err = stsemu.StartTLS(cfg); err != nil {
		return fmt.Errorf("start TLS emulator: %w", err)
	}
	b.caFile = filepath.Join(b.tmp, "sts-ca.pem")
	return os.WriteFile(b.caFile, b.emuTLS.CACertPEM(), 0o600)
}

// fixture is one HOME with an AWS config for one emulator user and n role
// profiles Role-0 … Role-(n-1), plus a data directory.
type fixture struct {
	b       *bench
	home    string
	data    string
	source  string
	keyring string
	extra   []string
	cleared bool
	tls     bool // use the HTTPS emulator
}

func (b *bench) newFixture(keyring string, roles int, extra ...string) (*fixture, error) {
	if b.next >= len(b.users) {
		return nil, errors.New("out of emulator users")
	}
	u := b.users[b.next]
	b.next++
	home, err := os.MkdirTemp(b.tmp, "home-")
	if err != nil {
		return nil, err
	}
	f := &fixture{b: b, home: home, data: filepath.Join(home, "data"), source: u.Name, keyring: keyring, extra: extra}
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		return nil, err
	}
	seed := filepath.Join(home, ".aws", "totp-seed") // never on the command line
	if err := os.WriteFile(seed, []byte(u.TOTPSecret+"\n"), 0o600); err != nil {
		return nil, err
	}
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "[profile %s]\nregion = us-east-1\nmfa_serial = %s\nmfa_process = %s --totp -b @%s\n\n", u.Name, u.MFASerial, b.oath, seed)
	for i := range roles {
		fmt.Fprintf(&cfg, "[profile Role-%d]\nrole_arn = arn:aws:iam::%s:role/BenchRole%d\nsource_profile = %s\nregion = us-east-1\n\n", i, roleAccount, i, u.Name)
	}
	creds := fmt.Sprintf("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", u.Name, u.AccessKeyID, u.SecretAccessKey)
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(cfg.String()), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte(creds), 0o600); err != nil {
		return nil, err
	}
	b.fixtures = append(b.fixtures, f)
	return f, nil
}

func (f *fixture) env() []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + f.home,
		"USER=bench",
		"AWS_CONFIG_FILE=" + filepath.Join(f.home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(f.home, ".aws", "credentials"),
		"AWS_ENDPOINT_URL_STS=" + f.url(),
		"XDG_CONFIG_HOME=" + filepath.Join(f.home, ".config"),
		"STSLIB_KEYRING=" + f.keyring,
		"STSLIB_FILE_PASSPHRASE=" + passphrase,
		"STSLIB_DATA_DIR=" + f.data,
	}
	if f.tls {
		env = append(env, "AWS_CA_BUNDLE="+f.b.caFile)
	}
	return append(env, f.extra...)
}

func (f *fixture) url() string {
	if f.tls {
		return f.b.emuTLS.URL()
	}
	return f.b.emu.URL()
}

// cmd returns a stslib-proc command in the fixture.
func (f *fixture) cmd(args ...string) *exec.Cmd {
	c := exec.Command(f.b.bin, args...)
	c.Env = f.env()
	return c
}

// call runs stslib-proc and returns its stdout; stderr goes into the error.
func (f *fixture) call(args ...string) ([]byte, time.Duration, error) {
	c := f.cmd(args...)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	start := time.Now()
	err := c.Run()
	d := time.Since(start)
	if err != nil {
		return nil, d, fmt.Errorf("stslib-proc %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), d, nil
}

// checkProcessJSON verifies credential_process Version 1 output.
func checkProcessJSON(out []byte) error {
	var v struct {
		Version         int
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string
		SessionToken    string
		Expiration      string
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return fmt.Errorf("output is not JSON: %v", err)
	}
	if v.Version != 1 || v.AccessKeyID == "" || v.SecretAccessKey == "" || v.SessionToken == "" || v.Expiration == "" {
		return errors.New("output lacks Version 1, AccessKeyId, SecretAccessKey, SessionToken or Expiration")
	}
	return nil
}

// cleanup forgets what the bench cached: the hot tier lives in the user's
// kernel keyring, which outlives the temporary directories.
func (b *bench) cleanup() {
	for _, f := range b.fixtures {
		f.clear()
	}
}

// clear runs "stslib-proc clear --all" once; its errors do not matter.
func (f *fixture) clear() {
	if f.cleared {
		return
	}
	f.cleared = true
	var errb bytes.Buffer
	c := f.cmd("clear", "--all")
	c.Stderr = &errb
	if err := c.Run(); err != nil {
		f.b.logf("clear in %s: %v: %s", f.home, err, strings.TrimSpace(errb.String()))
	}
}

// warmRows measures the warm call for one backend.
func (b *bench) warmRows(keyring string, extra []string) {
	label := keyring
	name := "warm credential_process (" + label + " backend)"
	b.emu.SetLatency(0)
	f, err := b.newFixture(keyring, 1, extra...)
	if err != nil {
		b.fail(name, err)
		return
	}
	if _, _, err := f.call("Role-0"); err != nil { // cold: fills the cache
		b.fail(name, err)
		return
	}
	out, _, err := f.call("Role-0")
	if err == nil {
		err = checkProcessJSON(out)
	}
	if err != nil {
		b.fail(name, err)
		return
	}
	b.emu.ResetStats()
	b.logf("warm %s: %d interleaved runs", label, b.runs)
	cmds := []func() *exec.Cmd{
		func() *exec.Cmd { c := exec.Command(b.fast, "Role-0"); c.Env = f.env(); return c },
		func() *exec.Cmd { c := exec.Command(b.hello); c.Env = f.env(); return c },
		func() *exec.Cmd { c := exec.Command("/bin/true"); c.Env = f.env(); return c },
		func() *exec.Cmd { // start-up alone: the recursion guard exits before any work
			c := f.cmd("Role-0")
			c.Env = append(c.Env, "STSLIB_PROC_ACTIVE=1")
			return c
		},
		func() *exec.Cmd { return f.cmd("Role-0") }, // the full binary's own warm path
	}
	times := make([][]time.Duration, len(cmds))
	for i := range b.runs {
		for j := range cmds {
			k := (i + j) % len(cmds) // rotate the order to cancel drift
			c := cmds[k]()
			start := time.Now()
			err := c.Run()
			d := time.Since(start)
			if k == 3 && c.ProcessState != nil && c.ProcessState.ExitCode() == 1 {
				err = nil // the guard's error is the point
			}
			if err != nil {
				b.fail(name, fmt.Errorf("%s: %v", c.Path, err))
				return
			}
			times[k] = append(times[k], d)
		}
	}
	if st := b.emu.Stats(); len(st) != 0 {
		b.fail(name, fmt.Errorf("warm calls reached STS: %v", st))
		return
	}
	w, h, t, g, full := summarize(times[0]), summarize(times[1]), summarize(times[2]), summarize(times[3]), summarize(times[4])
	ratio := float64(w.med) / float64(h.med)
	if b.warmMed == 0 {
		b.warmMed = w.med
	}
	b.rows = append(b.rows,
		Row{
			Name: name + ", stslib-proc-fast", Figure: fmt.Sprintf("%s (p10–p90 %s–%s), %.2f× the floor", ms(w.med), ms(w.p10), ms(w.p90), ratio),
			Goal: fmt.Sprintf("≤ %.1f× floor", warmRatioGoal), Verdict: verdict(ratio <= warmRatioGoal),
			Value: ratio, Unit: "x", Note: fmt.Sprintf("median over %d runs; credential_process = stslib-proc-fast ROLE", b.runs),
		},
		Row{
			Name: "  the same through the full stslib-proc", Figure: fmt.Sprintf("%s (p10–p90 %s–%s), %.2f× the floor", ms(full.med), ms(full.p10), ms(full.p90), float64(full.med)/float64(h.med)),
			Value: msf(full.med), Unit: "ms", Note: "one binary with every command: same cached answer, but it links the SDK, kong, age and the emulator",
		},
		Row{Name: "  floor: hello-world Go binary", Figure: fmt.Sprintf("%s (p10–p90 %s–%s)", ms(h.med), ms(h.p10), ms(h.p90)), Value: msf(h.med), Unit: "ms"},
		Row{Name: "  /bin/true", Figure: fmt.Sprintf("%s (p10–p90 %s–%s)", ms(t.med), ms(t.p10), ms(t.p90)), Value: msf(t.med), Unit: "ms"},
		Row{
			Name: "  stslib-proc start-up only", Figure: fmt.Sprintf("%s (p10–p90 %s–%s), %.2f× the floor", ms(g.med), ms(g.p10), ms(g.p90), float64(g.med)/float64(h.med)),
			Value: msf(g.med), Unit: "ms", Note: "STSLIB_PROC_ACTIVE=1: runtime and package init, then the recursion guard exits before reading any file",
		},
	)
	if keyring == "file" {
		b.rssRows(f)
	}
}

// warmSecretService runs warmRows with a private gnome-keyring.
func (b *bench) warmSecretService() {
	name := "warm credential_process (os backend)"
	for _, tool := range []string{"dbus-daemon", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.fail(name, fmt.Errorf("%s not found", tool))
			return
		}
	}
	dir, err := os.MkdirTemp("", "stslib-ss-") // short: a unix socket lives here
	if err != nil {
		b.fail(name, err)
		return
	}
	defer os.RemoveAll(dir)
	addr, stop, err := testenv.StartSecretService(dir)
	if err != nil {
		b.fail(name, err)
		return
	}
	defer stop()
	n := len(b.fixtures)
	b.warmRows("os", []string{"DBUS_SESSION_BUS_ADDRESS=" + addr})
	for _, f := range b.fixtures[n:] { // while the keyring daemon still runs
		f.clear()
	}
}

// rssRows measures peak RSS through the wrapper and the binary size.
func (b *bench) rssRows(f *fixture) {
	name := "peak RSS, warm call"
	n := min(b.runs, 20)
	measure := func(args ...string) (int64, error) {
		var best int64
		for range n {
			c := exec.Command(b.wrap, args...)
			c.Env = f.env()
			out, err := c.Output()
			if err != nil {
				return 0, fmt.Errorf("%s: %v", args[0], err)
			}
			v, err := strconv.ParseInt(strings.TrimSpace(lastLine(out)), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s: wrapper printed no RSS", args[0])
			}
			best = max(best, v)
		}
		return best, nil
	}
	rss, err := measure(b.fast, "Role-0")
	if err != nil {
		b.fail(name, err)
		return
	}
	hello, err := measure(b.hello)
	if err != nil {
		b.fail(name, err)
		return
	}
	floor, err := measure("/bin/true")
	if err != nil {
		b.fail(name, err)
		return
	}
	b.rows = append(b.rows, Row{
		Name:   name,
		Figure: fmt.Sprintf("%.1f MB (hello %.1f MB, wrapper floor %.1f MB)", mb(rss), mb(hello), mb(floor)),
		Goal:   "≤ 20 MB", Verdict: verdict(rss <= rssGoalKiB), Value: mb(rss), Unit: "MB",
		Note: fmt.Sprintf("max ru_maxrss of %d runs, taken through a small wrapper: Go spawns children with CLONE_VM|CLONE_VFORK and exec folds the parent's peak RSS into the child's ru_maxrss, so the bench's own ProcessState would report the bench's size", n),
	})
	fullRSS, err := measure(b.bin, "Role-0")
	if err != nil {
		b.fail(name, err)
		return
	}
	b.rows = append(b.rows, Row{Name: "  peak RSS through the full stslib-proc", Figure: fmt.Sprintf("%.1f MB", mb(fullRSS)), Value: mb(fullRSS), Unit: "MB"})
	for _, p := range []struct{ name, path string }{{"binary size stslib-proc", b.bin}, {"binary size stslib-proc-fast", b.fast}, {"  binary size hello", b.hello}} {
		st, err := os.Stat(p.path)
		if err != nil {
			b.fail(p.name, err)
			continue
		}
		b.rows = append(b.rows, Row{Name: p.name, Figure: fmt.Sprintf("%.1f MB", float64(st.Size())/1e6), Value: float64(st.Size()) / 1e6, Unit: "MB", Note: strings.Join(buildFlags, " ")})
	}
}

func lastLine(b []byte) string {
	s := strings.TrimRight(string(b), "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// coldRow times one process that runs mfa_process, GetSessionToken and
// AssumeRole, each trial with a fresh data dir and its own emulator user.
func (b *bench) coldRow() {
	name := "cold call, memory backend (GetSessionToken+AssumeRole, oathtool)"
	b.emu.SetLatency(latency)
	defer b.emu.SetLatency(0)
	var times []time.Duration
	for i := range b.coldTrials {
		f, err := b.newFixture("memory", 1)
		if err != nil {
			b.fail(name, err)
			return
		}
		b.emu.ResetStats()
		out, d, err := f.call("Role-0")
		if err == nil {
			err = checkProcessJSON(out)
		}
		if err != nil {
			b.fail(name, fmt.Errorf("trial %d: %w", i, err))
			return
		}
		st := b.emu.Stats()
		if st["GetSessionToken"] != 1 || st["AssumeRole"] != 1 {
			b.fail(name, fmt.Errorf("trial %d: STS calls %v, want 1 GetSessionToken + 1 AssumeRole", i, st))
			return
		}
		times = append(times, d)
	}
	s := summarize(times)
	b.rows = append(b.rows, Row{
		Name:   name,
		Figure: fmt.Sprintf("%s = %.2f RTT (min %s, max %s)", ms(s.med), float64(s.med)/float64(latency), ms(s.min), ms(s.max)),
		Goal:   fmt.Sprintf("≤ %s (3 RTT + 50 ms)", ms(coldGoal)), Verdict: verdict(s.med <= coldGoal),
		Value: msf(s.med), Unit: "ms",
		Note: fmt.Sprintf("median of %d trials, RTT = %s emulator latency; memory keyring: one process, no scrypt", len(times), latency),
	})
}

// concurrentRow starts concCalls cold calls at once over concRoles roles
// sharing one file keyring and data dir.
func (b *bench) concurrentRow() {
	name := fmt.Sprintf("%d concurrent cold calls, %d roles, file backend", concCalls, concRoles)
	b.emu.SetLatency(latency)
	defer b.emu.SetLatency(0)
	f, err := b.newFixture("file", concRoles)
	if err != nil {
		b.fail(name, err)
		return
	}
	b.emu.ResetStats()
	var wg sync.WaitGroup
	errs := make([]error, concCalls)
	start := time.Now()
	for i := range concCalls {
		wg.Go(func() {
			out, _, err := f.call(fmt.Sprintf("Role-%d", i%concRoles))
			if err == nil {
				err = checkProcessJSON(out)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	wall := time.Since(start)
	failed := 0
	var first error
	for _, err := range errs {
		if err != nil {
			failed++
			if first == nil {
				first = err
			}
		}
	}
	st := b.emu.Stats()
	gst, ar := st["GetSessionToken"], st["AssumeRole"]
	note := fmt.Sprintf("%d/%d exited 0; RTT = %s", concCalls-failed, concCalls, latency)
	if first != nil {
		note += "; first failure: " + first.Error()
	}
	b.rows = append(b.rows,
		Row{
			Name: name + ": STS calls", Figure: fmt.Sprintf("%d GetSessionToken + %d AssumeRole", gst, ar),
			Goal: fmt.Sprintf("1 + %d", concRoles), Verdict: verdict(gst == 1 && ar == concRoles && failed == 0),
			Value: float64(gst + ar), Unit: "calls", Note: note,
		},
		Row{Name: name + ": wall", Figure: ms(wall), Value: msf(wall), Unit: "ms", Note: "first file-keyring identity created (scrypt) inside"},
	)
}

// syncRows times sync of syncRoles profiles with the product's default
// --parallel, with --parallel 16, and with --parallel 1.
func (b *bench) syncRows() {
	type result struct {
		label string
		wall  time.Duration
	}
	var res []result
	for _, par := range []string{"", "16", "1"} {
		label := "sync --parallel " + par
		if par == "" {
			label = "sync (default --parallel)"
		}
		label = fmt.Sprintf("%s of %d roles", label, syncRoles)
		d, err := b.syncOnce(par)
		if err != nil {
			b.fail(label, err)
			return
		}
		res = append(res, result{label, d})
	}
	seq := res[len(res)-1].wall
	note := fmt.Sprintf("RTT = %s; session warm (login done before, untimed); process start, %d AssumeRole, file keyring writes and the credentials file write included", latency, syncRoles)
	for i, r := range res {
		row := Row{Name: r.label, Figure: ms(r.wall), Value: msf(r.wall), Unit: "ms"}
		if i < len(res)-1 {
			row.Figure += fmt.Sprintf(" (%.1f× faster than --parallel 1)", float64(seq)/float64(r.wall))
			row.Goal, row.Verdict = "≤ "+ms(syncGoal), verdict(r.wall <= syncGoal)
		}
		if i == 0 {
			row.Note = note
		}
		b.rows = append(b.rows, row)
	}
}

func (b *bench) syncOnce(parallel string) (time.Duration, error) {
	f, err := b.newFixture("file", syncRoles)
	if err != nil {
		return 0, err
	}
	b.emu.SetLatency(latency)
	defer b.emu.SetLatency(0)
	if _, _, err := f.call("login", f.source); err != nil {
		return 0, err
	}
	b.emu.ResetStats()
	args := []string{"sync"}
	if parallel != "" {
		args = append(args, "--parallel", parallel)
	}
	b.logf("%s", strings.Join(args, " "))
	_, d, err := f.call(args...)
	if err != nil {
		return 0, err
	}
	st := b.emu.Stats()
	if st["GetSessionToken"] != 0 || st["AssumeRole"] != syncRoles {
		return 0, fmt.Errorf("STS calls %v, want %d AssumeRole only", st, syncRoles)
	}
	data, err := os.ReadFile(filepath.Join(f.home, ".aws", "credentials"))
	if err != nil {
		return 0, err
	}
	if n := bytes.Count(data, []byte("[sts-Role-")); n != syncRoles {
		return 0, fmt.Errorf("credentials file has %d sts-Role sections, want %d", n, syncRoles)
	}
	return d, nil
}

type summary struct{ min, p10, med, p90, max time.Duration }

// summarize returns nearest-rank percentiles.
func summarize(ds []time.Duration) summary {
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) time.Duration {
		i := int(p*float64(len(s)-1) + 0.5)
		return s[i]
	}
	return summary{min: s[0], p10: at(0.1), med: at(0.5), p90: at(0.9), max: s[len(s)-1]}
}

func ms(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.2f ms", msf(d))
	}
	return fmt.Sprintf("%.0f ms", msf(d))
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mb(kib int64) float64 { return float64(kib) / 1024 }

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

func machine() Machine {
	m := Machine{
		CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH,
		Date: time.Now().UTC().Format("2006-01-02"), Build: cgoEnv + " go build " + strings.Join(buildFlags, " "),
	}
	if out, err := exec.Command("nproc").Output(); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(out))); err == nil {
			m.CPUs = n
		}
	}
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		m.GoVersion = strings.TrimSpace(string(out))
	}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

func printTable(w io.Writer, rep Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MEASURE\tFIGURE\tGOAL\t")
	for _, r := range rep.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, r.Figure, r.Goal, r.Verdict)
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	for _, r := range rep.Rows {
		if r.Note != "" {
			fmt.Fprintf(w, "%s: %s\n", strings.TrimSpace(r.Name), r.Note)
		}
	}
	m := rep.Machine
	fmt.Fprintf(w, "\n%d CPUs (%s), %s, %s, %s, built %s\n", m.CPUs, m.CPU, m.GoVersion, m.OS, m.Date, m.Build)
}

func printMarkdown(w io.Writer, rep Report) {
	m := rep.Machine
	fmt.Fprintf(w, "Measured %s on %d CPUs (%s), %s %s; binaries built with `%s`; %d warm runs.\n\n",
		m.Date, m.CPUs, m.CPU, m.GoVersion, m.OS, m.Build, rep.Runs)
	fmt.Fprintln(w, "| Measure | Figure | Goal | |")
	fmt.Fprintln(w, "|---|---|---|---|")
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, r := range rep.Rows {
		name := esc(strings.TrimSpace(r.Name))
		if strings.HasPrefix(r.Name, "  ") {
			name = "&nbsp;&nbsp;" + name
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", name, esc(r.Figure), esc(r.Goal), r.Verdict)
	}
	var notes []string
	for _, r := range rep.Rows {
		if r.Note != "" {
			notes = append(notes, fmt.Sprintf("- %s: %s", esc(strings.TrimSpace(r.Name)), r.Note))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintf(w, "\n%s\n", strings.Join(notes, "\n"))
	}
}

// tlsRows measure what the network costs over TLS, with latency on every
// new connection (connect and handshake, one RTT each) as well as on every
// request: a cold call, and sync of syncRoles roles at default settings.
func (b *bench) tlsRows() {
	emu := b.emuTLS
	emu.SetLatency(latency)
	emu.SetConnLatency(latency)
	defer emu.SetLatency(0)
	defer emu.SetConnLatency(0)

	name := "TLS cold call (GetSessionToken+AssumeRole)"
	f, err := b.newFixture("memory", 1)
	if err != nil {
		b.fail(name, err)
		return
	}
	f.tls = true
	emu.ResetStats()
	emu.ResetNetStats()
	out, d, err := f.call("Role-0")
	if err == nil {
		err = checkProcessJSON(out)
	}
	if err != nil {
		b.fail(name, err)
		return
	}
	st := emu.NetStats()
	b.rows = append(b.rows, Row{
		Name:   name,
		Figure: fmt.Sprintf("%s; %d connection(s), %d handshake(s) for 2 calls", ms(d), st.Conns, st.Handshakes),
		Goal:   "1 connection", Verdict: verdict(st.Conns == 1 && st.Handshakes == 1),
		Value: msf(d), Unit: "ms",
		Note: fmt.Sprintf("RTT = %s per request and per connection step (connect, TLS 1.3 handshake)", latency),
	})

	name = fmt.Sprintf("TLS sync of %d roles, default settings", syncRoles)
	f, err = b.newFixture("file", syncRoles)
	if err != nil {
		b.fail(name, err)
		return
	}
	f.tls = true
	if _, _, err := f.call("login", f.source); err != nil {
		b.fail(name, err)
		return
	}
	emu.ResetStats()
	emu.ResetNetStats()
	_, d, err = f.call("sync")
	if err != nil {
		b.fail(name, err)
		return
	}
	calls := emu.Stats()
	st = emu.NetStats()
	if calls["AssumeRole"] != syncRoles {
		b.fail(name, fmt.Errorf("STS calls %v, want %d AssumeRole", calls, syncRoles))
		return
	}
	b.rows = append(b.rows,
		Row{
			Name: name, Figure: ms(d), Goal: "≤ " + ms(tlsSyncGoal), Verdict: verdict(d <= tlsSyncGoal),
			Value: msf(d), Unit: "ms",
			Note: fmt.Sprintf("RTT = %s per request and per connection step; session warm (login before, untimed)", latency),
		},
		Row{
			Name: name + ": connections", Figure: fmt.Sprintf("%d connections, %d handshakes (%d resumed)", st.Conns, st.Handshakes, st.Resumed),
			Goal: fmt.Sprintf("≤ %d (--parallel)", defaultParallel), Verdict: verdict(st.Conns <= defaultParallel),
			Value: float64(st.Conns), Unit: "connections",
		},
	)
}

const aheadRoles = 20

// aheadCall is one credential_process call of the refresh-ahead rows.
type aheadCall struct {
	d       time.Duration
	waited  bool // made an STS call itself
	spawned bool // started a background refresher
	handed  bool // handed the renewal to the running refresher
	key     string
}

// aheadRun is what driving aheadRoles roles once a second measured.
type aheadRun struct {
	calls  []aheadCall
	keys   map[string]bool // access key IDs served
	waited int
}

func (r *aheadRun) times(keep func(aheadCall) bool) []time.Duration {
	var ds []time.Duration
	for _, c := range r.calls {
		if keep(c) {
			ds = append(ds, c.d)
		}
	}
	return ds
}

// aheadFixture is a logged-in fixture whose aheadRoles roles have each
// been served once (the cold call, not counted).
func (b *bench) aheadFixture() (*fixture, error) {
	f, err := b.newFixture("file", aheadRoles, "STSLIB_DEBUG=1")
	if err != nil {
		return nil, err
	}
	if _, _, err := f.call("login", f.source); err != nil {
		return nil, err
	}
	for i := range aheadRoles {
		if _, err := b.aheadCall(f, i); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// aheadCall runs credential_process (stslib-proc-fast, as configure
// writes) for role i of f.
func (b *bench) aheadCall(f *fixture, i int) (aheadCall, error) {
	role := fmt.Sprintf("Role-%d", i)
	c := exec.Command(b.fast, role)
	c.Env = f.env()
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	start := time.Now()
	err := c.Run()
	r := aheadCall{d: time.Since(start)}
	if err == nil {
		err = checkProcessJSON(out.Bytes())
	}
	if err != nil {
		return r, fmt.Errorf("%s: %v: %s", role, err, strings.TrimSpace(errb.String()))
	}
	var p struct{ AccessKeyId string }
	_ = json.Unmarshal(out.Bytes(), &p)
	r.key = p.AccessKeyId
	r.waited = strings.Contains(errb.String(), "debug: sts ")
	r.spawned = strings.Contains(errb.String(), ": refresh-ahead started")
	r.handed = strings.Contains(errb.String(), ": refresh-ahead handed")
	return r, nil
}

// drive calls each of f's roles once a second for d. Each role has its
// own slot in the second, as 20 independent clients would: firing all at
// once would measure the machine's 2 cores.
func (b *bench) drive(f *fixture, d time.Duration) (*aheadRun, error) {
	run := &aheadRun{keys: map[string]bool{}}
	var (
		mu     sync.Mutex
		failed error
	)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	end := time.Now().Add(d)
	slot := time.Second / aheadRoles
	for time.Now().Before(end) {
		var wg sync.WaitGroup
		for i := range aheadRoles {
			wg.Go(func() {
				time.Sleep(time.Duration(i) * slot)
				r, err := b.aheadCall(f, i)
				mu.Lock()
				defer mu.Unlock()
				run.calls = append(run.calls, r)
				run.keys[r.key] = true
				if r.waited {
					run.waited++
				}
				if err != nil && failed == nil {
					failed = err
				}
			})
		}
		wg.Wait()
		<-tick.C
	}
	return run, failed
}

// aheadRows drive credential_process calls for aheadRoles roles once a
// second across several role lifetimes, the emulator issuing short role
// credentials, and count what refresh-ahead promises: no call waits on
// STS after the first one per role, one AssumeRole per renewal, no MFA
// after login. A baseline drives the same calls, half as long, with
// credentials that live an hour (no refresh due): the noise floor of the
// call-time row on this machine.
func (b *bench) aheadRows() {
	name := fmt.Sprintf("refresh-ahead, %d roles, 1 call/s each, %s role lifetime, %s", aheadRoles, b.aheadLife, b.aheadRun)
	emu := b.emu
	base, err := b.aheadFixture()
	if err != nil {
		b.fail(name, err)
		return
	}
	b.logf("%s: baseline", name)
	baseline, err := b.drive(base, b.aheadRun/2)
	if err != nil {
		b.fail(name, err)
		return
	}

	emu.SetRoleLifetime(b.aheadLife)
	defer emu.SetRoleLifetime(0)
	f, err := b.aheadFixture()
	if err != nil {
		b.fail(name, err)
		return
	}
	emu.ResetStats()
	b.logf("%s", name)
	run, err := b.drive(f, b.aheadRun)
	time.Sleep(2 * time.Second) // let the last background refreshes land
	if err != nil {
		b.fail(name, err)
		return
	}
	st := emu.Stats()
	lifetimes := float64(b.aheadRun) / float64(b.aheadLife)
	perLife := float64(st["AssumeRole"]) / (aheadRoles * lifetimes)
	all := run.times(func(aheadCall) bool { return true })
	starts := run.times(func(c aheadCall) bool { return c.spawned || c.handed })
	spawned := len(run.times(func(c aheadCall) bool { return c.spawned }))
	others := run.times(func(c aheadCall) bool { return !c.spawned && !c.handed })
	p99 := percentile(all, 0.99)
	b.rows = append(b.rows,
		Row{Name: name + ": calls that waited on STS", Figure: fmt.Sprintf("%d of %d", run.waited, len(all)), Goal: "0",
			Verdict: verdict(run.waited == 0), Value: float64(run.waited), Unit: "calls",
			Note: "after the first call per role; a call waited when it made an STS call itself (STSLIB_DEBUG)"},
		Row{Name: name + ": call time", Figure: fmt.Sprintf("p50 %s, p99 %s (warm call %s; no refresh due: p99 %s)", ms(percentile(all, 0.5)), ms(p99), ms(b.warmMed), ms(percentile(baseline.times(func(aheadCall) bool { return true }), 0.99))),
			Goal: "p99 ≤ 2× warm", Verdict: verdict(b.warmMed > 0 && p99 <= 2*b.warmMed), Value: msf(p99), Unit: "ms",
			Note: fmt.Sprintf("%d calls renewed in the background (%d started a refresher, the others handed the profile to the running one): p50 %s, max %s; the others p99 %s; \"no refresh due\" is the same load with 1-hour credentials, %s: the machine's own p99",
				len(starts), spawned, ms(percentile(starts, 0.5)), ms(percentile(starts, 1)), ms(percentile(others, 0.99)), b.aheadRun/2)},
		Row{Name: name + ": AssumeRole per renewal", Figure: fmt.Sprintf("%d AssumeRole, %d new credentials served (each role's last renewal lands after the run)", st["AssumeRole"], len(run.keys)-aheadRoles),
			Goal: "1 each", Verdict: verdict(st["AssumeRole"] <= len(run.keys)), Value: float64(st["AssumeRole"]), Unit: "calls",
			Note: fmt.Sprintf("every credential issued is replaced by exactly one AssumeRole (single-flight, none made twice); by the clock that is %.2f AssumeRole per role per %s, because a record is renewed when it enters its refresh-ahead band (2/3 of a short lifetime: the window is half of it; 20 of 60 min for 1-hour roles, so 1.5 per hour)", perLife, b.aheadLife)},
		Row{Name: name + ": MFA prompts after login", Figure: fmt.Sprintf("%d GetSessionToken", st["GetSessionToken"]), Goal: "0",
			Verdict: verdict(st["GetSessionToken"] == 0), Value: float64(st["GetSessionToken"]), Unit: "calls"},
	)
}

// percentile is the nearest-rank percentile p (0..1) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(i, 0)]
}
