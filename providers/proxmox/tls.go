package proxmox

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// parseCA reads a PEM bundle into a pool; it must hold a certificate.
func parseCA(text string) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	rest, n := []byte(text), 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", n+1, err)
		}
		pool.AddCert(cert)
		n++
	}
	if n == 0 {
		return nil, errors.New("no PEM certificate (-----BEGIN CERTIFICATE-----) found")
	}
	return pool, nil
}

// parseFingerprint reads a SHA-256 fingerprint as PVE shows it
// ("AA:BB:…:FF", 32 bytes); the colons may be left out.
func parseFingerprint(s string) ([sha256.Size]byte, error) {
	var fp [sha256.Size]byte
	s = strings.TrimSpace(s)
	hexText := strings.ReplaceAll(s, ":", "")
	if strings.Contains(s, ":") && strings.Count(s, ":") != sha256.Size-1 {
		return fp, fmt.Errorf("%q is not 32 colon-separated bytes (a SHA-256 fingerprint, AA:BB:…)", s)
	}
	b, err := hex.DecodeString(hexText)
	if err != nil || len(b) != sha256.Size {
		return fp, fmt.Errorf("%q is not a SHA-256 fingerprint (32 hexadecimal bytes, AA:BB:…)", s)
	}
	copy(fp[:], b)
	return fp, nil
}

// formatFingerprint writes a fingerprint as PVE shows it.
func formatFingerprint(fp [sha256.Size]byte) string {
	parts := make([]string, len(fp))
	for i, b := range fp {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// PinError is the TLS failure of a server whose certificate does not have
// the pinned fingerprint.
type PinError struct {
	Got, Want string
}

func (e *PinError) Error() string {
	return fmt.Sprintf("server certificate fingerprint %s does not match the pinned fingerprint %s", e.Got, e.Want)
}

// tlsConfig builds the TLS settings: the pin alone when a fingerprint is
// set (PVE's own certificates are self-signed, so the chain cannot be
// checked), else the given CA, else the system roots, or nothing at all
// with InsecureSkipVerify.
func tlsConfig(c *Config) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	switch {
	case c.Fingerprint != "":
		pin, err := parseFingerprint(c.Fingerprint)
		if err != nil {
			return nil, fmt.Errorf("fingerprint: %w", err)
		}
		// The chain and name checks are skipped on purpose: VerifyConnection
		// then accepts exactly the pinned certificate and nothing else.
		tc.InsecureSkipVerify = true
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return &PinError{Got: "(no certificate)", Want: formatFingerprint(pin)}
			}
			if got := sha256.Sum256(cs.PeerCertificates[0].Raw); got != pin {
				return &PinError{Got: formatFingerprint(got), Want: formatFingerprint(pin)}
			}
			return nil
		}
	case c.CACert != "":
		pool, err := parseCA(c.CACert)
		if err != nil {
			return nil, fmt.Errorf("caCert: %w", err)
		}
		tc.RootCAs = pool
	case c.InsecureSkipVerify:
		tc.InsecureSkipVerify = true
	}
	return tc, nil
}
