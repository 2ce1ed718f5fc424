// Package config holds the console's configuration: a YAML file, overridden
// key by key by NEOCONSOLE_* environment variables, with defaults that let
// `neoconsole serve` start with no file at all.
//
// Load applies Default, the file and the environment in that order, then
// Validate. Both the file decoder and the environment overrides walk the
// Config struct by its yaml tags, so a new field is a new key and a new
// variable at once; config.example.yaml documents every key, and its tests
// fail when a key is missing from it or its values drift from Default.
package config

import "time"

// Config is the whole configuration. The yaml tag of each field is its key;
// the environment variable of a key is NEOCONSOLE_ followed by the path of
// tags in upper case joined by "_" (store.postgres.dsn → NEOCONSOLE_STORE_POSTGRES_DSN).
type Config struct {
	// DataDir holds the SQLite database, the managed Headscale's files and key files.
	DataDir string `yaml:"data_dir"`
	HTTP    HTTP   `yaml:"http"`
	Log     Log    `yaml:"log"`
	Store   Store  `yaml:"store"`
	Auth    Auth   `yaml:"auth"`
	// Headscale is how the console reaches Headscale.
	Headscale Headscale `yaml:"headscale"`
	// Inventory is how the cloud accounts' VMs are synced.
	Inventory Inventory `yaml:"inventory"`
}

// Inventory tunes the sync engine.
type Inventory struct {
	// SyncInterval is the time between two syncs of one cloud account. Default 60s.
	SyncInterval time.Duration `yaml:"sync_interval"`
	// Parallel is how many accounts sync at once. Default 4.
	Parallel int `yaml:"parallel"`
	// CallTimeout bounds one listing or power action. Default 5m.
	CallTimeout time.Duration `yaml:"call_timeout"`
	// GoneGrace is how long a VM that vanished is kept (marked gone). Default 1h.
	GoneGrace time.Duration `yaml:"gone_grace"`
}

// HTTP is the console's own listener.
type HTTP struct {
	Listen string `yaml:"listen"` // host:port, default 127.0.0.1:8080
	// PublicURL is the address people use to reach the console; used in links.
	// Empty: derived from Listen.
	PublicURL string `yaml:"public_url"`
	TLSCert   string `yaml:"tls_cert"` // PEM file; with tls_key, serve HTTPS
	TLSKey    string `yaml:"tls_key"`
	// TrustedProxies are CIDRs whose X-Forwarded-For is believed for the client IP.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// MaxBodyBytes limits request bodies. Default 1 MiB.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
}

// Log configures log/slog.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// Store selects the database.
type Store struct {
	Driver   string        `yaml:"driver"` // sqlite (default) or postgres
	SQLite   SQLiteStore   `yaml:"sqlite"`
	Postgres PostgresStore `yaml:"postgres"`
}

// SQLiteStore is the embedded database.
type SQLiteStore struct {
	Path string `yaml:"path"` // default DATA_DIR/neoconsole.db
}

// PostgresStore is a PostgreSQL server shared by all replicas.
type PostgresStore struct {
	DSN     string `yaml:"dsn"`      // postgres://user:pass@host:5432/db?sslmode=…
	DSNFile string `yaml:"dsn_file"` // or a file holding the DSN
}

// Auth configures sign-in, sessions and rate limits.
type Auth struct {
	SessionTTL time.Duration `yaml:"session_ttl"` // idle lifetime of a browser session, default 12h
	// SecureCookies marks cookies Secure: "auto" (when serving TLS or public_url is https), "always", "never".
	SecureCookies string `yaml:"secure_cookies"`
	// LoginRate is the sustained number of login attempts per minute per client IP (burst the same). Default 10.
	LoginRate int `yaml:"login_rate"`
	// KeyMintRate is the sustained number of pre-auth keys minted per minute per console user. Default 60.
	KeyMintRate int `yaml:"key_mint_rate"`
}

// Headscale is the Headscale the console fronts.
type Headscale struct {
	Mode string `yaml:"mode"` // managed (default) or external

	// Timeout bounds every gRPC call. Default 10s.
	Timeout time.Duration `yaml:"timeout"`
	// DefaultUser is the tailnet user that keys minted through /api/headscale/* belong to;
	// created in Headscale when missing. Default "default".
	DefaultUser string `yaml:"default_user"`
	// DefaultKeyExpiry is used when a key request names no expiration. Default 24h.
	DefaultKeyExpiry time.Duration `yaml:"default_key_expiry"`
	// RefreshInterval is how often the node view is refreshed from Headscale. Default 1s.
	RefreshInterval time.Duration `yaml:"refresh_interval"`

	Managed  ManagedHeadscale  `yaml:"managed"`
	External ExternalHeadscale `yaml:"external"`
}

// ManagedHeadscale is a headscale child process the console starts and supervises.
type ManagedHeadscale struct {
	Binary      string   `yaml:"binary"`       // path or name on PATH; default "headscale"
	ServerURL   string   `yaml:"server_url"`   // URL machines use as --login-server; default http://127.0.0.1:8081
	ListenAddr  string   `yaml:"listen_addr"`  // default 127.0.0.1:8081
	MetricsAddr string   `yaml:"metrics_addr"` // default 127.0.0.1:9091
	STUNAddr    string   `yaml:"stun_addr"`    // embedded DERP's STUN, default 127.0.0.1:3479
	PrefixV4    string   `yaml:"prefix_v4"`    // default 100.64.0.0/10
	PrefixV6    string   `yaml:"prefix_v6"`    // default fd7a:115c:a1e0::/48
	BaseDomain  string   `yaml:"base_domain"`  // MagicDNS base domain, default tailnet.internal
	MagicDNS    bool     `yaml:"magic_dns"`
	Nameservers []string `yaml:"nameservers"`
	LogLevel    string   `yaml:"log_level"` // headscale's own log level, default info
}

// ExternalHeadscale is an existing Headscale reached over gRPC.
type ExternalHeadscale struct {
	// Address is host:port for TCP, or unix:///path/to/headscale.sock.
	Address    string `yaml:"address"`
	APIKey     string `yaml:"api_key"`
	APIKeyFile string `yaml:"api_key_file"`
	// ServerURL is what machines pass as --login-server (Headscale's server_url).
	ServerURL string `yaml:"server_url"`
	TLS       TLS    `yaml:"tls"`
}

// TLS configures the gRPC connection to an external Headscale.
type TLS struct {
	// Insecure uses plain TCP; allowed only to loopback addresses.
	Insecure   bool   `yaml:"insecure"`
	CAFile     string `yaml:"ca_file"`
	ServerName string `yaml:"server_name"`
}
