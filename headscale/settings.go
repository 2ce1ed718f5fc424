package headscale

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Settings are the parts of a managed Headscale's configuration that admins
// change from the console: its public URL, address ranges and DNS.
type Settings struct {
	ServerURL    string              `json:"serverUrl"`
	PrefixV4     string              `json:"prefixV4"`
	PrefixV6     string              `json:"prefixV6"`
	MagicDNS     bool                `json:"magicDns"`
	BaseDomain   string              `json:"baseDomain"`
	Nameservers  []string            `json:"nameservers"`
	SplitDNS     map[string][]string `json:"splitDns"`
	ExtraRecords []DNSRecord         `json:"extraRecords"`
}

// DNSRecord is an extra record Headscale serves to the tailnet through MagicDNS.
type DNSRecord struct {
	Name  string `json:"name"`
	Type  string `json:"type"` // A or AAAA
	Value string `json:"value"`
}

// FieldError is one invalid setting.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

var dnsNameRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// Validate returns every problem with s, each naming its field.
func (s Settings) Validate() []FieldError {
	var errs []FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	u, err := url.Parse(s.ServerURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" && u.Path != "/" {
		add("serverUrl", "must be an http(s) URL with no path, like https://hs.example.com")
	}
	if s.PrefixV4 == "" && s.PrefixV6 == "" {
		add("prefixV4", "give an IPv4 or an IPv6 prefix (or both)")
	}
	for field, raw := range map[string]string{"prefixV4": s.PrefixV4, "prefixV6": s.PrefixV6} {
		if raw == "" {
			continue
		}
		p, err := netip.ParsePrefix(raw)
		switch {
		case err != nil:
			add(field, "%q is not a CIDR prefix", raw)
		case field == "prefixV4" && !p.Addr().Is4():
			add(field, "must be an IPv4 prefix such as 100.64.0.0/10")
		case field == "prefixV6" && !p.Addr().Is6():
			add(field, "must be an IPv6 prefix such as fd7a:115c:a1e0::/48")
		case p != p.Masked():
			add(field, "has host bits set; did you mean %s?", p.Masked())
		}
	}
	base := strings.ToLower(s.BaseDomain)
	switch {
	case base == "" && s.MagicDNS:
		add("baseDomain", "is required when MagicDNS is on")
	case base != "" && !dnsNameRE.MatchString(base):
		add("baseDomain", "%q is not a DNS name", s.BaseDomain)
	case base != "" && u != nil && (strings.EqualFold(u.Hostname(), base) || strings.HasSuffix(strings.ToLower(u.Hostname()), "."+base)):
		add("baseDomain", "must not be the server URL's domain or a parent of it (Headscale refuses that)")
	}
	for i, ns := range s.Nameservers {
		if _, err := netip.ParseAddr(ns); err != nil {
			add(fmt.Sprintf("nameservers[%d]", i), "%q is not an IP address", ns)
		}
	}
	domains := make([]string, 0, len(s.SplitDNS))
	for d := range s.SplitDNS {
		domains = append(domains, d)
	}
	slices.Sort(domains)
	for _, d := range domains {
		if !dnsNameRE.MatchString(d) {
			add("splitDns."+d, "%q is not a DNS name", d)
		}
		if len(s.SplitDNS[d]) == 0 {
			add("splitDns."+d, "needs at least one nameserver")
		}
		for _, ns := range s.SplitDNS[d] {
			if _, err := netip.ParseAddr(ns); err != nil {
				add("splitDns."+d, "%q is not an IP address", ns)
			}
		}
	}
	for i, r := range s.ExtraRecords {
		field := fmt.Sprintf("extraRecords[%d]", i)
		if !dnsNameRE.MatchString(strings.ToLower(r.Name)) {
			add(field+".name", "%q is not a DNS name", r.Name)
		}
		ip, err := netip.ParseAddr(r.Value)
		switch {
		case r.Type != "A" && r.Type != "AAAA":
			add(field+".type", "must be A or AAAA")
		case err != nil:
			add(field+".value", "%q is not an IP address", r.Value)
		case r.Type == "A" && !ip.Is4():
			add(field+".value", "an A record needs an IPv4 address")
		case r.Type == "AAAA" && !ip.Is6():
			add(field+".value", "an AAAA record needs an IPv6 address")
		}
	}
	if len(s.Nameservers) > 16 || len(s.SplitDNS) > 64 || len(s.ExtraRecords) > 1024 {
		add("nameservers", "too many entries (at most 16 nameservers, 64 split-DNS domains, 1024 records)")
	}
	return errs
}

// Settings returns the settings part of m.
func (m ManagedConfig) Settings() Settings {
	return Settings{
		ServerURL: m.ServerURL, PrefixV4: m.PrefixV4, PrefixV6: m.PrefixV6, MagicDNS: m.MagicDNS,
		BaseDomain: m.BaseDomain, Nameservers: nonNil(m.Nameservers), SplitDNS: nonNilMap(m.SplitDNS),
		ExtraRecords: nonNilRecords(m.ExtraRecords),
	}
}

// WithSettings returns m with s applied.
func (m ManagedConfig) WithSettings(s Settings) ManagedConfig {
	m.ServerURL, m.PrefixV4, m.PrefixV6, m.MagicDNS = s.ServerURL, s.PrefixV4, s.PrefixV6, s.MagicDNS
	m.BaseDomain, m.Nameservers, m.SplitDNS, m.ExtraRecords = s.BaseDomain, s.Nameservers, s.SplitDNS, s.ExtraRecords
	return m
}

func nonNilMap(m map[string][]string) map[string][]string {
	if m == nil {
		return map[string][]string{}
	}
	return m
}

func nonNilRecords(r []DNSRecord) []DNSRecord {
	if r == nil {
		return []DNSRecord{}
	}
	return r
}
