package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Validate reports every problem in c, joined with errors.Join, one per
// line as "<key>: <what is wrong> (got <value>)". Secret values are shown
// as "(set)". The external Headscale section is checked only in external
// mode and the managed one only in managed mode.
func (c Config) Validate() error {
	var p problems
	p.check(c.DataDir != "", "data_dir", c.DataDir, "must not be empty")

	h := c.HTTP
	p.hostPort("http.listen", h.Listen)
	if h.PublicURL != "" {
		p.httpURL("http.public_url", h.PublicURL)
	}
	p.check(h.TLSCert != "" || h.TLSKey == "", "http.tls_cert", h.TLSCert, "required when http.tls_key is set")
	p.check(h.TLSKey != "" || h.TLSCert == "", "http.tls_key", h.TLSKey, "required when http.tls_cert is set")
	for i, s := range h.TrustedProxies {
		_, err := netip.ParsePrefix(s)
		p.check(err == nil, fmt.Sprintf("http.trusted_proxies[%d]", i), s, "must be a CIDR such as 10.0.0.0/8 or 127.0.0.1/32")
	}
	p.check(h.MaxBodyBytes > 0, "http.max_body_bytes", h.MaxBodyBytes, "must be greater than 0")

	p.oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	p.oneOf("log.format", c.Log.Format, "text", "json")

	p.oneOf("store.driver", c.Store.Driver, "sqlite", "postgres")
	if pg := c.Store.Postgres; c.Store.Driver == "postgres" {
		p.check(pg.DSN != "" || pg.DSNFile != "", "store.postgres.dsn", pg.DSN, "dsn or dsn_file is required when store.driver is postgres")
		p.check(pg.DSN == "" || pg.DSNFile == "", "store.postgres.dsn_file", pg.DSNFile, "set only one of dsn and dsn_file")
	}

	a := c.Auth
	p.check(a.SessionTTL >= time.Minute, "auth.session_ttl", a.SessionTTL, "must be at least 1m")
	p.oneOf("auth.secure_cookies", a.SecureCookies, "auto", "always", "never")
	p.check(a.LoginRate >= 1, "auth.login_rate", a.LoginRate, "must be at least 1")
	p.check(a.KeyMintRate >= 1, "auth.key_mint_rate", a.KeyMintRate, "must be at least 1")

	hs := c.Headscale
	p.oneOf("headscale.mode", hs.Mode, "managed", "external")
	p.check(hs.Timeout > 0, "headscale.timeout", hs.Timeout, "must be greater than 0")
	if msg := userNameProblem(hs.DefaultUser); msg != "" {
		p.add("headscale.default_user", hs.DefaultUser, msg)
	}
	p.check(hs.DefaultKeyExpiry >= time.Minute && hs.DefaultKeyExpiry <= 90*24*time.Hour,
		"headscale.default_key_expiry", hs.DefaultKeyExpiry, "must be between 1m and 2160h (90 days)")
	p.check(hs.RefreshInterval >= 100*time.Millisecond && hs.RefreshInterval <= time.Minute,
		"headscale.refresh_interval", hs.RefreshInterval, "must be between 100ms and 1m")
	inv := c.Inventory
	p.check(inv.SyncInterval >= time.Second && inv.SyncInterval <= 24*time.Hour,
		"inventory.sync_interval", inv.SyncInterval, "must be between 1s and 24h")
	p.check(inv.Parallel >= 1 && inv.Parallel <= 64, "inventory.parallel", inv.Parallel, "must be between 1 and 64")
	p.check(inv.CallTimeout >= time.Second && inv.CallTimeout <= time.Hour,
		"inventory.call_timeout", inv.CallTimeout, "must be between 1s and 1h")
	p.check(inv.GoneGrace >= time.Minute && inv.GoneGrace <= 30*24*time.Hour,
		"inventory.gone_grace", inv.GoneGrace, "must be between 1m and 720h")
	switch hs.Mode {
	case "managed":
		p.managed(hs.Managed)
	case "external":
		p.external(hs.External)
	}
	return errors.Join(p...)
}

func (p *problems) managed(m ManagedHeadscale) {
	const k = "headscale.managed."
	p.check(m.Binary != "", k+"binary", m.Binary, "must not be empty")
	p.httpURL(k+"server_url", m.ServerURL)
	p.hostPort(k+"listen_addr", m.ListenAddr)
	p.hostPort(k+"metrics_addr", m.MetricsAddr)
	p.hostPort(k+"stun_addr", m.STUNAddr)

	p.check(m.PrefixV4 != "" || m.PrefixV6 != "", k+"prefix_v4", m.PrefixV4, "prefix_v4 or prefix_v6 is required")
	p.prefix(k+"prefix_v4", m.PrefixV4, netip.Addr.Is4, "an IPv4 CIDR such as 100.64.0.0/10")
	p.prefix(k+"prefix_v6", m.PrefixV6, is6, "an IPv6 CIDR such as fd7a:115c:a1e0::/48")

	// Headscale refuses a base_domain that is server_url's host or one of its
	// parent domains: MagicDNS would capture the control server's name.
	base := strings.ToLower(m.BaseDomain)
	host := ""
	if u, err := url.Parse(m.ServerURL); err == nil {
		host = strings.ToLower(u.Hostname())
	}
	switch {
	case base == "":
		p.check(!m.MagicDNS, k+"base_domain", m.BaseDomain, "required when magic_dns is true")
	case !dnsName(base, ""):
		p.add(k+"base_domain", m.BaseDomain, "must be a DNS name such as tailnet.internal")
	case host == base || strings.HasSuffix(host, "."+base):
		p.add(k+"base_domain", m.BaseDomain, "must not be the host of "+k+"server_url ("+host+") or a parent domain of it; Headscale refuses that")
	}
	for i, s := range m.Nameservers {
		_, err := netip.ParseAddr(s)
		p.check(err == nil, fmt.Sprintf(k+"nameservers[%d]", i), s, "must be an IP address such as 1.1.1.1")
	}
	p.oneOf(k+"log_level", m.LogLevel, "trace", "debug", "info", "warn", "error")
}

