package gcp

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	compute "cloud.google.com/go/compute/apiv1"
	"google.golang.org/api/option"
	"google.golang.org/api/option/internaloption"
	htransport "google.golang.org/api/transport/http"

	"github.com/neogenesys/console/providers"
)

// serviceAccountKey is the part of a service-account key file the adapter
// checks before handing it to the auth library.
type serviceAccountKey struct {
	Type        string `json:"type"`
	ClientEmail string `json:"client_email"`
	PrivateKey  string `json:"private_key"`
	TokenURI    string `json:"token_uri"`
}

// parseKey checks that s is a service-account key file: JSON with type
// "service_account", client_email, a PEM private_key and token_uri. Other
// credential types (authorized_user, external_account) are refused here:
// they belong in application default credentials, where their provenance
// is the operator's choice.
func parseKey(s string) (serviceAccountKey, error) {
	var k serviceAccountKey
	if err := json.Unmarshal([]byte(s), &k); err != nil {
		return k, fmt.Errorf("not a JSON service-account key: %w", err)
	}
	var errs []error
	if k.Type != "service_account" {
		errs = append(errs, fmt.Errorf("type is %q, want \"service_account\"", k.Type))
	}
	if k.ClientEmail == "" {
		errs = append(errs, errors.New("client_email is missing"))
	}
	if k.PrivateKey == "" {
		errs = append(errs, errors.New("private_key is missing"))
	} else if b, _ := pem.Decode([]byte(k.PrivateKey)); b == nil {
		errs = append(errs, errors.New("private_key is not PEM"))
	} else if _, err := x509.ParsePKCS8PrivateKey(b.Bytes); err != nil {
		if _, err1 := x509.ParsePKCS1PrivateKey(b.Bytes); err1 != nil {
			errs = append(errs, fmt.Errorf("private_key: %w", err))
		}
	}
	if k.TokenURI == "" {
		errs = append(errs, errors.New("token_uri is missing"))
	} else if u, err := url.Parse(k.TokenURI); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fmt.Errorf("token_uri %q is not an http(s) URL", k.TokenURI))
	}
	if len(errs) > 0 {
		return k, fmt.Errorf("service-account key: %w", errors.Join(errs...))
	}
	return k, nil
}

// authTransport returns base behind OAuth 2.0: a service-account key when
// keyJSON is set (tokens from its token_uri), else application default
// credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's file, the metadata
// server). Tokens are cached and refreshed by cloud.google.com/go/auth, the
// stack the compute clients use themselves.
func authTransport(base http.RoundTripper, keyJSON []byte) (http.RoundTripper, error) {
	opts := []option.ClientOption{
		option.WithScopes(compute.DefaultAuthScopes()...),
		// What every compute client sets for itself: the cloud.google.com/go/auth
		// stack, also for application default credentials.
		internaloption.EnableNewAuthLibrary(),
	}
	if len(keyJSON) > 0 {
		opts = append(opts, option.WithAuthCredentialsJSON(option.ServiceAccount, keyJSON))
	}
	// The context only matters for the legacy oauth2 stack, which is off.
	rt, err := htransport.NewTransport(context.Background(), base, opts...)
	if err != nil {
		what := "service-account key"
		if len(keyJSON) == 0 {
			what = "application default credentials"
		}
		return nil, fmt.Errorf("gcp: %s: %w: %w", what, providers.ErrAuth, err)
	}
	return rt, nil
}
