package e2e

import (
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/stslib/stslib-proc/inifile"
)

// BotocoreReader is botocore's way of reading the credentials file
// (configparser.RawConfigParser), run in a loop by one python3 process
// until a deadline. It checks that the file parses, that the source
// section is there and that every sts- section has its three keys, and
// prints JSON counts. It never prints values.
const BotocoreReader = `
import configparser, json, sys, time
path, until = sys.argv[1], float(sys.argv[2])
reads = bad = 0
maxsts = 0
errs = {}
while time.time() < until:
    reads += 1
    try:
        cp = configparser.RawConfigParser()
        with open(path) as f:
            cp.read_file(f)
        if not cp.has_section("BobSmith"):
            raise ValueError("source section BobSmith missing")
        n = 0
        for s in cp.sections():
            if s.startswith("sts-"):
                n += 1
                for k in ("aws_access_key_id", "aws_secret_access_key", "aws_session_token"):
                    if not cp.get(s, k, fallback=""):
                        raise ValueError("section %s lacks %s" % (s, k))
        if n < maxsts:
            raise ValueError("sts- sections went from %d to %d" % (maxsts, n))
        maxsts = n
    except Exception as e:
        bad += 1
        msg = type(e).__name__ + (": " + str(e) if isinstance(e, ValueError) else "")
        errs[msg] = errs.get(msg, 0) + 1
    time.sleep(0.003)
print(json.dumps({"reads": reads, "bad": bad, "max_sts": maxsts, "errors": errs}))
`

// ReaderCounts is what BotocoreReader prints.
type ReaderCounts struct {
	Reads  int            `json:"reads"`
	Bad    int            `json:"bad"`
	MaxSTS int            `json:"max_sts"`
	Errors map[string]int `json:"errors"`
}

// ReadCredentialsUntil reads the credentials file at path with inifile in
// a loop until deadline, as a second reader beside BotocoreReader: every
// read must parse, keep the user's part (original) as a prefix, and never
// show fewer owned sections than before. It counts reads and bad reads and
// reports each bad one through note (never values).
func ReadCredentialsUntil(path, original string, deadline time.Time, reads, bad *atomic.Int64, note func(format string, args ...any)) {
	maxOwned := 0
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(path)
		reads.Add(1)
		var owned []string
		if err == nil {
			owned, err = inifile.Owned(b)
		}
		switch {
		case err != nil:
			bad.Add(1)
			note("inifile read: %v", err)
		case !strings.HasPrefix(string(b), original):
			bad.Add(1)
			note("inifile read: the user's part of the file changed")
		case len(owned) < maxOwned:
			bad.Add(1)
			note("inifile read: owned sections went from %d to %d", maxOwned, len(owned))
		default:
			maxOwned = len(owned)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