func (p *problems) external(e ExternalHeadscale) {
	const k = "headscale.external."
	tcp, host := false, ""
	switch addr := e.Address; {
	case addr == "":
		p.add(k+"address", addr, "required when headscale.mode is external")
	case strings.HasPrefix(addr, "unix:"):
		ok := strings.HasPrefix(addr, "unix:///") && len(addr) > len("unix:///")
		p.check(ok, k+"address", addr, "must be unix:///absolute/path or host:port")
	default:
		tcp = true
		if p.hostPort(k+"address", addr) {
			host, _, _ = net.SplitHostPort(addr)
			p.check(host != "", k+"address", addr, "host must not be empty")
		}
	}

	p.check(!tcp || e.APIKey != "" || e.APIKeyFile != "", k+"api_key", e.APIKey, "api_key or api_key_file is required for a TCP address")
	p.check(e.APIKey == "" || e.APIKeyFile == "", k+"api_key_file", e.APIKeyFile, "set only one of api_key and api_key_file")

	if e.TLS.Insecure && tcp && host != "" && !isLoopback(host) {
		p.add(k+"tls.insecure", e.Address, "allowed only when address is a loopback IP or localhost")
	}
	if e.TLS.CAFile != "" {
		p.check(!e.TLS.Insecure, k+"tls.ca_file", e.TLS.CAFile, "cannot be used with tls.insecure")
		if _, err := os.Stat(e.TLS.CAFile); errors.Is(err, fs.ErrNotExist) {
			p.add(k+"tls.ca_file", e.TLS.CAFile, "file does not exist")
		} else if err != nil {
			p.add(k+"tls.ca_file", e.TLS.CAFile, err.Error())
		}
	}

	if e.ServerURL == "" {
		p.add(k+"server_url", e.ServerURL, "required when headscale.mode is external")
	} else {
		p.httpURL(k+"server_url", e.ServerURL)
	}
}

// problems collects validation errors.
type problems []error

func (p *problems) add(key string, value any, msg string) {
	*p = append(*p, fmt.Errorf("%s: %s %s", key, msg, got(key, value)))
}

func (p *problems) check(ok bool, key string, value any, msg string) {
	if !ok {
		p.add(key, value, msg)
	}
}

func (p *problems) oneOf(key, value string, allowed ...string) {
	p.check(slices.Contains(allowed, value), key, value, "must be one of "+strings.Join(allowed, ", "))
}

// hostPort checks a host:port with a numeric port 1-65535 and a host that
// is an IP, a host name or, to listen on all interfaces, empty. It reports
// whether s is valid.
func (p *problems) hostPort(key, s string) bool {
	host, port, err := net.SplitHostPort(s)
	n, perr := strconv.Atoi(port)
	switch {
	case err != nil:
		p.add(key, s, "must be host:port such as 127.0.0.1:8080")
	case perr != nil || n < 1 || n > 65535:
		p.add(key, s, "port must be a number from 1 to 65535")
	case host != "" && !validHost(host):
		p.add(key, s, "host must be an IP address or a host name")
	default:
		return true
	}
	return false
}

func (p *problems) httpURL(key, s string) {
	u, err := url.Parse(s)
	ok := err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != ""
	p.check(ok, key, s, "must be an absolute http:// or https:// URL")
}

func (p *problems) prefix(key, s string, family func(netip.Addr) bool, want string) {
	if s == "" {
		return
	}
	pfx, err := netip.ParsePrefix(s)
	p.check(err == nil && family(pfx.Addr()), key, s, "must be "+want)
}

func is6(a netip.Addr) bool { return a.Is6() && !a.Is4In6() }

func isLoopback(host string) bool {
	ip, err := netip.ParseAddr(host)
	return strings.EqualFold(host, "localhost") || err == nil && ip.IsLoopback()
}

func validHost(host string) bool {
	_, err := netip.ParseAddr(host)
	return err == nil || dnsName(host, "_")
}

// dnsName reports whether s is a DNS name: dot-separated labels of 1-63
// letters, digits, '-' (not at either end) and the runes in extra.
func dnsName(s, extra string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '-' || strings.ContainsRune(extra, r)) {
				return false
			}
		}
	}
	return true
}

// userNameProblem applies Headscale's user name rules (2 or more characters,
// starting with a letter; letters, digits, '.', '-', '_' and at most one
// '@') and a 63-character limit. It returns "" for a valid name.
func userNameProblem(s string) string {
	first, _ := utf8.DecodeRuneInString(s)
	switch {
	case len(s) < 2 || len(s) > 63:
		return "must be 2 to 63 characters"
	case !unicode.IsLetter(first):
		return "must start with a letter"
	case strings.Count(s, "@") > 1:
		return "may contain at most one @"
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(".-_@", r) {
			return "may contain only letters, digits and . - _ @ (no spaces)"
		}
	}
	return ""
}
