package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPaths(t *testing.T) {
	c := Default()
	if got, want := c.SQLitePath(), filepath.Join("data", "neoconsole.db"); got != want {
		t.Errorf("SQLitePath = %q, want %q", got, want)
	}
	if got, want := c.HeadscaleDir(), filepath.Join("data", "headscale"); got != want {
		t.Errorf("HeadscaleDir = %q, want %q", got, want)
	}
	c.DataDir = "/var/lib/neo"
	c.Store.SQLite.Path = "/srv/neo.db"
	if got := c.SQLitePath(); got != "/srv/neo.db" {
		t.Errorf("SQLitePath = %q, want the configured path", got)
	}
	if got := c.HeadscaleDir(); got != "/var/lib/neo/headscale" {
		t.Errorf("HeadscaleDir = %q", got)
	}
}

func TestPublicURL(t *testing.T) {
	tests := []struct {
		listen, publicURL, cert string
		want                    string
	}{
		{"127.0.0.1:8080", "", "", "http://127.0.0.1:8080"},
		{"127.0.0.1:8443", "", "cert.pem", "https://127.0.0.1:8443"},
		{":8080", "", "", "http://localhost:8080"},
		{"0.0.0.0:8080", "", "", "http://localhost:8080"},
		{"[::]:8080", "", "", "http://localhost:8080"},
		{"[::1]:8080", "", "", "http://[::1]:8080"},
		{"console.lan:80", "", "", "http://console.lan:80"},
		{":8080", "https://console.example.com/", "", "https://console.example.com"},
		{":8080", "https://example.com/console", "", "https://example.com/console"},
	}
	for _, tt := range tests {
		c := Default()
		c.HTTP.Listen, c.HTTP.PublicURL, c.HTTP.TLSCert = tt.listen, tt.publicURL, tt.cert
		if got := c.PublicURL(); got != tt.want {
			t.Errorf("listen %q public_url %q cert %q: PublicURL = %q, want %q", tt.listen, tt.publicURL, tt.cert, got, tt.want)
		}
	}
}

func TestHeadscaleServerURL(t *testing.T) {
	c := Default()
	c.Headscale.External.ServerURL = "https://hs.example.com"
	if got := c.HeadscaleServerURL(); got != "http://127.0.0.1:8081" {
		t.Errorf("managed: %q", got)
	}
	c.Headscale.Mode = "external"
	if got := c.HeadscaleServerURL(); got != "https://hs.example.com" {
		t.Errorf("external: %q", got)
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPostgresDSN(t *testing.T) {
	c := Default()
	if _, err := c.PostgresDSN(); err == nil || !strings.Contains(err.Error(), "store.postgres") {
		t.Errorf("neither set: err = %v", err)
	}

	c.Store.Postgres.DSNFile = "testdata/dsn.txt"
	got, err := c.PostgresDSN()
	if want := "postgres://neo:secret@db.example.com:5432/neo?sslmode=verify-full"; err != nil || got != want {
		t.Errorf("from file: %q, %v; want %q", got, err, want)
	}

	c.Store.Postgres.DSN = "postgres://inline"
	if got, err := c.PostgresDSN(); err != nil || got != "postgres://inline" {
		t.Errorf("inline: %q, %v", got, err)
	}

	c.Store.Postgres.DSN = ""
	c.Store.Postgres.DSNFile = writeFile(t, " \n\t")
	if _, err := c.PostgresDSN(); err == nil || !strings.Contains(err.Error(), "store.postgres.dsn_file: file") {
		t.Errorf("empty file: err = %v", err)
	}

	c.Store.Postgres.DSNFile = "testdata/missing.txt"
	if _, err := c.PostgresDSN(); err == nil || !strings.Contains(err.Error(), "store.postgres.dsn_file:") {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestHeadscaleAPIKey(t *testing.T) {
	c := Default()
	if got, err := c.HeadscaleAPIKey(); got != "" || err != nil {
		t.Errorf("neither set: %q, %v", got, err)
	}

	c.Headscale.External.APIKeyFile = "testdata/api_key.txt"
	if got, err := c.HeadscaleAPIKey(); err != nil || got != "hskey-api-example-0123456789" {
		t.Errorf("from file: %q, %v", got, err)
	}

	c.Headscale.External.APIKey = "inline"
	if got, err := c.HeadscaleAPIKey(); err != nil || got != "inline" {
		t.Errorf("inline: %q, %v", got, err)
	}

	c.Headscale.External.APIKey = ""
	c.Headscale.External.APIKeyFile = writeFile(t, "\n")
	if _, err := c.HeadscaleAPIKey(); err == nil || !strings.Contains(err.Error(), "headscale.external.api_key_file: file") {
		t.Errorf("empty file: err = %v", err)
	}
}
