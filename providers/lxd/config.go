package lxd

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/canonical/lxd/shared"

	"github.com/neogenesys/console/providers"
)

// Kind is the provider kind's name.
const Kind = "lxd"

// DefaultEndpoint is Debian's socket; the snap's is
// /var/snap/lxd/common/lxd/unix.socket.
const DefaultEndpoint = "unix:///var/lib/lxd/unix.socket"

func init() {
	providers.Register(providers.Kind{Name: Kind, Title: "LXD", NewConfig: func() providers.Config { return NewConfig() }})
}

// Config is one LXD server or cluster. See the package documentation for
// what each field means.
type Config struct {
	Endpoint      string   `json:"endpoint" label:"Endpoint" help:"unix:///var/lib/lxd/unix.socket (this host) or https://host:8443." ui:"required"`
	ClientCert    string   `json:"clientCert" label:"Client certificate (PEM)" help:"The console's certificate, trusted by the server (lxc config trust add). Needed over HTTPS." ui:"text"`
	ClientKey     string   `json:"clientKey" secret:"true" label:"Client key (PEM)" help:"The certificate's private key; or env:NAME / file:/path." ui:"text"`
	ServerCert    string   `json:"serverCert" label:"Server certificate (PEM)" help:"Pins the server's certificate (its self-signed one). Empty: the system's CAs." ui:"text,advanced"`
	TrustToken    string   `json:"trustToken" secret:"true" label:"Trust token" help:"A one-time token from lxc config trust add, to register the client certificate." ui:"advanced"`
	TrustPassword string   `json:"trustPassword" secret:"true" label:"Trust password" help:"The server's core.trust_password (older LXD), to register the client certificate." ui:"advanced"`
	Projects      []string `json:"projects" label:"Projects" help:"LXD projects to read. Empty: every project."`
}

// NewConfig returns a Config with the defaults: the local socket, every
// project.
func NewConfig() *Config { return &Config{Endpoint: DefaultEndpoint} }

// Kind implements providers.Config.
func (c *Config) Kind() string { return Kind }

// Validate implements providers.Config. Secrets given as env:/file:
// references are checked in New, once resolved.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	ep, err := parseEndpoint(c.Endpoint)
	if err != nil {
		bad("endpoint", "%v", err)
	}
	if err == nil && !ep.https() {
		for _, f := range []struct{ name, v string }{{"clientCert", c.ClientCert}, {"clientKey", c.ClientKey},
			{"serverCert", c.ServerCert}, {"trustToken", c.TrustToken}, {"trustPassword", c.TrustPassword}} {
			if f.v != "" {
				bad(f.name, "only used with an https endpoint (the unix socket needs no credentials)")
			}
		}
	}
	if err == nil && ep.https() {
		if c.ClientCert == "" {
			bad("clientCert", "required with an https endpoint")
		}
		if c.ClientKey == "" {
			bad("clientKey", "required with an https endpoint")
		}
	}
	if c.ClientCert != "" {
		if _, err := parseCert(c.ClientCert); err != nil {
			bad("clientCert", "%v", err)
		} else if c.ClientKey != "" && !providers.IsSecretRef(c.ClientKey) {
			if err := checkKeyPair(c.ClientCert, c.ClientKey); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if c.ServerCert != "" {
		if _, err := parseCert(c.ServerCert); err != nil {
			bad("serverCert", "%v", err)
		}
	}
	if c.TrustToken != "" && c.TrustPassword != "" {
		bad("trustToken", "set trustToken or trustPassword, not both")
	}
	if c.TrustToken != "" && !providers.IsSecretRef(c.TrustToken) {
		if err := checkToken(c.TrustToken); err != nil {
			errs = append(errs, err)
		}
	}
	seen := map[string]bool{}
	for _, p := range c.Projects {
		switch {
		case strings.TrimSpace(p) == "":
			bad("projects", "empty project name")
		case strings.ContainsAny(p, "/ "):
			bad("projects", "%q is not a project name", p)
		case seen[p]:
			bad("projects", "%q listed twice", p)
		}
		seen[p] = true
	}
	return errors.Join(errs...)
}

func parseCert(s string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

func checkKeyPair(cert, key string) error {
	if _, err := tls.X509KeyPair([]byte(cert), []byte(key)); err != nil {
		return fmt.Errorf("clientKey: not the PEM private key of clientCert: %w", err)
	}
	return nil
}

func checkToken(token string) error {
	if _, err := shared.CertificateTokenDecode(token); err != nil {
		return fmt.Errorf("trustToken: not an LXD trust token (`lxc config trust add` prints one): %w", err)
	}
	return nil
}

// New implements providers.Config: it resolves the secrets and builds the
// connection; nothing is sent to the server until the first call.
func (c *Config) New(accountID string) (providers.Provider, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	ep, _ := parseEndpoint(c.Endpoint)
	key, err := resolve("clientKey", c.ClientKey)
	if err != nil {
		return nil, err
	}
	token, err := resolve("trustToken", c.TrustToken)
	if err != nil {
		return nil, err
	}
	password, err := resolve("trustPassword", c.TrustPassword)
	if err != nil {
		return nil, err
	}
	if ep.https() {
		if err := checkKeyPair(c.ClientCert, key); err != nil {
			return nil, err
		}
		if token != "" {
			if err := checkToken(token); err != nil {
				return nil, err
			}
		}
	}
	rt, err := newTransport(ep, c.ClientCert, key, c.ServerCert)
	if err != nil {
		return nil, err
	}
	return &Provider{
		accountID:     accountID,
		ep:            ep,
		rt:            rt,
		projects:      append([]string(nil), c.Projects...),
		trustToken:    token,
		trustPassword: password,
		backoff:       defaultBackoff(),
	}, nil
}

func resolve(field, v string) (string, error) {
	if v == "" {
		return "", nil
	}
	return providers.ResolveSecret("lxd."+field, v)
}
