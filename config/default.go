package config

import "time"

// Default returns the configuration used when no file and no environment
// variable says otherwise. It is valid on its own: the console starts with
// SQLite under ./data and a managed Headscale on loopback.
func Default() Config {
	return Config{
		DataDir: "./data",
		HTTP: HTTP{
			Listen:       "127.0.0.1:8080",
			MaxBodyBytes: 1 << 20,
		},
		Log:   Log{Level: "info", Format: "text"},
		Store: Store{Driver: "sqlite"},
		Auth: Auth{
			SessionTTL:    12 * time.Hour,
			SecureCookies: "auto",
			LoginRate:     10,
			KeyMintRate:   60,
		},
		Headscale: Headscale{
			Mode:             "managed",
			Timeout:          10 * time.Second,
			DefaultUser:      "default",
			DefaultKeyExpiry: 24 * time.Hour,
			RefreshInterval:  time.Second,
			Managed: ManagedHeadscale{
				Binary:      "headscale",
				ServerURL:   "http://127.0.0.1:8081",
				ListenAddr:  "127.0.0.1:8081",
				MetricsAddr: "127.0.0.1:9091",
				STUNAddr:    "127.0.0.1:3479",
				PrefixV4:    "100.64.0.0/10",
				PrefixV6:    "fd7a:115c:a1e0::/48",
				BaseDomain:  "tailnet.internal",
				LogLevel:    "info",
			},
		},
		Inventory: Inventory{
			SyncInterval: time.Minute,
			Parallel:     4,
			CallTimeout:  5 * time.Minute,
			GoneGrace:    time.Hour,
		},
	}
}
