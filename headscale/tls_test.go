package headscale_test

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
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/juanfont/headscale/gen/go/headscale/v1"
	"github.com/neogenesys/console/headscale"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// healthServer answers Health when the bearer key matches, as Headscale's
// interceptor does.
type healthServer struct {
	v1.UnimplementedHeadscaleServiceServer
	key string
}

func (h healthServer) Health(ctx context.Context, _ *v1.HealthRequest) (*v1.HealthResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	if got := md.Get("authorization"); len(got) != 1 || got[0] != "Bearer "+h.key {
		return nil, status.Error(codes.Unauthenticated, "invalid token")
	}
	return &v1.HealthResponse{DatabaseConnectivity: true}, nil
}

// selfSignedCA writes a CA certificate for "headscale.test" and returns the
// server's TLS certificate and the CA file path.
func selfSignedCA(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "headscale.test"},
		DNSNames: []string{"headscale.test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, caFile
}

func TestDialTLSWithCAFileAndServerName(t *testing.T) {
	cert, caFile := selfSignedCA(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}})))
	v1.RegisterHeadscaleServiceServer(srv, healthServer{key: "good-key"})
	go srv.Serve(ln)
	defer srv.Stop()

	tests := []struct {
		name string
		cfg  headscale.DialConfig
		want error // nil: Health succeeds
	}{
		{"trusted CA and name", headscale.DialConfig{APIKey: "good-key", CAFile: caFile, ServerName: "headscale.test"}, nil},
		{"wrong key", headscale.DialConfig{APIKey: "bad-key", CAFile: caFile, ServerName: "headscale.test"}, headscale.ErrUnauthenticated},
		{"name mismatch", headscale.DialConfig{APIKey: "good-key", CAFile: caFile, ServerName: "other.test"}, headscale.ErrUnavailable},
		{"untrusted certificate", headscale.DialConfig{APIKey: "good-key", ServerName: "headscale.test"}, headscale.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Address, tt.cfg.Timeout = ln.Addr().String(), 3*time.Second
			c, err := headscale.Dial(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			err = c.Health(context.Background())
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("Health() = %v, want %v", err, tt.want)
			}
		})
	}
}
