package azure

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// knownClouds are the Azure clouds whose endpoints imply their login host,
// token audience and portal.
func knownClouds() []struct {
	conf   cloud.Configuration
	portal string
} {
	return []struct {
		conf   cloud.Configuration
		portal string
	}{
		{cloud.AzurePublic, "https://portal.azure.com"},
		{cloud.AzureChina, "https://portal.azure.cn"},
		{cloud.AzureGovernment, "https://portal.azure.us"},
	}
}

// cloudSettings is where the account's ARM, login and portal live.
type cloudSettings struct {
	conf cloud.Configuration
	// customAuthority is set when authorityHost was given: instance
	// discovery against login.microsoft.com cannot vouch for it.
	customAuthority bool
	portal          string
}

// cloudConfig builds the cloud configuration from endpoint, audience and
// authorityHost, filling what is missing from the known cloud the endpoint
// belongs to (Azure public by default). A fresh Services map each time: the
// SDK's cloud values are shared.
func (c *Config) cloudConfig() cloudSettings {
	known := knownClouds()[0]
	endpoint := strings.TrimSuffix(c.Endpoint, "/")
	if endpoint == "" {
		endpoint = known.conf.Services[cloud.ResourceManager].Endpoint
	}
	portal := ""
	for _, k := range knownClouds() {
		if strings.EqualFold(strings.TrimSuffix(k.conf.Services[cloud.ResourceManager].Endpoint, "/"), endpoint) {
			known, portal = k, k.portal
		}
	}
	audience := c.Audience
	if audience == "" {
		audience = endpoint
		if portal != "" {
			audience = known.conf.Services[cloud.ResourceManager].Audience
		}
	}
	authority := c.AuthorityHost
	if authority == "" {
		authority = known.conf.ActiveDirectoryAuthorityHost
	}
	if portal == "" {
		portal = portalFor(endpoint)
	}
	return cloudSettings{
		conf: cloud.Configuration{
			ActiveDirectoryAuthorityHost: authority,
			Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Endpoint: endpoint, Audience: audience},
			},
		},
		customAuthority: c.AuthorityHost != "",
		portal:          portal,
	}
}

// portalFor guesses the portal of a private cloud: Azure Stack Hub serves
// it beside ARM, management.<fqdn> → portal.<fqdn>. Anything else links to
// the public portal.
func portalFor(endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil {
		if rest, ok := strings.CutPrefix(u.Hostname(), "management."); ok {
			return "https://portal." + rest
		}
	}
	return "https://portal.azure.com"
}

// credential builds the token credential the Auth mode asks for. secret is
// the resolved client secret.
func (c *Config) credential(secret string, opts azcore.ClientOptions, cs cloudSettings) (azcore.TokenCredential, error) {
	var (
		cred azcore.TokenCredential
		err  error
	)
	switch mode := c.authMode(); mode {
	case AuthClientSecret:
		cred, err = azidentity.NewClientSecretCredential(c.TenantID, c.ClientID, secret, &azidentity.ClientSecretCredentialOptions{
			ClientOptions:            opts,
			DisableInstanceDiscovery: cs.customAuthority,
		})
	case AuthManagedIdentity:
		o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: opts}
		if c.ClientID != "" {
			o.ID = azidentity.ClientID(c.ClientID)
		}
		cred, err = azidentity.NewManagedIdentityCredential(o)
	case AuthCLI:
		cred, err = azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: c.TenantID})
	case AuthDefault:
		// Covers workload identity in Kubernetes (AZURE_FEDERATED_TOKEN_FILE
		// and friends, set by the webhook) as well as environment variables
		// and managed identity.
		cred, err = azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
			ClientOptions:            opts,
			TenantID:                 c.TenantID,
			DisableInstanceDiscovery: cs.customAuthority,
		})
	default:
		return nil, fmt.Errorf("auth: %q is not one of clientSecret, managedIdentity, cli, default", c.Auth)
	}
	if err != nil {
		return nil, fmt.Errorf("azure: %s credential: %w", c.authMode(), err)
	}
	return cred, nil
}
