package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLoadGoodFiles(t *testing.T) {
	tests := []struct {
		file string
		want func(*Config) // edits applied to Default()
	}{
		{"", func(*Config) {}},
		{"testdata/empty.yaml", func(*Config) {}},
		{"testdata/minimal.yaml", func(c *Config) {
			c.DataDir = "/var/lib/neoconsole"
			c.HTTP.Listen = ":8080"
			c.HTTP.PublicURL = "https://console.example.com/"
			c.HTTP.TrustedProxies = []string{"127.0.0.1/32", "10.0.0.0/8"}
		}},
		{"testdata/external.yaml", func(c *Config) {
			c.Headscale.Mode = "external"
			c.Headscale.Timeout = 5 * time.Second
			c.Headscale.External = ExternalHeadscale{
				Address:    "headscale.example.com:50443",
				APIKeyFile: "testdata/api_key.txt",
				ServerURL:  "https://headscale.example.com",
				TLS:        TLS{CAFile: "testdata/ca.pem", ServerName: "headscale.example.com"},
			}
		}},
		{"testdata/external_unix.yaml", func(c *Config) {
			c.Headscale.Mode = "external"
			c.Headscale.External.Address = "unix:///var/run/headscale/headscale.sock"
			c.Headscale.External.ServerURL = "https://headscale.example.com"
		}},
		{"testdata/postgres.yaml", func(c *Config) {
			c.Store.Driver = "postgres"
			c.Store.Postgres.DSNFile = "testdata/dsn.txt"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := Load(tt.file, nil)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			want := Default()
			tt.want(&want)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("Load (-want +got):\n%s", d)
			}
		})
	}
}

func TestLoadBadFiles(t *testing.T) {
	tests := []struct {
		file string
		want []string // substrings of the error
	}{
		{"unknown_key.yaml", []string{"unknown_key.yaml:3: http.listn: unknown key", "public_url"}},
		{"bad_duration.yaml", []string{"bad_duration.yaml:2: auth.session_ttl: expected a duration", `"12 hours"`}},
		{"int_duration.yaml", []string{"headscale.timeout: expected a duration", `"30"`}},
		{"bad_listen.yaml", []string{"http.listen: must be host:port", `"localhost"`}},
		{"bad_port.yaml", []string{"headscale.managed.metrics_addr: port must be a number from 1 to 65535"}},
		{"external_no_key.yaml", []string{"headscale.external.api_key: api_key or api_key_file is required"}},
		{"external_two_keys.yaml", []string{"headscale.external.api_key_file: set only one"}},
		{"external_bad_unix.yaml", []string{"headscale.external.address: must be unix:///absolute/path"}},
		{"insecure_remote.yaml", []string{"headscale.external.tls.insecure: allowed only", "192.0.2.10:50443"}},
		{"missing_ca.yaml", []string{"headscale.external.tls.ca_file: file does not exist"}},
		{"bad_prefix.yaml", []string{"headscale.managed.prefix_v4: must be an IPv4 CIDR", `"fd00::/8"`}},
		{"base_domain_suffix.yaml", []string{"headscale.managed.base_domain: must not be the host of headscale.managed.server_url (hs.example.com)"}},
		{"wrong_type.yaml", []string{"wrong_type.yaml:2: auth.login_rate: expected a whole number", `"ten"`}},
		{"bad_bool.yaml", []string{"headscale.managed.magic_dns: expected true or false", `"yes"`}},
		{"scalar_list.yaml", []string{"headscale.managed.nameservers: expected a list"}},
		{"mapping_for_value.yaml", []string{"log.level: expected a single value"}},
		{"value_for_mapping.yaml", []string{"value_for_mapping.yaml:1: store: expected a mapping"}},
		{"duplicate_key.yaml", []string{"duplicate_key.yaml:4: log.level: key repeated (first at line 2)"}},
		{"not_mapping.yaml", []string{"(top level): expected a mapping"}},
		{"two_documents.yaml", []string{"only one YAML document"}},
		{"syntax_error.yaml", []string{"syntax_error.yaml: yaml: line"}},
		{"postgres_no_dsn.yaml", []string{"store.postgres.dsn: dsn or dsn_file is required"}},
		{"postgres_two_dsns.yaml", []string{"store.postgres.dsn_file: set only one"}},
		{"bad_trusted_proxy.yaml", []string{"http.trusted_proxies[1]: must be a CIDR", `"192.168.1.1"`}},
		{"many_problems.yaml", []string{"log.level:", "log.format:", "auth.login_rate:", "headscale.default_user:"}},
		{"does_not_exist.yaml", []string{"no such file"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := Load("testdata/"+tt.file, nil)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
			for _, secret := range []string{"do-not-print", "hskey-api-example"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error shows a secret:\n%v", err)
				}
			}
		})
	}
}

// A file value is overridden by its variable; the reserved CLI names pass.
func TestLoadFileThenEnv(t *testing.T) {
	env := []string{
		"NEOCONSOLE_HTTP_LISTEN=0.0.0.0:9000",
		"NEOCONSOLE_CONFIG=testdata/minimal.yaml",
		"NEOCONSOLE_SERVER=https://console.example.com",
		"NEOCONSOLE_TOKEN=abc",
	}
	c, err := Load("testdata/minimal.yaml", env)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Listen != "0.0.0.0:9000" || c.DataDir != "/var/lib/neoconsole" {
		t.Errorf("listen %q, data_dir %q", c.HTTP.Listen, c.DataDir)
	}
}

// Problems in the file and in the environment are reported together.
func TestLoadFileAndEnvErrors(t *testing.T) {
	_, err := Load("testdata/wrong_type.yaml", []string{"NEOCONSOLE_LOG_LEVL=debug"})
	for _, w := range []string{"auth.login_rate", "NEOCONSOLE_LOG_LEVL: unknown variable"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("err = %v, want it to contain %q", err, w)
		}
	}
}

// Values from the environment are validated like values from the file.
func TestLoadValidatesEnv(t *testing.T) {
	_, err := Load("", []string{"NEOCONSOLE_HEADSCALE_MODE=external"})
	if err == nil || !strings.Contains(err.Error(), "headscale.external.address: required") {
		t.Fatalf("err = %v", err)
	}
}
