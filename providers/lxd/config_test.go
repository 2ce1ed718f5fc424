package lxd

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neogenesys/console/providers"
	"github.com/neogenesys/console/providers/lxd/lxdtest"
)

func TestParseEndpoint(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"unix:///var/lib/lxd/unix.socket", "unix:///var/lib/lxd/unix.socket"},
		{"unix:/var/snap/lxd/common/lxd/unix.socket", "unix:///var/snap/lxd/common/lxd/unix.socket"},
		{"/run/lxd.socket", "unix:///run/lxd.socket"},
		{" https://lxd.example.com ", "https://lxd.example.com:8443"},
		{"https://10.0.0.1:9443/", "https://10.0.0.1:9443"},
		{"https://[2001:db8::1]", "https://[2001:db8::1]:8443"},
	} {
		ep, err := parseEndpoint(c.in)
		if err != nil || ep.String() != c.want {
			t.Errorf("parseEndpoint(%q) = %q, %v; want %q", c.in, ep.String(), err, c.want)
		}
	}
	for _, in := range []string{"", "http://lxd:8443", "lxd.example.com:8443", "unix://relative/path",
		"https://", "https://host/1.0", "https://u:p@host", "https://host?x=1",
		"unix://" + strings.Repeat("x", 120)} {
		if _, err := parseEndpoint(in); err == nil {
			t.Errorf("parseEndpoint(%q) succeeded", in)
		}
	}
}

func TestValidate(t *testing.T) {
	cert, key := lxdtest.NewClientCert(t, "a")
	otherCert, otherKey := lxdtest.NewClientCert(t, "b")
	token := base64.StdEncoding.EncodeToString([]byte(`{"client_name":"neo","fingerprint":"ab","addresses":["10.0.0.1:8443"],"secret":"s3","expires_at":"0001-01-01T00:00:00Z"}`))
	https := func(edit func(*Config)) *Config {
		c := &Config{Endpoint: "https://lxd:8443", ClientCert: cert, ClientKey: key}
		if edit != nil {
			edit(c)
		}
		return c
	}
	for _, c := range []struct {
		name string
		cfg  *Config
		want []string // fields named in the error; none: valid
	}{
		{"default socket", NewConfig(), nil},
		{"https", https(nil), nil},
		{"https with server cert and token", https(func(c *Config) { c.ServerCert = otherCert; c.TrustToken = token }), nil},
		{"key reference", https(func(c *Config) { c.ClientKey = "env:LXD_KEY" }), nil},
		{"projects", &Config{Endpoint: DefaultEndpoint, Projects: []string{"default", "web"}}, nil},
		{"bad endpoint", &Config{Endpoint: "ftp://x"}, []string{"endpoint:"}},
		{"https without cert", https(func(c *Config) { c.ClientCert, c.ClientKey = "", "" }), []string{"clientCert:", "clientKey:"}},
		{"cert not PEM", https(func(c *Config) { c.ClientCert = "hello" }), []string{"clientCert:"}},
		{"key of another cert", https(func(c *Config) { c.ClientKey = otherKey }), []string{"clientKey:"}},
		{"server cert not PEM", https(func(c *Config) { c.ServerCert = key }), []string{"serverCert:"}},
		{"two onboarding secrets", https(func(c *Config) { c.TrustToken = token; c.TrustPassword = "pw" }), []string{"trustToken:"}},
		{"token not a token", https(func(c *Config) { c.TrustToken = "abc" }), []string{"trustToken:"}},
		{"credentials on the socket", &Config{Endpoint: DefaultEndpoint, ClientCert: cert, TrustPassword: "x"},
			[]string{"clientCert:", "trustPassword:"}},
		{"bad projects", &Config{Endpoint: DefaultEndpoint, Projects: []string{"a", "", "a", "b/c"}}, []string{"projects:"}},
	} {
		err := c.cfg.Validate()
		if len(c.want) == 0 {
			if err != nil {
				t.Errorf("%s: Validate = %v, want nil", c.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: Validate = nil, want errors naming %v", c.name, c.want)
			continue
		}
		for _, f := range c.want {
			if !strings.Contains(err.Error(), f) {
				t.Errorf("%s: Validate = %q, want it to name %s", c.name, err, f)
			}
		}
	}
}

func TestNewResolvesSecrets(t *testing.T) {
	cert, key := lxdtest.NewClientCert(t, "a")
	_, otherKey := lxdtest.NewClientCert(t, "b")
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, []byte(key), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &Config{Endpoint: "https://lxd", ClientCert: cert, ClientKey: "file:" + path}
	p, err := cfg.New("acct")
	if err != nil {
		t.Fatalf("New with a file: key: %v", err)
	}
	_ = p.(*Provider).Close()

	t.Setenv("LXD_OTHER_KEY", otherKey)
	cfg.ClientKey = "env:LXD_OTHER_KEY"
	if _, err := cfg.New("acct"); err == nil || !strings.Contains(err.Error(), "clientKey:") {
		t.Errorf("New with a key of another certificate = %v, want a clientKey error", err)
	}
	cfg.ClientKey = "env:LXD_UNSET_KEY"
	if _, err := cfg.New("acct"); err == nil || !strings.Contains(err.Error(), "LXD_UNSET_KEY") {
		t.Errorf("New with an unset variable = %v", err)
	}
}

func TestRegisteredAndSecrets(t *testing.T) {
	k, err := providers.Lookup("lxd")
	if err != nil {
		t.Fatal(err)
	}
	cfg := k.NewConfig()
	if err := json.Unmarshal([]byte(`{"endpoint":"https://lxd","clientCert":"c","clientKey":"k","trustToken":"t"}`), cfg); err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range providers.SecretFields(cfg) {
		names = append(names, n)
	}
	slices.Sort(names)
	if want := []string{"clientKey", "trustPassword", "trustToken"}; !slices.Equal(names, want) {
		t.Errorf("secret fields %v, want %v", names, want)
	}
}
