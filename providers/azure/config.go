package azure

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/neogenesys/console/providers"
)

// Kind is the provider kind name.
const Kind = "azure"

// Ways to authenticate (Config.Auth).
const (
	AuthClientSecret    = "clientSecret"    // app registration (service principal) with a client secret
	AuthManagedIdentity = "managedIdentity" // the managed identity of the VM, App Service… the console runs on
	AuthCLI             = "cli"             // the signed-in Azure CLI (az login) of the console's user
	AuthDefault         = "default"         // DefaultAzureCredential: environment, workload identity, managed identity, CLI…
)

// Config is one Azure account: one or more subscriptions reached with one
// credential.
type Config struct {
	// Subscriptions are the subscription ids (GUIDs) whose VMs the account covers.
	Subscriptions []string `json:"subscriptions" label:"Subscriptions" help:"Subscription IDs (GUIDs) whose VMs the account covers." ui:"required"`
	// Auth is how to authenticate: clientSecret, managedIdentity, cli or
	// default. Empty means clientSecret when ClientSecret is set.
	Auth string `json:"auth,omitempty" label:"Authentication" help:"clientSecret: an app registration; managedIdentity, cli or default: the host's identity. Empty: clientSecret when a secret is set." ui:"options=|clientSecret|managedIdentity|cli|default"`
	// TenantID is the Microsoft Entra tenant (GUID or domain name). Required
	// with clientSecret; optional otherwise, where it also makes the portal
	// links open in the right directory.
	TenantID string `json:"tenantId,omitempty" label:"Tenant ID" help:"The Microsoft Entra tenant (GUID or domain). Required with a client secret."`
	// ClientID is the app registration's application (client) id with
	// clientSecret, or a user-assigned managed identity's client id.
	ClientID string `json:"clientId,omitempty" label:"Client ID" help:"The app registration's application (client) ID, or a user-assigned managed identity's."`
	// ClientSecret is the app registration's client secret value.
	ClientSecret string `json:"clientSecret,omitempty" secret:"true" label:"Client secret" help:"The app registration's secret value; or env:NAME / file:/path."`
	// Endpoint is the Azure Resource Manager base URL (default
	// https://management.azure.com): a sovereign cloud, Azure Stack Hub, a test.
	Endpoint string `json:"endpoint,omitempty" label:"Resource Manager endpoint" help:"Default https://management.azure.com: set for sovereign clouds, Azure Stack Hub, tests." ui:"advanced"`
	// Audience is the token audience of that endpoint (default: the known
	// cloud's, else the endpoint itself); Azure Stack Hub has its own.
	Audience string `json:"audience,omitempty" label:"Token audience" help:"The endpoint's token audience when it is not a known cloud's." ui:"advanced"`
	// AuthorityHost is the Microsoft Entra ID login URL (default: the known
	// cloud's, else https://login.microsoftonline.com/).
	AuthorityHost string `json:"authorityHost,omitempty" label:"Authority host" help:"The Microsoft Entra ID login URL (default https://login.microsoftonline.com/)." ui:"advanced"`
	// CACert is a PEM CA certificate trusted, besides the system's, for both
	// the endpoint and the authority host (private clouds, tests).
	CACert string `json:"caCert,omitempty" label:"CA certificate (PEM)" help:"A CA trusted besides the system's, for the endpoint and authority (private clouds, tests)." ui:"advanced,text"`

	// PollInterval is how often a power action's operation is polled
	// (default 1 s, the SDK's floor outside tests). Not part of the stored
	// configuration.
	PollInterval time.Duration `json:"-"`
}

// NewConfig returns a Config with the defaults.
func NewConfig() *Config {
	return &Config{PollInterval: time.Second}
}

func init() {
	providers.Register(providers.Kind{Name: Kind, Title: "Microsoft Azure", NewConfig: func() providers.Config { return NewConfig() }})
}

