package proxmox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/providers"
)

// testCA makes a self-signed CA certificate, PEM encoded.
func testCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pve-root-ca test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

const testPin = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99"

func TestValidate(t *testing.T) {
	ca := testCA(t)
	token := func(c *Config) { c.TokenID, c.TokenSecret = "root@pam!neoconsole", "s3cret" }
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want []string // substrings of the error; none: valid
	}{
		{"token", token, nil},
		{"login", func(c *Config) { c.Username, c.Password = "root@pam", "pw" }, nil},
		{"api path and pin", func(c *Config) { token(c); c.Endpoint += "/api2/json/"; c.Fingerprint = testPin }, nil},
		{"ca", func(c *Config) { token(c); c.CACert = ca }, nil},
		{"pin and ca", func(c *Config) { token(c); c.CACert, c.Fingerprint = ca, testPin }, nil},
		{"insecure alone", func(c *Config) { token(c); c.InsecureSkipVerify = true }, nil},
		{"no endpoint", func(c *Config) { token(c); c.Endpoint = "" }, []string{"endpoint: required"}},
		{"http endpoint", func(c *Config) { token(c); c.Endpoint = "http://pve:8006" }, []string{"endpoint:", "https"}},
		{"endpoint path", func(c *Config) { token(c); c.Endpoint = "https://pve:8006/api2/extjs" }, []string{"endpoint:", "path"}},
		{"endpoint query", func(c *Config) { token(c); c.Endpoint = "https://pve:8006/?x=1" }, []string{"endpoint:"}},
		{"no credentials", func(c *Config) {}, []string{"tokenId: required"}},
		{"both", func(c *Config) { token(c); c.Username, c.Password = "root@pam", "pw" }, []string{"tokenId: use an API token"}},
		{"token without realm", func(c *Config) { token(c); c.TokenID = "root!neoconsole" }, []string{"tokenId:", "user@realm!tokenname"}},
		{"token without name", func(c *Config) { token(c); c.TokenID = "root@pam" }, []string{"tokenId:"}},
		{"token name digit", func(c *Config) { token(c); c.TokenID = "root@pam!1x" }, []string{"tokenId:"}},
		{"secret missing", func(c *Config) { c.TokenID = "root@pam!x" }, []string{"tokenSecret: required with tokenId"}},
		{"token id missing", func(c *Config) { c.TokenSecret = "s" }, []string{"tokenId: required with tokenSecret"}},
		{"user without realm", func(c *Config) { c.Username, c.Password = "root", "pw" }, []string{"username:", "user@realm"}},
		{"password missing", func(c *Config) { c.Username = "root@pam" }, []string{"password: required with username"}},
		{"username missing", func(c *Config) { c.Password = "pw" }, []string{"username: required with password"}},
		{"bad pem", func(c *Config) { token(c); c.CACert = "not a certificate" }, []string{"caCert:", "no PEM certificate"}},
		{"bad pin", func(c *Config) { token(c); c.Fingerprint = "AA:BB" }, []string{"fingerprint:"}},
		{"pin not hex", func(c *Config) { token(c); c.Fingerprint = strings.Repeat("ZZ", 32) }, []string{"fingerprint:"}},
		{"insecure with pin", func(c *Config) { token(c); c.Fingerprint, c.InsecureSkipVerify = testPin, true }, []string{"insecureSkipVerify:"}},
		{"insecure with ca", func(c *Config) { token(c); c.CACert, c.InsecureSkipVerify = ca, true }, []string{"insecureSkipVerify:"}},
		{"workers", func(c *Config) { token(c); c.AddressWorkers = 65 }, []string{"addressWorkers:"}},
		{"several", func(c *Config) { c.Endpoint = ""; c.TokenID = "x" }, []string{"endpoint:", "tokenId:", "tokenSecret:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewConfig()
			c.Endpoint = "https://pve.example.com:8006"
			tc.edit(c)
			err := c.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want an error with %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestAPIURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://pve:8006", "https://pve:8006/api2/json"},
		{"https://pve:8006/", "https://pve:8006/api2/json"},
		{"https://pve:8006/api2/json", "https://pve:8006/api2/json"},
		{" https://pve.example.com/api2/json/ ", "https://pve.example.com/api2/json"},
		{"https://[fd00::1]:8006", "https://[fd00::1]:8006/api2/json"},
	} {
		if got, err := apiURL(tc.in); err != nil || got != tc.want {
			t.Errorf("apiURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestRegisteredWithSecrets(t *testing.T) {
	k, err := providers.Lookup(Kind)
	if err != nil {
		t.Fatal(err)
	}
	cfg := k.NewConfig()
	if err := json.Unmarshal([]byte(`{"endpoint":"https://pve:8006","tokenId":"a@pve!b","tokenSecret":"s"}`), cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	secrets := providers.SecretFields(cfg)
	if len(secrets) != 2 || secrets["tokenSecret"] == nil || secrets["password"] == nil {
		t.Errorf("secret fields %v, want tokenSecret and password", secrets)
	}
	if c := cfg.(*Config); c.AddressWorkers != defaultAddressWorkers {
		t.Errorf("default addressWorkers %d, want %d", c.AddressWorkers, defaultAddressWorkers)
	}
}
