package azure

import (
	"encoding/pem"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"

	"github.com/neogenesys/console/providers"
)

const (
	sub1   = "8f3c2a61-4b7e-4d2a-9c15-3e6f0a7b9d21"
	sub2   = "c5a1e9d4-2f86-4b3c-a7e0-91d4b6f2c358"
	tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	client = "3c1c9f4e-8a5b-4e0b-9d7a-5f2e6c1b8a90"
)

func validConfig() *Config {
	c := NewConfig()
	c.Subscriptions = []string{sub1, sub2}
	c.TenantID, c.ClientID, c.ClientSecret = tenant, client, "s3cret"
	return c
}

func TestValidate(t *testing.T) {
	ts := httptest.NewTLSServer(nil)
	ca := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}))
	ts.Close()

	cases := []struct {
		name   string
		change func(*Config)
		want   string // substring of the error; "" for valid
	}{
		{"valid client secret", func(*Config) {}, ""},
		{"valid managed identity", func(c *Config) { c.Auth, c.ClientSecret, c.TenantID = AuthManagedIdentity, "", "" }, ""},
		{"valid system managed identity", func(c *Config) { c.Auth, c.ClientSecret, c.ClientID = AuthManagedIdentity, "", "" }, ""},
		{"valid cli", func(c *Config) { c.Auth, c.ClientSecret, c.ClientID = AuthCLI, "", "" }, ""},
		{"valid default", func(c *Config) { c.Auth, c.ClientSecret, c.ClientID, c.TenantID = AuthDefault, "", "", "" }, ""},
		{"tenant domain name", func(c *Config) { c.TenantID = "contoso.onmicrosoft.com" }, ""},
		{"secret reference", func(c *Config) { c.ClientSecret = "env:AZURE_SECRET" }, ""},
		{"sovereign endpoint", func(c *Config) { c.Endpoint = "https://management.chinacloudapi.cn" }, ""},
		{"ca cert", func(c *Config) { c.CACert = ca }, ""},
		{"no subscriptions", func(c *Config) { c.Subscriptions = nil }, "subscriptions: at least one"},
		{"subscription not a GUID", func(c *Config) { c.Subscriptions = []string{sub1, "prod"} }, `subscriptions[1]: "prod" is not a subscription id`},
		{"subscription twice", func(c *Config) { c.Subscriptions = []string{sub1, strings.ToUpper(sub1)} }, "subscriptions[1]: " + strings.ToUpper(sub1) + " is already subscriptions[0]"},
		{"tenant malformed", func(c *Config) { c.TenantID = "not a tenant" }, "tenantId: "},
		{"tenant missing", func(c *Config) { c.TenantID = "" }, "tenantId: required with auth clientSecret"},
		{"client id missing", func(c *Config) { c.ClientID = "" }, "clientId: required with auth clientSecret"},
		{"client id malformed", func(c *Config) { c.ClientID = "my-app" }, `clientId: "my-app" is not`},
		{"secret missing", func(c *Config) { c.Auth, c.ClientSecret = AuthClientSecret, "" }, "clientSecret: required with auth clientSecret"},
		{"no auth at all", func(c *Config) { c.ClientSecret = "" }, "auth: required when clientSecret is empty"},
		{"unknown auth", func(c *Config) { c.Auth = "password" }, `auth: "password" is not one of`},
		{"secret with managed identity", func(c *Config) { c.Auth = AuthManagedIdentity }, "clientSecret: only used with auth clientSecret"},
		{"client id with cli", func(c *Config) { c.Auth, c.ClientSecret = AuthCLI, "" }, "clientId: not used with auth cli"},
		{"client id with default", func(c *Config) { c.Auth, c.ClientSecret = AuthDefault, "" }, "clientId: not used with auth default"},
		{"endpoint http", func(c *Config) { c.Endpoint = "http://127.0.0.1:8080" }, "endpoint: \"http://127.0.0.1:8080\" must be an https URL"},
		{"endpoint relative", func(c *Config) { c.Endpoint = "management.azure.com" }, "endpoint: "},
		{"endpoint query", func(c *Config) { c.Endpoint = "https://arm.example/?x=1" }, "endpoint: \"https://arm.example/?x=1\" must not have a query"},
		{"endpoint credentials", func(c *Config) { c.Endpoint = "https://u:p@arm.example" }, "must not carry credentials"},
		{"authority http", func(c *Config) { c.AuthorityHost = "http://login.example" }, "authorityHost: \"http://login.example\" must be an https URL"},
		{"audience with space", func(c *Config) { c.Audience = "https://a b" }, "audience: "},
		{"ca cert garbage", func(c *Config) { c.CACert = "hello" }, "caCert: no PEM certificate found"},
		{"ca cert wrong block", func(c *Config) {
			c.CACert = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}}))
		}, "caCert: PEM block 1 is a PRIVATE KEY"},
		{"ca cert broken", func(c *Config) {
			c.CACert = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1, 2, 3}}))
		}, "caCert: certificate 1:"},
		{"negative poll interval", func(c *Config) { c.PollInterval = -1 }, "pollInterval: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.change(c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.want != "" && err == nil:
				t.Errorf("Validate() = nil, want %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Errorf("Validate() = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestValidateJoinsProblems(t *testing.T) {
	c := NewConfig()
	c.Subscriptions = []string{"x"}
	c.Endpoint = "ftp://x"
	err := c.Validate()
	for _, field := range []string{"subscriptions[0]", "auth", "endpoint"} {
		if err == nil || !strings.Contains(err.Error(), field+":") {
			t.Errorf("Validate() = %v, want a %s problem", err, field)
		}
	}
}

func TestRegisteredWithSecretField(t *testing.T) {
	k, err := providers.Lookup(Kind)
	if err != nil {
		t.Fatal(err)
	}
	fields := providers.SecretFields(k.NewConfig())
	if len(fields) != 1 || fields["clientSecret"] == nil {
		t.Errorf("secret fields = %v, want only clientSecret", fields)
	}
}

func TestNewResolvesSecretReference(t *testing.T) {
	c := validConfig()
	c.ClientSecret = "env:NEOCONSOLE_TEST_AZURE_SECRET_UNSET"
	if _, err := c.New("a"); err == nil || !strings.Contains(err.Error(), "azure.clientSecret") {
		t.Errorf("New with an unset env reference = %v, want an azure.clientSecret error", err)
	}
	t.Setenv("NEOCONSOLE_TEST_AZURE_SECRET", "from-env")
	c.ClientSecret = "env:NEOCONSOLE_TEST_AZURE_SECRET"
	p, err := c.New("a")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	_ = p.(*Provider).Close()
}

func TestCloudConfig(t *testing.T) {
	cases := []struct {
		name                                   string
		endpoint, audience, authority          string
		wantEndpoint, wantAudience, wantAuthor string
		wantPortal                             string
		wantCustom                             bool
	}{
		{"public by default", "", "", "",
			"https://management.azure.com", "https://management.core.windows.net/", cloud.AzurePublic.ActiveDirectoryAuthorityHost,
			"https://portal.azure.com", false},
		{"china", "https://management.chinacloudapi.cn/", "", "",
			"https://management.chinacloudapi.cn", "https://management.core.chinacloudapi.cn", cloud.AzureChina.ActiveDirectoryAuthorityHost,
			"https://portal.azure.cn", false},
		{"government", "https://management.usgovcloudapi.net", "", "",
			"https://management.usgovcloudapi.net", "https://management.core.usgovcloudapi.net", cloud.AzureGovernment.ActiveDirectoryAuthorityHost,
			"https://portal.azure.us", false},
		{"azure stack hub", "https://management.local.azurestack.external", "https://management.adfs.azurestack.local/4de154de", "https://adfs.local.azurestack.external/",
			"https://management.local.azurestack.external", "https://management.adfs.azurestack.local/4de154de", "https://adfs.local.azurestack.external/",
			"https://portal.local.azurestack.external", true},
		{"test server", "https://127.0.0.1:8443", "", "https://127.0.0.1:8443",
			"https://127.0.0.1:8443", "https://127.0.0.1:8443", "https://127.0.0.1:8443",
			"https://portal.azure.com", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &Config{Endpoint: tc.endpoint, Audience: tc.audience, AuthorityHost: tc.authority}
			cs := c.cloudConfig()
			rm := cs.conf.Services[cloud.ResourceManager]
			if rm.Endpoint != tc.wantEndpoint || rm.Audience != tc.wantAudience || cs.conf.ActiveDirectoryAuthorityHost != tc.wantAuthor ||
				cs.portal != tc.wantPortal || cs.customAuthority != tc.wantCustom {
				t.Errorf("cloudConfig() = %+v %q %q custom=%v, want endpoint %q audience %q authority %q portal %q custom=%v",
					rm, cs.conf.ActiveDirectoryAuthorityHost, cs.portal, cs.customAuthority,
					tc.wantEndpoint, tc.wantAudience, tc.wantAuthor, tc.wantPortal, tc.wantCustom)
			}
		})
	}
	// The SDK's shared cloud values must stay as they were.
	if got := cloud.AzurePublic.Services[cloud.ResourceManager].Endpoint; got != "https://management.azure.com" {
		t.Errorf("cloud.AzurePublic was changed: %q", got)
	}
}
