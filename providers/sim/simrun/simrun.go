// Package simrun serves the provider simulators on loopback, each with a
// generated fleet, for demos, benchmarks and whole-system tests. It is not
// part of the console binary: cmd/cloudsim runs it.
package simrun

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/neogenesys/console/providers/sim"
	"github.com/neogenesys/console/providers/sim/armsim"
	"github.com/neogenesys/console/providers/sim/ec2sim"
	"github.com/neogenesys/console/providers/sim/gcesim"
	"github.com/neogenesys/console/providers/sim/pvesim"
)

// simulator is what every simulator package's Server offers.
type simulator interface {
	http.Handler
	NeedsTLS() bool
	AccountConfig(baseURL string, caPEM []byte) map[string]any
}

// kinds lists the simulated providers: how to make one over a fleet of n.
var kinds = []struct {
	kind string
	make func(n int, seed uint64, pageSize int) (simulator, *sim.Fleet, *sim.Faults)
}{
	{"aws", func(n int, seed uint64, ps int) (simulator, *sim.Fleet, *sim.Faults) {
		f := sim.NewFleet()
		ec2sim.Populate(f, n, seed)
		s := ec2sim.New(f, ec2sim.Options{PageSize: ps})
		return s, f, s.Faults
	}},
	{"azure", func(n int, seed uint64, ps int) (simulator, *sim.Fleet, *sim.Faults) {
		f := sim.NewFleet()
		armsim.Populate(f, n, seed)
		s := armsim.New(f, armsim.Options{PageSize: ps})
		return s, f, s.Faults
	}},
	{"gcp", func(n int, seed uint64, ps int) (simulator, *sim.Fleet, *sim.Faults) {
		f := sim.NewFleet()
		gcesim.Populate(f, n, seed)
		s := gcesim.New(f, gcesim.Options{PageSize: ps})
		return s, f, s.Faults
	}},
	{"proxmox", func(n int, seed uint64, ps int) (simulator, *sim.Fleet, *sim.Faults) {
		f := sim.NewFleet()
		pvesim.Populate(f, n, seed)
		s := pvesim.New(f, pvesim.Options{PageSize: ps})
		return s, f, s.Faults
	}},
}

// Kinds lists the provider kinds that have a simulator.
func Kinds() []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.kind
	}
	return out
}

// Options says what to run.
type Options struct {
	Host       string        // loopback address to listen on (default 127.0.0.1)
	VMs        int           // VMs per simulator (default 100)
	Latency    time.Duration // added to every request
	Transition time.Duration // how long start/stop take (default 2 s)
	PageSize   int           // 0: each API's default
	Seed       uint64
	Only       []string // kinds to run; empty: all
}

// Running is one simulator being served.
type Running struct {
	Kind    string
	URL     string
	Account map[string]any // the adapter config that reaches it
	Fleet   *sim.Fleet
	Faults  *sim.Faults
	srv     *http.Server
}

// Start serves the chosen simulators, each on its own port, until Stop.
func Start(opts Options, log *slog.Logger) ([]*Running, error) {
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if ip, err := netip.ParseAddr(opts.Host); err != nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("simulators listen on loopback only; %q is not a loopback address", opts.Host)
	}
	if opts.VMs <= 0 {
		opts.VMs = 100
	}
	if opts.Transition == 0 {
		opts.Transition = 2 * time.Second
	}
	for _, k := range opts.Only {
		if !slices.Contains(Kinds(), k) {
			return nil, fmt.Errorf("no simulator for %q (have %s)", k, strings.Join(Kinds(), ", "))
		}
	}
	var certPEM []byte
	var cert tls.Certificate
	var out []*Running
	for _, k := range kinds {
		if len(opts.Only) > 0 && !slices.Contains(opts.Only, k.kind) {
			continue
		}
		s, fleet, faults := k.make(opts.VMs, opts.Seed, opts.PageSize)
		fleet.Transition = opts.Transition
		faults.SetLatency(opts.Latency)
		ln, err := net.Listen("tcp", net.JoinHostPort(opts.Host, "0"))
		if err != nil {
			Stop(out)
			return nil, err
		}
		scheme := "http"
		if s.NeedsTLS() {
			if certPEM == nil {
				if cert, certPEM, err = selfSigned(opts.Host); err != nil {
					ln.Close()
					Stop(out)
					return nil, err
				}
			}
			ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
			scheme = "https"
		}
		url := scheme + "://" + ln.Addr().String()
		var ca []byte
		if s.NeedsTLS() {
			ca = certPEM
		}
		r := &Running{Kind: k.kind, URL: url, Account: s.AccountConfig(url, ca), Fleet: fleet, Faults: faults,
			srv: &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second,
				ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}}
		go func() {
			if err := r.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("simulator stopped", "kind", r.Kind, "error", err)
			}
		}()
		out = append(out, r)
	}
	return out, nil
}

// Stop shuts the simulators down.
func Stop(rs []*Running) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, r := range rs {
		_ = r.srv.Shutdown(ctx)
	}
}

// selfSigned makes a certificate for host, valid a year.
func selfSigned(host string) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "neoconsole cloud simulator"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP(host)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	return cert, certPEM, err
}
