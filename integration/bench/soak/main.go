package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stslib/stslib-proc/integration/e2e"
	"github.com/stslib/stslib-proc/internal/stsemu"
)

const passphrase = "stslib-soak-passphrase"

// world is the soak's private environment.
type world struct {
	bin, dir, home, config, creds, data string
	sts                                 *stsemu.Server
}

func (w *world) environ() []string {
	return []string{
		"HOME=" + w.home, "USER=soak", "PATH=" + filepath.Dir(w.bin) + ":/usr/bin:/bin", "LANG=C.UTF-8",
		"AWS_CONFIG_FILE=" + w.config, "AWS_SHARED_CREDENTIALS_FILE=" + w.creds,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL_STS=" + w.sts.URL(),
		"STSLIB_DATA_DIR=" + w.data, "STSLIB_CONFIG=" + filepath.Join(w.dir, "config.yml"),
		"STSLIB_KEYRING=file", "STSLIB_FILE_PASSPHRASE=" + passphrase,
		"XDG_CONFIG_HOME=" + filepath.Join(w.home, ".config"), "NO_COLOR=1",
	}
}

type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

func (w *world) run(args ...string) result {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.bin, args...)
	cmd.Env = w.environ()
	cmd.Dir = w.dir
	detach(cmd) // no controlling terminal: nothing may prompt
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		r.code = -1
		r.stderr += "(soak: " + err.Error() + ")"
	}
	return r
}

func main() {
	concurrency := flag.Int("concurrency", 200, "credential_process invocations at a time")
	duration := flag.Duration("duration", 60*time.Second, "how long to run")
	nroles := flag.Int("roles", 10, "role profiles (at least 3)")
	binFlag := flag.String("bin", "", "stslib-proc binary to test (default: build ./cmd/stslib-proc)")
	keep := flag.Bool("keep", false, "keep the temporary directory")
	flag.Parse()
	if *nroles < 3 || *concurrency < 1 || *duration <= 0 {
		fatal("want -roles >= 3, -concurrency >= 1 and a positive -duration")
	}
	if _, err := os.Stat("/usr/bin/oathtool"); err != nil {
		fatal("/usr/bin/oathtool is needed for the MFA codes: %v", err)
	}
	dir, err := os.MkdirTemp("", "stslib-soak-")
	if err != nil {
		fatal("%v", err)
	}
	bin := *binFlag
	if bin == "" {
		if bin, err = e2e.Build(dir); err != nil {
			os.RemoveAll(dir)
			fatal("%v", err)
		}
	}
	failed := soak(dir, bin, *concurrency, *nroles, *duration)
	if *keep {
		fmt.Printf("kept %s\n", dir)
	} else {
		os.RemoveAll(dir)
	}
	if failed {
		os.Exit(1)
	}
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "soak: "+format+"\n", args...)
	os.Exit(1)
}

