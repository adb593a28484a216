package credproc

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/stslib/stslib-proc/internal/stsemu"
)

const assumeRoleXML = `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAOUT</AccessKeyId><SecretAccessKey>CANARYOUT</SecretAccessKey><SessionToken>CANARYTOKEN</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/R/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>`

// TestSTSPoolReusesConnections: calls signed by different callers share
// one client and its keep-alive connection, each signed with its own keys.
func TestSTSPoolReusesConnections(t *testing.T) {
	var mu sync.Mutex
	var conns int
	var signers []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		_, cred, _ := strings.Cut(auth, "Credential=")
		key, _, _ := strings.Cut(cred, "/")
		mu.Lock()
		signers = append(signers, key)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		w.Write([]byte(assumeRoleXML))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	srv.Start()
	defer srv.Close()

	var pool STSPool
	in := &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::1:role/R"), RoleSessionName: aws.String("s")}
	for _, key := range []string{"AKIAONE", "AKIATWO", "AKIAONE"} {
		api := pool.Client(STSConfig{Region: "us-east-1", Endpoint: srv.URL, Credentials: &Credentials{AccessKey: key, SecretKey: "CANARY"}})
		if _, err := api.AssumeRole(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	if len(pool.clients) != 1 {
		t.Errorf("%d clients, want 1 per region and endpoint", len(pool.clients))
	}
	if conns > 2 {
		t.Errorf("%d connections for 3 calls, want keep-alive", conns)
	}
	if strings.Join(signers, " ") != "AKIAONE AKIATWO AKIAONE" {
		t.Errorf("signed by %q", signers)
	}
}

// TestSTSPoolOverTLS: a CA bundle (AWS_CA_BUNDLE) is trusted for the STS
// endpoint, and the pool's calls share one connection and one handshake.
func TestSTSPoolOverTLS(t *testing.T) {
	emu, err := stsemu.StartTLS(stsemu.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bundle, emu.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	creds := &Credentials{AccessKey: stsemu.DefaultAccessKeyID, SecretKey: Secret(stsemu.DefaultSecretAccessKey)}
	in := &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)}

	var pool STSPool
	for range 10 {
		api := pool.Client(STSConfig{Region: "us-east-1", Endpoint: emu.URL(), Credentials: creds, CABundle: bundle})
		if _, err := api.GetSessionToken(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	// Sequential calls reuse the connection; net/http may open another
	// one when a call starts before the last one's is back in the pool.
	if st := emu.NetStats(); st.Conns > 7 || st.Handshakes != st.Conns {
		t.Errorf("net stats %+v, want connections reused (fewer than the 10 calls, one handshake each)", st)
	}
	// Without the bundle the emulator's certificate is not trusted.
	var plain STSPool
	if _, err := plain.Client(STSConfig{Region: "us-east-1", Endpoint: emu.URL(), Credentials: creds}).GetSessionToken(context.Background(), in); err == nil {
		t.Fatal("an unknown CA was trusted")
	}
	bad := filepath.Join(t.TempDir(), "bad.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o600)
	if _, err := new(STSPool).Client(STSConfig{Region: "us-east-1", Endpoint: emu.URL(), Credentials: creds, CABundle: bad}).GetSessionToken(context.Background(), in); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("a bad bundle: %v", err)
	}
}
