package config

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestEnvOverrides(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want func(*Config) // edits applied to Default()
	}{
		{"string", []string{"NEOCONSOLE_HTTP_LISTEN=0.0.0.0:80"}, func(c *Config) { c.HTTP.Listen = "0.0.0.0:80" }},
		{"nested string", []string{"NEOCONSOLE_HEADSCALE_EXTERNAL_API_KEY=k"}, func(c *Config) { c.Headscale.External.APIKey = "k" }},
		{"empty string", []string{"NEOCONSOLE_HEADSCALE_MANAGED_BASE_DOMAIN="}, func(c *Config) { c.Headscale.Managed.BaseDomain = "" }},
		{"value with =", []string{"NEOCONSOLE_STORE_POSTGRES_DSN=host=db sslmode=disable"}, func(c *Config) { c.Store.Postgres.DSN = "host=db sslmode=disable" }},
		{"bool", []string{"NEOCONSOLE_HEADSCALE_MANAGED_MAGIC_DNS=true"}, func(c *Config) { c.Headscale.Managed.MagicDNS = true }},
		{"bool 1", []string{"NEOCONSOLE_HEADSCALE_EXTERNAL_TLS_INSECURE=1"}, func(c *Config) { c.Headscale.External.TLS.Insecure = true }},
		{"int", []string{"NEOCONSOLE_AUTH_LOGIN_RATE=3"}, func(c *Config) { c.Auth.LoginRate = 3 }},
		{"int64", []string{"NEOCONSOLE_HTTP_MAX_BODY_BYTES=4194304"}, func(c *Config) { c.HTTP.MaxBodyBytes = 4 << 20 }},
		{"duration", []string{"NEOCONSOLE_AUTH_SESSION_TTL=90m"}, func(c *Config) { c.Auth.SessionTTL = 90 * time.Minute }},
		{"list", []string{"NEOCONSOLE_HTTP_TRUSTED_PROXIES= 10.0.0.0/8, ,127.0.0.1/32 ,"}, func(c *Config) {
			c.HTTP.TrustedProxies = []string{"10.0.0.0/8", "127.0.0.1/32"}
		}},
		{"empty list", []string{"NEOCONSOLE_HEADSCALE_MANAGED_NAMESERVERS="}, func(c *Config) {}},
		{"later wins", []string{"NEOCONSOLE_LOG_LEVEL=debug", "NEOCONSOLE_LOG_LEVEL=warn"}, func(c *Config) { c.Log.Level = "warn" }},
		{"reserved and foreign ignored", []string{
			"NEOCONSOLE_SERVER=https://x", "NEOCONSOLE_TOKEN=t", "NEOCONSOLE_CONFIG=/etc/neoconsole.yaml",
			"HOME=/root", "neoconsole_http_listen=x", "NEOCONSOLE_WITHOUT_EQUALS", "=C:=C:\\",
		}, func(c *Config) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Default()
			if err := applyEnv(&got, tt.env); err != nil {
				t.Fatalf("applyEnv: %v", err)
			}
			want := Default()
			tt.want(&want)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestEnvErrors(t *testing.T) {
	tests := []struct {
		env  string
		want string
	}{
		{"NEOCONSOLE_HEADSCALE_MANAGED_MAGIC_DNS=yes", `NEOCONSOLE_HEADSCALE_MANAGED_MAGIC_DNS (headscale.managed.magic_dns): expected true or false (got "yes")`},
		{"NEOCONSOLE_AUTH_LOGIN_RATE=1.5", `NEOCONSOLE_AUTH_LOGIN_RATE (auth.login_rate): expected a whole number (got "1.5")`},
		{"NEOCONSOLE_HTTP_MAX_BODY_BYTES=1MiB", `NEOCONSOLE_HTTP_MAX_BODY_BYTES (http.max_body_bytes): expected a whole number`},
		{"NEOCONSOLE_AUTH_SESSION_TTL=12", `NEOCONSOLE_AUTH_SESSION_TTL (auth.session_ttl): expected a duration`},
		{"NEOCONSOLE_HEADSCALE_TIMEOUT=", `NEOCONSOLE_HEADSCALE_TIMEOUT (headscale.timeout): expected a duration`},
		{"NEOCONSOLE_HTTP_LISTN=:80", "NEOCONSOLE_HTTP_LISTN: unknown variable"},
		{"NEOCONSOLE_HTTP=x", "NEOCONSOLE_HTTP: unknown variable"}, // a section, not a key
		{"NEOCONSOLE_=x", "NEOCONSOLE_: unknown variable"},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			c := Default()
			err := applyEnv(&c, []string{tt.env})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestEnvErrorsAllReported(t *testing.T) {
	c := Default()
	err := applyEnv(&c, []string{"NEOCONSOLE_A=1", "NEOCONSOLE_AUTH_LOGIN_RATE=x", "NEOCONSOLE_B=2"})
	for _, w := range []string{"NEOCONSOLE_A:", "NEOCONSOLE_AUTH_LOGIN_RATE", "NEOCONSOLE_B:"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("err = %v, want it to contain %q", err, w)
		}
	}
}

func TestEnvVars(t *testing.T) {
	names := EnvVars()
	if !slices.IsSorted(names) {
		t.Error("EnvVars is not sorted")
	}
	if len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Errorf("two keys share a variable name: %v", names)
	}
	for _, want := range []string{
		"NEOCONSOLE_DATA_DIR",
		"NEOCONSOLE_HTTP_LISTEN",
		"NEOCONSOLE_STORE_POSTGRES_DSN",
		"NEOCONSOLE_HEADSCALE_EXTERNAL_API_KEY",
		"NEOCONSOLE_HEADSCALE_EXTERNAL_TLS_SERVER_NAME",
	} {
		if !slices.Contains(names, want) {
			t.Errorf("EnvVars lacks %s", want)
		}
	}
	for name := range reservedEnv {
		if slices.Contains(names, name) {
			t.Errorf("%s is both reserved and a key", name)
		}
	}
}

// Every leaf of Config has a type setLeaf can parse, so every key can be
// set from the environment and from the file.
func TestEveryLeafIsSettable(t *testing.T) {
	samples := map[reflect.Type]string{
		reflect.TypeFor[string]():        "x",
		reflect.TypeFor[bool]():          "true",
		reflect.TypeFor[int]():           "7",
		reflect.TypeFor[int64]():         "7",
		reflect.TypeFor[time.Duration](): "7s",
		reflect.TypeFor[[]string]():      "a,b",
	}
	c := Default()
	for _, l := range leaves(reflect.ValueOf(&c).Elem()) {
		s, ok := samples[l.value.Type()]
		if !ok {
			t.Errorf("%s: type %s has no parser", l.key, l.value.Type())
			continue
		}
		if err := applyEnv(&c, []string{l.env + "=" + s}); err != nil {
			t.Errorf("%s: %v", l.env, err)
		}
	}
}
