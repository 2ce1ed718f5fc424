package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
}

// external returns a valid external-mode configuration.
func external() Config {
	c := Default()
	c.Headscale.Mode = "external"
	c.Headscale.External = ExternalHeadscale{
		Address:   "headscale.example.com:50443",
		APIKey:    "hskey-api-secret-value",
		ServerURL: "https://headscale.example.com",
	}
	return c
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		base func() Config
		edit func(*Config)
		want string // "" for valid
	}{
		{"data_dir empty", Default, func(c *Config) { c.DataDir = "" }, `data_dir: must not be empty (got "")`},
		{"listen no port", Default, func(c *Config) { c.HTTP.Listen = "127.0.0.1" }, `http.listen: must be host:port`},
		{"listen port 0", Default, func(c *Config) { c.HTTP.Listen = ":0" }, `http.listen: port must be a number from 1 to 65535 (got ":0")`},
		{"listen named port", Default, func(c *Config) { c.HTTP.Listen = ":http" }, `http.listen: port must be a number`},
		{"listen bad host", Default, func(c *Config) { c.HTTP.Listen = "a b:80" }, `http.listen: host must be an IP address or a host name`},
		{"listen all interfaces", Default, func(c *Config) { c.HTTP.Listen = ":8080" }, ""},
		{"listen ipv6", Default, func(c *Config) { c.HTTP.Listen = "[::1]:8080" }, ""},
		{"listen host name", Default, func(c *Config) { c.HTTP.Listen = "console_1.internal:8080" }, ""},
		{"public_url relative", Default, func(c *Config) { c.HTTP.PublicURL = "/console" }, `http.public_url: must be an absolute http:// or https:// URL (got "/console")`},
		{"public_url ftp", Default, func(c *Config) { c.HTTP.PublicURL = "ftp://x" }, `http.public_url: must be an absolute`},
		{"public_url path", Default, func(c *Config) { c.HTTP.PublicURL = "https://example.com/console/" }, ""},
		{"tls cert alone", Default, func(c *Config) { c.HTTP.TLSCert = "c.pem" }, `http.tls_key: required when http.tls_cert is set`},
		{"tls key alone", Default, func(c *Config) { c.HTTP.TLSKey = "k.pem" }, `http.tls_cert: required when http.tls_key is set`},
		{"tls both", Default, func(c *Config) { c.HTTP.TLSCert, c.HTTP.TLSKey = "c.pem", "k.pem" }, ""},
		{"trusted proxy ip", Default, func(c *Config) { c.HTTP.TrustedProxies = []string{"::1/128", "10.0.0.1"} }, `http.trusted_proxies[1]: must be a CIDR`},
		{"max body 0", Default, func(c *Config) { c.HTTP.MaxBodyBytes = 0 }, `http.max_body_bytes: must be greater than 0 (got 0)`},
		{"log level", Default, func(c *Config) { c.Log.Level = "INFO" }, `log.level: must be one of debug, info, warn, error (got "INFO")`},
		{"log format", Default, func(c *Config) { c.Log.Format = "logfmt" }, `log.format: must be one of text, json`},
		{"driver", Default, func(c *Config) { c.Store.Driver = "mysql" }, `store.driver: must be one of sqlite, postgres (got "mysql")`},
		{"postgres no dsn", Default, func(c *Config) { c.Store.Driver = "postgres" }, `store.postgres.dsn: dsn or dsn_file is required`},
		{"postgres dsn", Default, func(c *Config) { c.Store.Driver, c.Store.Postgres.DSN = "postgres", "postgres://db" }, ""},
		{"postgres both", Default, func(c *Config) {
			c.Store.Driver, c.Store.Postgres.DSN, c.Store.Postgres.DSNFile = "postgres", "postgres://u:hunter2@db", "f"
		}, `store.postgres.dsn_file: set only one of dsn and dsn_file (got "f")`},
		{"postgres ignored for sqlite", Default, func(c *Config) { c.Store.Postgres.DSN, c.Store.Postgres.DSNFile = "a", "b" }, ""},
		{"session ttl", Default, func(c *Config) { c.Auth.SessionTTL = 59 * time.Second }, `auth.session_ttl: must be at least 1m (got 59s)`},
		{"session ttl 1m", Default, func(c *Config) { c.Auth.SessionTTL = time.Minute }, ""},
		{"secure cookies", Default, func(c *Config) { c.Auth.SecureCookies = "yes" }, `auth.secure_cookies: must be one of auto, always, never`},
		{"login rate", Default, func(c *Config) { c.Auth.LoginRate = 0 }, `auth.login_rate: must be at least 1 (got 0)`},
		{"key mint rate", Default, func(c *Config) { c.Auth.KeyMintRate = -1 }, `auth.key_mint_rate: must be at least 1 (got -1)`},
		{"mode", Default, func(c *Config) { c.Headscale.Mode = "embedded" }, `headscale.mode: must be one of managed, external`},
		{"timeout", Default, func(c *Config) { c.Headscale.Timeout = 0 }, `headscale.timeout: must be greater than 0 (got 0s)`},
		{"user empty", Default, func(c *Config) { c.Headscale.DefaultUser = "" }, `headscale.default_user: must be 2 to 63 characters`},
		{"user long", Default, func(c *Config) { c.Headscale.DefaultUser = strings.Repeat("a", 64) }, `headscale.default_user: must be 2 to 63 characters`},
		{"user space", Default, func(c *Config) { c.Headscale.DefaultUser = "ops team" }, `headscale.default_user: may contain only`},
		{"user digit first", Default, func(c *Config) { c.Headscale.DefaultUser = "1ops" }, `headscale.default_user: must start with a letter`},
		{"user two @", Default, func(c *Config) { c.Headscale.DefaultUser = "a@b@c" }, `headscale.default_user: may contain at most one @`},
		{"user email", Default, func(c *Config) { c.Headscale.DefaultUser = "ops_1.team-a@example.com" }, ""},
		{"key expiry short", Default, func(c *Config) { c.Headscale.DefaultKeyExpiry = 30 * time.Second }, `headscale.default_key_expiry: must be between 1m and 2160h (90 days) (got 30s)`},
		{"key expiry long", Default, func(c *Config) { c.Headscale.DefaultKeyExpiry = 91 * 24 * time.Hour }, `headscale.default_key_expiry: must be between`},
		{"key expiry 90d", Default, func(c *Config) { c.Headscale.DefaultKeyExpiry = 90 * 24 * time.Hour }, ""},
		{"refresh fast", Default, func(c *Config) { c.Headscale.RefreshInterval = 50 * time.Millisecond }, `headscale.refresh_interval: must be between 100ms and 1m (got 50ms)`},
		{"refresh slow", Default, func(c *Config) { c.Headscale.RefreshInterval = 2 * time.Minute }, `headscale.refresh_interval: must be between`},

		{"managed binary", Default, func(c *Config) { c.Headscale.Managed.Binary = "" }, `headscale.managed.binary: must not be empty`},
		{"managed server_url", Default, func(c *Config) { c.Headscale.Managed.ServerURL = "127.0.0.1:8081" }, `headscale.managed.server_url: must be an absolute`},
		{"managed listen", Default, func(c *Config) { c.Headscale.Managed.ListenAddr = "8081" }, `headscale.managed.listen_addr: must be host:port`},
		{"managed stun", Default, func(c *Config) { c.Headscale.Managed.STUNAddr = "" }, `headscale.managed.stun_addr: must be host:port`},
		{"v4 prefix not cidr", Default, func(c *Config) { c.Headscale.Managed.PrefixV4 = "100.64.0.0" }, `headscale.managed.prefix_v4: must be an IPv4 CIDR`},
		{"v6 prefix is v4", Default, func(c *Config) { c.Headscale.Managed.PrefixV6 = "10.0.0.0/8" }, `headscale.managed.prefix_v6: must be an IPv6 CIDR`},
		{"v6 only", Default, func(c *Config) { c.Headscale.Managed.PrefixV4 = "" }, ""},
		{"no prefix", Default, func(c *Config) { c.Headscale.Managed.PrefixV4, c.Headscale.Managed.PrefixV6 = "", "" }, `headscale.managed.prefix_v4: prefix_v4 or prefix_v6 is required`},
		{"base domain bad", Default, func(c *Config) { c.Headscale.Managed.BaseDomain = "-bad.example" }, `headscale.managed.base_domain: must be a DNS name`},
		{"base domain same as host", Default, func(c *Config) {
			c.Headscale.Managed.ServerURL, c.Headscale.Managed.BaseDomain = "https://hs.example.com", "HS.example.com"
		}, `headscale.managed.base_domain: must not be the host`},
		{"base domain sibling", Default, func(c *Config) {
			c.Headscale.Managed.ServerURL, c.Headscale.Managed.BaseDomain = "https://hs.example.com", "ts.example.com"
		}, ""},
		{"base domain not a label suffix", Default, func(c *Config) {
			c.Headscale.Managed.ServerURL, c.Headscale.Managed.BaseDomain = "https://myexample.com", "example.com"
		}, ""},
		{"base domain empty, no magic dns", Default, func(c *Config) { c.Headscale.Managed.BaseDomain = "" }, ""},
		{"base domain empty, magic dns", Default, func(c *Config) {
			c.Headscale.Managed.BaseDomain, c.Headscale.Managed.MagicDNS = "", true
		}, `headscale.managed.base_domain: required when magic_dns is true`},
		{"nameserver", Default, func(c *Config) { c.Headscale.Managed.Nameservers = []string{"1.1.1.1", "dns.google"} }, `headscale.managed.nameservers[1]: must be an IP address such as 1.1.1.1 (got "dns.google")`},
		{"managed log level", Default, func(c *Config) { c.Headscale.Managed.LogLevel = "loud" }, `headscale.managed.log_level: must be one of`},
		{"managed ignored in external mode", external, func(c *Config) { c.Headscale.Managed.Binary = "" }, ""},

		{"external valid", external, func(*Config) {}, ""},
		{"external ignored in managed mode", Default, func(c *Config) { c.Headscale.External.Address = "nonsense" }, ""},
		{"external no address", external, func(c *Config) { c.Headscale.External.Address = "" }, `headscale.external.address: required when headscale.mode is external`},
		{"external no port", external, func(c *Config) { c.Headscale.External.Address = "headscale.example.com" }, `headscale.external.address: must be host:port`},
		{"external no host", external, func(c *Config) { c.Headscale.External.Address = ":50443" }, `headscale.external.address: host must not be empty`},
		{"external unix", external, func(c *Config) {
			c.Headscale.External.Address, c.Headscale.External.APIKey = "unix:///run/headscale.sock", ""
		}, ""},
		{"external unix relative", external, func(c *Config) { c.Headscale.External.Address = "unix://headscale.sock" }, `headscale.external.address: must be unix:///absolute/path`},
		{"external no key", external, func(c *Config) { c.Headscale.External.APIKey = "" }, `headscale.external.api_key: api_key or api_key_file is required for a TCP address (got "")`},
		{"external two keys", external, func(c *Config) { c.Headscale.External.APIKeyFile = "key" }, `headscale.external.api_key_file: set only one`},
		{"insecure remote", external, func(c *Config) { c.Headscale.External.TLS.Insecure = true }, `headscale.external.tls.insecure: allowed only when address is a loopback IP or localhost (got "headscale.example.com:50443")`},
		{"insecure 127.0.0.2", external, func(c *Config) {
			c.Headscale.External.Address, c.Headscale.External.TLS.Insecure = "127.0.0.2:50443", true
		}, ""},
		{"insecure ::1", external, func(c *Config) {
			c.Headscale.External.Address, c.Headscale.External.TLS.Insecure = "[::1]:50443", true
		}, ""},
		{"insecure localhost", external, func(c *Config) {
			c.Headscale.External.Address, c.Headscale.External.TLS.Insecure = "localhost:50443", true
		}, ""},
		{"insecure unix", external, func(c *Config) {
			c.Headscale.External.Address, c.Headscale.External.TLS.Insecure = "unix:///run/hs.sock", true
		}, ""},
		{"ca file missing", external, func(c *Config) { c.Headscale.External.TLS.CAFile = "testdata/nope.pem" }, `headscale.external.tls.ca_file: file does not exist (got "testdata/nope.pem")`},
		{"ca file", external, func(c *Config) { c.Headscale.External.TLS.CAFile = "testdata/ca.pem" }, ""},
		{"ca file with insecure", external, func(c *Config) {
			c.Headscale.External.Address = "127.0.0.1:50443"
			c.Headscale.External.TLS.Insecure, c.Headscale.External.TLS.CAFile = true, "testdata/ca.pem"
		}, `headscale.external.tls.ca_file: cannot be used with tls.insecure`},
		{"external no server_url", external, func(c *Config) { c.Headscale.External.ServerURL = "" }, `headscale.external.server_url: required when headscale.mode is external`},
		{"external bad server_url", external, func(c *Config) { c.Headscale.External.ServerURL = "headscale.example.com" }, `headscale.external.server_url: must be an absolute`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.base()
			tt.edit(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error:\n%v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("err = %v\nwant it to contain %q", err, tt.want)
			}
			if err != nil && (strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "secret-value")) {
				t.Errorf("error shows a secret:\n%v", err)
			}
		})
	}
}

func TestValidateReportsEverything(t *testing.T) {
	c := Default()
	c.HTTP.MaxBodyBytes = 0
	c.Log.Level = "loud"
	c.Headscale.Timeout = 0
	err := c.Validate()
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != 3 {
		t.Fatalf("want 3 joined errors, got %v", err)
	}
}

func TestValidateHidesSecrets(t *testing.T) {
	c := external()
	c.Headscale.External.APIKeyFile = "key.txt" // both set: an error about the pair
	c.Store.Driver = "postgres"
	c.Store.Postgres.DSN = "postgres://u:hunter2@db/neo"
	c.Store.Postgres.DSNFile = "dsn.txt"
	err := c.Validate()
	if err == nil {
		t.Fatal("want an error")
	}
	if s := err.Error(); strings.Contains(s, "hunter2") || strings.Contains(s, "secret-value") {
		t.Errorf("error shows a secret:\n%s", s)
	}
	if got := got("store.postgres.dsn", "postgres://u:hunter2@db"); got != "(set)" {
		t.Errorf("got() for a secret = %q, want (set)", got)
	}
}
