package proxmox

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/neogenesys/console/providers"
)

// Kind is the provider kind name.
const Kind = "proxmox"

func init() {
	providers.Register(providers.Kind{Name: Kind, Title: "Proxmox VE", NewConfig: func() providers.Config { return NewConfig() }})
}

// Default and bounds of Config.AddressWorkers.
const (
	defaultAddressWorkers = 8
	maxAddressWorkers     = 64
)

// Config is one Proxmox VE cluster (or standalone host).
type Config struct {
	// Endpoint is the API's address, "https://host:8006" or the full
	// "https://host:8006/api2/json".
	Endpoint string `json:"endpoint" label:"Endpoint" help:"https://host:8006 (any node of the cluster)." ui:"required"`

	// An API token: TokenID "user@realm!tokenname" and its secret...
	TokenID     string `json:"tokenId,omitempty" label:"API token ID" help:"user@realm!tokenname, e.g. console@pve!inventory."`
	TokenSecret string `json:"tokenSecret,omitempty" secret:"true" label:"API token secret" help:"The token's UUID secret; or env:NAME / file:/path."`
	// ...or a user ("root@pam") and password for a ticket login.
	Username string `json:"username,omitempty" label:"Username" help:"Instead of a token: user@realm, e.g. root@pam." ui:"advanced"`
	Password string `json:"password,omitempty" secret:"true" label:"Password" help:"The user's password; or env:NAME / file:/path." ui:"advanced"`

	// CACert is the PEM of a CA to trust for the server certificate (the
	// cluster's /etc/pve/pve-root-ca.pem).
	CACert string `json:"caCert,omitempty" label:"CA certificate (PEM)" help:"The cluster's /etc/pve/pve-root-ca.pem." ui:"text"`
	// Fingerprint pins the server certificate by its SHA-256 fingerprint as
	// PVE shows it ("AA:BB:…", 32 bytes). When set it is the only check,
	// so the default self-signed certificate is accepted.
	Fingerprint string `json:"fingerprint,omitempty" label:"Certificate fingerprint" help:"SHA-256 of the server certificate as PVE shows it (AA:BB:…); when set it is the only check."`
	// InsecureSkipVerify accepts any certificate: anyone on the path can
	// then read the credentials. Only allowed without CACert and Fingerprint.
	InsecureSkipVerify bool `json:"insecureSkipVerify,omitempty" label:"Skip certificate verification" help:"Accept any certificate: anyone on the path can read the credentials." ui:"advanced"`

	// AddressWorkers is how many guest address look-ups run at once
	// (default 8, at most 64).
	AddressWorkers int `json:"addressWorkers,omitempty" label:"Address look-ups at once" help:"Guest agent address calls run in parallel (default 8, at most 64)." ui:"advanced"`
	// SkipAddresses leaves guest addresses out of List: one request per
	// running guest is saved.
	SkipAddresses bool `json:"skipAddresses,omitempty" label:"Skip guest addresses" help:"Leave guest IPs out: one request per running guest saved." ui:"advanced"`
}

// NewConfig returns a Config with defaults.
func NewConfig() *Config { return &Config{AddressWorkers: defaultAddressWorkers} }

// Kind implements providers.Config.
func (c *Config) Kind() string { return Kind }

var (
	// PVE user ids are name@realm; token ids add !tokenname. Realm and
	// token names start with a letter (pve-access-control's formats).
	userIDPattern  = regexp.MustCompile(`^[^\s:/@!]+@[A-Za-z][A-Za-z0-9._-]*$`)
	tokenIDPattern = regexp.MustCompile(`^[^\s:/@!]+@[A-Za-z][A-Za-z0-9._-]*![A-Za-z][A-Za-z0-9._-]*$`)
)

// Validate says what is wrong, naming the JSON field.
func (c *Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if _, err := apiURL(c.Endpoint); err != nil {
		add("endpoint: %w", err)
	}

	token := c.TokenID != "" || c.TokenSecret != ""
	login := c.Username != "" || c.Password != ""
	switch {
	case token && login:
		add("tokenId: use an API token (tokenId, tokenSecret) or a login (username, password), not both")
	case !token && !login:
		add("tokenId: required: an API token (tokenId \"user@realm!name\" and tokenSecret) or username and password")
	}
	if token {
		switch {
		case c.TokenID == "":
			add("tokenId: required with tokenSecret")
		case !tokenIDPattern.MatchString(c.TokenID):
			add("tokenId: %q is not user@realm!tokenname, e.g. root@pam!neoconsole", c.TokenID)
		}
		if c.TokenSecret == "" {
			add("tokenSecret: required with tokenId")
		}
	}
	if login {
		switch {
		case c.Username == "":
			add("username: required with password")
		case !userIDPattern.MatchString(c.Username):
			add("username: %q is not user@realm, e.g. root@pam", c.Username)
		}
		if c.Password == "" {
			add("password: required with username")
		}
	}

	if c.CACert != "" {
		if _, err := parseCA(c.CACert); err != nil {
			add("caCert: %w", err)
		}
	}
	if c.Fingerprint != "" {
		if _, err := parseFingerprint(c.Fingerprint); err != nil {
			add("fingerprint: %w", err)
		}
	}
	if c.InsecureSkipVerify && (c.CACert != "" || c.Fingerprint != "") {
		add("insecureSkipVerify: cannot be combined with caCert or fingerprint, which already say what to trust")
	}
	if c.AddressWorkers < 0 || c.AddressWorkers > maxAddressWorkers {
		add("addressWorkers: %d is not between 1 and %d", c.AddressWorkers, maxAddressWorkers)
	}
	return errors.Join(errs...)
}

// apiURL turns an endpoint into the API base "https://host:port/api2/json".
func apiURL(endpoint string) (string, error) {
	if endpoint == "" {
		return "", errors.New("required, e.g. https://pve.example.com:8006")
	}
	u, err := url.Parse(strings.TrimSpace(endpoint))
	if err != nil {
		return "", err
	}
	switch {
	case u.Scheme != "https":
		return "", fmt.Errorf("%q is not an https URL (Proxmox VE serves its API over HTTPS only)", endpoint)
	case u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("%q has no host", endpoint)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("%q must be just https://host:port", endpoint)
	}
	switch p := strings.TrimSuffix(u.Path, "/"); p {
	case "", "/api2/json":
	default:
		return "", fmt.Errorf("%q: path %q is neither empty nor /api2/json", endpoint, u.Path)
	}
	return "https://" + u.Host + "/api2/json", nil
}

// webBase is the web UI's address for an API base.
func webBase(api string) string { return strings.TrimSuffix(api, "/api2/json") }
