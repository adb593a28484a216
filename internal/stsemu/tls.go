package stsemu

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// NetStats counts what the network cost: connections accepted, full TLS
// handshakes and resumed ones.
type NetStats struct {
	Conns, Handshakes, Resumed int
}

// netState is the connection-level side of a Server: latency per new
// connection and the counters.
type netState struct {
	connLatency atomic.Int64 // time.Duration
	conns       atomic.Int64
	handshakes  atomic.Int64
	resumed     atomic.Int64
	caPEM       []byte
}

// SetConnLatency sets the round-trip time a new connection costs: one for
// the TCP connect and, over TLS, one more for the handshake (TLS 1.3). The
// per-request cost is [Server.SetLatency].
func (s *Server) SetConnLatency(rtt time.Duration) { s.net.connLatency.Store(int64(rtt)) }

// NetStats returns the connection counters since the last ResetNetStats.
func (s *Server) NetStats() NetStats {
	return NetStats{Conns: int(s.net.conns.Load()), Handshakes: int(s.net.handshakes.Load()), Resumed: int(s.net.resumed.Load())}
}

// ResetNetStats clears the connection counters.
func (s *Server) ResetNetStats() {
	s.net.conns.Store(0)
	s.net.handshakes.Store(0)
	s.net.resumed.Store(0)
}

// CACertPEM is the PEM certificate of the CA that signed a TLS server's
// certificate (for AWS_CA_BUNDLE); nil for a plain HTTP server.
func (s *Server) CACertPEM() []byte { return s.net.caPEM }

// StartTLS serves cfg over HTTPS on 127.0.0.1 at a free port, with a
// certificate for 127.0.0.1 and localhost signed by a CA generated for this
// server alone ([Server.CACertPEM]).
func StartTLS(cfg Config) (*Server, error) {
	s, err := newServer(cfg)
	if err != nil {
		return nil, fmt.Errorf("stsemu: invalid config: %w", err)
	}
	cert, caPEM, err := newCert()
	if err != nil {
		return nil, fmt.Errorf("stsemu: certificate: %w", err)
	}
	s.net.caPEM = caPEM
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("stsemu: listen: %w", err)
	}
	tc := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			s.sleepConn() // the handshake's round trip
			return nil, nil
		},
		VerifyConnection: func(cs tls.ConnectionState) error {
			if cs.DidResume {
				s.net.resumed.Add(1)
			} else {
				s.net.handshakes.Add(1)
			}
			return nil
		},
	}
	s.url = "https://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second, ConnState: s.countConn,
		// Clients that do not trust the CA are part of the tests.
		ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = s.srv.Serve(tls.NewListener(delayedListener{ln, s}, tc)) }()
	return s, nil
}

func (s *Server) countConn(_ net.Conn, st http.ConnState) {
	if st == http.StateNew {
		s.net.conns.Add(1)
	}
}

func (s *Server) sleepConn() {
	if d := time.Duration(s.net.connLatency.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-s.done:
		}
	}
}

// delayedListener makes each new connection cost the connect's round trip
// before its first byte is read (not in Accept, which would serialise
// connections).
type delayedListener struct {
	net.Listener
	s *Server
}

func (l delayedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &delayedConn{Conn: c, s: l.s}, nil
}

type delayedConn struct {
	net.Conn
	s    *Server
	once sync.Once
}

func (c *delayedConn) Read(b []byte) (int, error) {
	c.once.Do(c.s.sleepConn)
	return c.Conn.Read(b)
}

// newCert makes a CA and a server certificate for 127.0.0.1 and localhost
// signed by it, valid for a day.
func newCert() (tls.Certificate, []byte, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "stsemu test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), nil
}