// soak runs the load and prints the figures; it reports whether anything
// failed.
func soak(dir, bin string, concurrency, nroles int, duration time.Duration) (failed bool) {
	base := []string{"DynamoDBRole", "CodeDeployRole", "S3ReadOnlyRole"}
	var extra, roles []string
	for i := len(base); i < nroles; i++ {
		extra = append(extra, fmt.Sprintf("SoakRole%02d", i))
	}
	for _, r := range append(base, extra...) {
		roles = append(roles, r+"-soak")
	}
	sts, err := stsemu.Start(e2e.EmulatorConfig(extra, nil))
	if err != nil {
		fatal("%v", err)
	}
	defer sts.Close()
	w := &world{bin: bin, dir: dir, home: filepath.Join(dir, "home"), data: filepath.Join(dir, "data"), sts: sts}
	w.config = filepath.Join(w.home, ".aws", "config")
	w.creds = filepath.Join(w.home, ".aws", "credentials")
	if err := os.MkdirAll(filepath.Dir(w.config), 0o700); err != nil {
		fatal("%v", err)
	}
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "[profile BobSmith]\nregion = us-east-1\nmfa_serial = %s\nmfa_process = %s\n",
		stsemu.DefaultMFASerial, e2e.OathtoolMFA(stsemu.DefaultTOTPSecret))
	for i, r := range roles {
		fmt.Fprintf(&cfg, "\n[profile %s]\nrole_arn = %s\nsource_profile = BobSmith\nrole_session_name = soak\n", r, e2e.RoleARN(append(base, extra...)[i]))
	}
	original := fmt.Sprintf("[BobSmith]\naws_access_key_id = %s\naws_secret_access_key = %s\n", stsemu.DefaultAccessKeyID, stsemu.DefaultSecretAccessKey)
	if err := os.WriteFile(w.config, []byte(cfg.String()), 0o600); err != nil {
		fatal("%v", err)
	}
	if err := os.WriteFile(w.creds, []byte(original), 0o600); err != nil {
		fatal("%v", err)
	}

	fmt.Printf("soak: %d concurrent invocations over %d roles, a sync every second, for %s (binary %s)\n", concurrency, nroles, duration, bin)
	start := time.Now()
	deadline := start.Add(duration)
	var invocations, failures, syncs, syncFailures, clears, goReads, goBad atomic.Int64
	var mu sync.Mutex
	var samples []string
	var took []time.Duration
	note := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(samples) < 10 {
			samples = append(samples, fmt.Sprintf(format, args...))
		}
	}

	var py *exec.Cmd
	var pyOut, pyErr bytes.Buffer
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		py = exec.Command("/usr/bin/python3", "-c", e2e.BotocoreReader, w.creds, strconv.FormatFloat(float64(deadline.UnixNano())/1e9, 'f', 3, 64))
		py.Stdout, py.Stderr = &pyOut, &pyErr
		if err := py.Start(); err != nil {
			fatal("python3: %v", err)
		}
	} else {
		fmt.Println("soak: /usr/bin/python3 missing: no botocore-style reader")
	}

	var wg sync.WaitGroup
	wg.Go(func() { e2e.ReadCredentialsUntil(w.creds, original, deadline, &goReads, &goBad, note) })
	wg.Go(func() {
		for i := 0; time.Now().Before(deadline); i++ {
			next := time.Now().Add(time.Second)
			if i > 0 {
				if r := w.run("clear", roles[i%len(roles)]); r.code != 0 {
					syncFailures.Add(1)
					note("clear: exit %d: %s", r.code, r.stderr)
				}
				clears.Add(1)
			}
			r := w.run("sync")
			syncs.Add(1)
			if r.code != 0 {
				syncFailures.Add(1)
				note("sync: exit %d: %s", r.code, r.stderr)
			}
			time.Sleep(time.Until(next))
		}
	})
	for i := range concurrency {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 2))
			var mine []time.Duration
			for time.Now().Before(deadline) {
				role := roles[rng.IntN(len(roles))]
				r := w.run(role)
				invocations.Add(1)
				mine = append(mine, r.took)
				if r.code != 0 {
					failures.Add(1)
					note("%s: exit %d: %s", role, r.code, r.stderr)
					continue
				}
				if _, err := e2e.ParseProcess(r.stdout); err != nil {
					failures.Add(1)
					note("%s: %v", role, err)
				} else if strings.TrimSpace(r.stderr) != "" {
					failures.Add(1)
					note("%s: stderr: %s", role, r.stderr)
				}
			}
			mu.Lock()
			took = append(took, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	var pc e2e.ReaderCounts
	if py != nil {
		if err := py.Wait(); err != nil {
			note("python3 reader: %v: %s", err, pyErr.String())
			failed = true
		} else if err := json.Unmarshal(pyOut.Bytes(), &pc); err != nil {
			note("python3 reader output: %v", err)
			failed = true
		}
	}
	var stray []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.Contains(d.Name(), ".tmp") || strings.HasPrefix(d.Name(), ".alias-")) {
			stray = append(stray, p)
		}
		return nil
	})

	gst, ar := e2e.OK(sts, "GetSessionToken"), e2e.OK(sts, "AssumeRole")
	slices.Sort(took)
	pct := func(p float64) time.Duration {
		if len(took) == 0 {
			return 0
		}
		return took[min(len(took)-1, int(p*float64(len(took))))].Round(100 * time.Microsecond)
	}
	fmt.Printf("elapsed                 %s\n", elapsed.Round(time.Millisecond))
	fmt.Printf("invocations             %d (%.0f/s), %d failed\n", invocations.Load(), float64(invocations.Load())/elapsed.Seconds(), failures.Load())
	fmt.Printf("invocation latency      p50 %s, p99 %s, max %s\n", pct(0.5), pct(0.99), pct(1))
	fmt.Printf("syncs                   %d, %d failed (%d clears before them)\n", syncs.Load(), syncFailures.Load(), clears.Load())
	fmt.Printf("STS calls               GetSessionToken %d (want 1), AssumeRole %d (want %d..%d), all requests %v\n",
		gst, ar, nroles, nroles+int(clears.Load()), sts.Stats())
	if py != nil {
		fmt.Printf("credentials reads (py)  %d, %d bad %v, at most %d sts- sections (want %d)\n", pc.Reads, pc.Bad, pc.Errors, pc.MaxSTS, nroles)
	}
	fmt.Printf("credentials reads (go)  %d, %d bad\n", goReads.Load(), goBad.Load())
	fmt.Printf("stray temporary files   %d\n", len(stray))
	for _, s := range samples {
		fmt.Printf("failure: %s\n", s)
	}
	for _, p := range stray {
		fmt.Printf("stray: %s\n", p)
	}
	bad := failures.Load()+syncFailures.Load()+goBad.Load() > 0 || pc.Bad > 0 || gst != 1 ||
		ar < nroles || ar > nroles+int(clears.Load()) || len(stray) > 0 || (py != nil && pc.MaxSTS != nroles)
	failed = failed || bad
	fmt.Printf("reliability: soak-heavy: trials=%d faults=0 failures=%d leaks=%d\n",
		invocations.Load()+syncs.Load(), failures.Load()+syncFailures.Load()+goBad.Load()+int64(pc.Bad), len(stray))
	if failed {
		fmt.Println("soak: FAIL")
	} else {
		fmt.Println("soak: PASS")
	}
	return failed
}
