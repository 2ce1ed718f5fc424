package config

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
)

// SQLitePath is store.sqlite.path, or DATA_DIR/neoconsole.db when that is empty.
func (c Config) SQLitePath() string {
	if c.Store.SQLite.Path != "" {
		return c.Store.SQLite.Path
	}
	return filepath.Join(c.DataDir, "neoconsole.db")
}

// SecretKeyPath is the file holding the master key that seals cloud
// credentials when NEOCONSOLE_SECRET_KEY is not set.
func (c Config) SecretKeyPath() string {
	return filepath.Join(c.DataDir, "secret.key")
}

// HeadscaleDir is where the managed Headscale keeps its config, database and keys.
func (c Config) HeadscaleDir() string {
	return filepath.Join(c.DataDir, "headscale")
}

// PublicURL is http.public_url without a trailing slash or, when that is
// empty, a URL derived from http.listen: https when http.tls_cert is set,
// and "localhost" in place of an empty or unspecified host (0.0.0.0, ::).
func (c Config) PublicURL() string {
	if c.HTTP.PublicURL != "" {
		return strings.TrimSuffix(c.HTTP.PublicURL, "/")
	}
	scheme := "http"
	if c.HTTP.TLSCert != "" {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(c.HTTP.Listen)
	if err != nil {
		return scheme + "://" + c.HTTP.Listen
	}
	if ip, err := netip.ParseAddr(host); host == "" || err == nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// HeadscaleServerURL is the URL machines pass as --login-server: the managed
// or the external server_url, by headscale.mode.
func (c Config) HeadscaleServerURL() string {
	if c.Headscale.Mode == "external" {
		return c.Headscale.External.ServerURL
	}
	return c.Headscale.Managed.ServerURL
}

// PostgresDSN is store.postgres.dsn, or the trimmed content of
// store.postgres.dsn_file. It is an error when neither gives a DSN.
func (c Config) PostgresDSN() (string, error) {
	p := c.Store.Postgres
	switch {
	case p.DSN != "":
		return p.DSN, nil
	case p.DSNFile != "":
		return readSecretFile("store.postgres.dsn_file", p.DSNFile)
	}
	return "", fmt.Errorf("store.postgres: neither dsn nor dsn_file is set")
}

// HeadscaleAPIKey is headscale.external.api_key, or the trimmed content of
// headscale.external.api_key_file. It is "" with no error when neither is
// set (a unix socket needs no key).
func (c Config) HeadscaleAPIKey() (string, error) {
	e := c.Headscale.External
	if e.APIKey == "" && e.APIKeyFile != "" {
		return readSecretFile("headscale.external.api_key_file", e.APIKeyFile)
	}
	return e.APIKey, nil
}

// readSecretFile reads a file holding one secret. Errors name the key and
// the file, never its content.
func readSecretFile(key, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", key, err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%s: file %s is empty", key, path)
	}
	return s, nil
}
