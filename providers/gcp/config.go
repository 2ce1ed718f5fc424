package gcp

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/neogenesys/console/providers"
)

// Kind is the provider kind this package registers.
const Kind = "gcp"

func init() {
	providers.Register(providers.Kind{Name: Kind, Title: "Google Cloud", NewConfig: func() providers.Config { return NewConfig() }})
}

// Config is a GCP account: one or more projects read with one set of
// credentials.
type Config struct {
	// Projects are the project ids whose instances the account covers.
	Projects []string `json:"projects" label:"Projects" help:"Project IDs whose instances the account covers, e.g. my-prod-project." ui:"required"`
	// CredentialsJSON is a service-account key file's contents (or an env:
	// or file: reference to it). Empty: application default credentials.
	CredentialsJSON string `json:"credentialsJson,omitempty" secret:"true" label:"Service account key (JSON)" help:"The key file's contents; or env:NAME / file:/path. Empty: application default credentials." ui:"text"`
	// Endpoint overrides the Compute Engine API's base URL
	// (https://compute.googleapis.com), for Private Service Connect and tests.
	Endpoint string `json:"endpoint,omitempty" label:"Endpoint" help:"Overrides the Compute Engine API URL (Private Service Connect, tests)." ui:"advanced"`
}

// NewConfig returns an empty configuration; GCP needs no defaults beyond
// what the client library picks.
func NewConfig() *Config { return &Config{} }

// Kind implements providers.Config.
func (c *Config) Kind() string { return Kind }

// projectID is Google's project id syntax: 6 to 30 lowercase letters, digits
// or hyphens, starting with a letter and not ending with a hyphen, with the
// optional "domain:" prefix of legacy domain-scoped projects.
var projectID = regexp.MustCompile(`^(?:[a-z][a-z0-9.-]{0,61}[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$`)

// Validate implements providers.Config.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Projects) == 0 {
		errs = append(errs, errors.New("projects: at least one project id is required"))
	}
	seen := map[string]bool{}
	for i, p := range c.Projects {
		switch {
		case !projectID.MatchString(p):
			errs = append(errs, fmt.Errorf("projects[%d]: %q is not a project id (6 to 30 lowercase letters, digits or hyphens, starting with a letter)", i, p))
		case seen[p]:
			errs = append(errs, fmt.Errorf("projects[%d]: %q is listed twice", i, p))
		}
		seen[p] = true
	}
	// A reference is checked once New has resolved it.
	if c.CredentialsJSON != "" && !providers.IsSecretRef(c.CredentialsJSON) {
		if _, err := parseKey(c.CredentialsJSON); err != nil {
			errs = append(errs, fmt.Errorf("credentialsJson: %w", err))
		}
	}
	if c.Endpoint != "" {
		if err := checkEndpoint(c.Endpoint); err != nil {
			errs = append(errs, fmt.Errorf("endpoint: %w", err))
		}
	}
	return errors.Join(errs...)
}

func checkEndpoint(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return err
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("%q is not an http(s) URL", s)
	case u.Host == "":
		return fmt.Errorf("%q has no host", s)
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("%q must not have a query or fragment", s)
	}
	return nil
}

// New implements providers.Config: it resolves the credentials and builds
// the clients. No request is made; Check is the first.
func (c *Config) New(accountID string) (providers.Provider, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	keyJSON, err := providers.ResolveSecret("gcp.credentialsJson", c.CredentialsJSON)
	if err != nil {
		return nil, err
	}
	if keyJSON != "" {
		if _, err := parseKey(keyJSON); err != nil {
			return nil, fmt.Errorf("gcp.credentialsJson: %w", err)
		}
	}
	return newProvider(accountID, c.Projects, []byte(keyJSON), strings.TrimSuffix(c.Endpoint, "/"))
}