// Kind is "azure".
func (c *Config) Kind() string { return Kind }

// authMode is the effective Auth.
func (c *Config) authMode() string {
	if c.Auth == "" && c.ClientSecret != "" {
		return AuthClientSecret
	}
	return c.Auth
}

var (
	guidRE   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	domainRE = regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$`)
)

// Validate names each problem by its JSON field.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if len(c.Subscriptions) == 0 {
		bad("subscriptions: at least one subscription id is required")
	}
	seen := map[string]int{}
	for i, s := range c.Subscriptions {
		switch j, dup := seen[strings.ToLower(s)]; {
		case !guidRE.MatchString(s):
			bad("subscriptions[%d]: %q is not a subscription id (a GUID such as 00000000-0000-0000-0000-000000000000)", i, s)
		case dup:
			bad("subscriptions[%d]: %s is already subscriptions[%d]", i, s, j)
		default:
			seen[strings.ToLower(s)] = i
		}
	}
	if c.TenantID != "" && !guidRE.MatchString(c.TenantID) && !domainRE.MatchString(c.TenantID) {
		bad("tenantId: %q is neither a tenant id (GUID) nor a domain name such as contoso.onmicrosoft.com", c.TenantID)
	}
	if c.ClientID != "" && !guidRE.MatchString(c.ClientID) {
		bad("clientId: %q is not an application (client) id (a GUID)", c.ClientID)
	}
	switch mode := c.authMode(); mode {
	case AuthClientSecret:
		if c.TenantID == "" {
			bad("tenantId: required with auth clientSecret")
		}
		if c.ClientID == "" {
			bad("clientId: required with auth clientSecret")
		}
		if c.ClientSecret == "" {
			bad("clientSecret: required with auth clientSecret")
		}
	case AuthManagedIdentity, AuthCLI, AuthDefault:
		if c.ClientSecret != "" {
			bad("clientSecret: only used with auth clientSecret, not %s", mode)
		}
		if c.ClientID != "" && mode != AuthManagedIdentity {
			bad("clientId: not used with auth %s (for default, set AZURE_CLIENT_ID in the console's environment)", mode)
		}
	case "":
		bad("auth: required when clientSecret is empty: clientSecret, managedIdentity, cli or default")
	default:
		bad("auth: %q is not one of clientSecret, managedIdentity, cli, default", c.Auth)
	}
	if err := checkURL("endpoint", c.Endpoint); err != nil {
		errs = append(errs, err)
	}
	if err := checkURL("authorityHost", c.AuthorityHost); err != nil {
		errs = append(errs, err)
	}
	if strings.ContainsAny(c.Audience, " \t\r\n") {
		bad("audience: %q contains white space", c.Audience)
	}
	if c.CACert != "" {
		if _, err := certPool(c.CACert); err != nil {
			bad("caCert: %v", err)
		}
	}
	if c.PollInterval < 0 {
		bad("pollInterval: %v is negative", c.PollInterval)
	}
	return errors.Join(errs...)
}

// checkURL accepts an empty value or an absolute https URL without query,
// fragment or credentials.
func checkURL(field, v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w", field, err)
	case u.Scheme != "https":
		return fmt.Errorf("%s: %q must be an https URL (Azure sends bearer tokens over TLS only)", field, v)
	case u.Host == "":
		return fmt.Errorf("%s: %q has no host", field, v)
	case u.User != nil:
		return fmt.Errorf("%s: %q must not carry credentials", field, v)
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("%s: %q must not have a query or fragment", field, v)
	}
	return nil
}

// certPool is the system's roots plus every certificate in pemText, which
// must hold at least one.
func certPool(pemText string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	rest, n := []byte(pemText), 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %d is a %s, want CERTIFICATE", n+1, block.Type)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", n+1, err)
		}
		pool.AddCert(cert)
		n++
	}
	if n == 0 {
		return nil, errors.New("no PEM certificate found")
	}
	return pool, nil
}
