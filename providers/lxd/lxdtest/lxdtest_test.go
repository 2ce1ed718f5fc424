package lxdtest

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestDaemon(t *testing.T) {
	var dir string
	t.Run("Run", func(t *testing.T) {
		d := Start(t)
		dir = d.Dir
		if len(d.Socket) > 107 {
			t.Errorf("socket path %q is %d bytes", d.Socket, len(d.Socket))
		}
		ids := d.LaunchAll(t,
			Spec{Name: "a1", Config: map[string]string{"user.team": "web"}},
			Spec{Name: "b1", Project: "other", Stopped: true},
		)
		if want := []string{"default/a1", "other/b1"}; strings.Join(ids, ",") != strings.Join(want, ",") {
			t.Errorf("LaunchAll ids = %v, want %v", ids, want)
		}
		// A stop right after a start used to lose the signal and hang.
		for range 5 {
			begin := time.Now()
			d.Lxc(t, "stop", "a1", "--timeout=10")
			t.Logf("stop of a busybox container took %v", time.Since(begin).Round(time.Millisecond))
			d.Lxc(t, "start", "a1")
		}
		// init configures eth0 a moment after the start.
		var out string
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if out = d.Lxc(t, "list", "--all-projects", "-f", "csv", "-c", "ns4"); strings.Contains(out, "10.201.0.") {
				break
			}
		}
		for _, want := range []string{"a1,RUNNING,10.201.0.", "b1,STOPPED"} {
			if !strings.Contains(out, want) {
				t.Errorf("lxc list = %q, want a line with %q", out, want)
			}
		}

		if auth := httpsAuth(t, d, d.ClientCert, d.ClientKey); auth != "trusted" {
			t.Errorf("HTTPS with the trusted client certificate: auth %q, want trusted", auth)
		}
		c, k := NewClientCert(t, "stranger")
		if auth := httpsAuth(t, d, c, k); auth != "untrusted" {
			t.Errorf("HTTPS with a fresh client certificate: auth %q, want untrusted", auth)
		}
		if tok := d.TrustToken(t, "later"); len(tok) < 40 {
			t.Errorf("TrustToken = %q, want a token", tok)
		}
	})
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("after cleanup %s: %v, want it removed", dir, err)
	}
	if n := killStrays(dir); n > 0 {
		t.Errorf("cleanup left %d container processes running", n)
	}
}

// httpsAuth does GET /1.0 over HTTPS with a client certificate, pinning the
// daemon's certificate, and returns the "auth" the daemon answers.
func httpsAuth(t *testing.T, d *Daemon, certPEM, keyPEM string) string {
	t.Helper()
	pair, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(d.ServerCert))
	if block == nil {
		t.Fatal("ServerCert is not PEM")
	}
	srv, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(srv)
	// As LXD's client does: the certificate's first DNS name (the host's,
	// whichever member answers).
	tr := &http.Transport{TLSClientConfig: &tls.Config{
		Certificates: []tls.Certificate{pair}, RootCAs: roots, ServerName: srv.DNSNames[0],
	}}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(d.HTTPSEndpoint() + "/1.0")
	if err != nil {
		t.Fatalf("GET /1.0: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Metadata struct {
			Auth string `json:"auth"`
		} `json:"metadata"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("GET /1.0: %v", err)
	}
	return body.Metadata.Auth
}

// fatalTB records Fatalf and ends the goroutine, as testing.T does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, a ...any) {
	f.msg = fmt.Sprintf(format, a...)
	runtime.Goexit()
}
func (f *fatalTB) Cleanup(func())                  {}
func (f *fatalTB) Logf(format string, args ...any) {}

func TestStartWithoutLXDFails(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no lxd, no lxc
	f := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() { defer close(done); Start(f) }()
	<-done
	if !strings.Contains(f.msg, "apt-get install lxd busybox-static") {
		t.Errorf("Start without lxd: Fatalf(%q), want the apt-get line", f.msg)
	}
}

func TestCluster(t *testing.T) {
	ds := StartCluster(t, "m1", "m2")
	ids := ds[1].LaunchAll(t, Spec{Name: "on1", Target: "m1"}, Spec{Name: "on2", Project: "p", Target: "m2"})
	if len(ids) != 2 {
		t.Fatalf("ids %v", ids)
	}
	out := ds[0].Lxc(t, "list", "--all-projects", "-f", "csv", "-c", "nsL")
	for _, want := range []string{"on1,RUNNING,m1", "on2,RUNNING,m2"} {
		if !strings.Contains(out, want) {
			t.Errorf("lxc list = %q, want a line with %q", out, want)
		}
	}
	for i, d := range ds {
		if want := []string{"m1", "m2"}[i]; d.ServerName != want {
			t.Errorf("member %d is %q, want %q", i, d.ServerName, want)
		}
		if auth := httpsAuth(t, d, d.ClientCert, d.ClientKey); auth != "trusted" {
			t.Errorf("member %s over HTTPS: auth %q, want trusted", d.ServerName, auth)
		}
	}
}
