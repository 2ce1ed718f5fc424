package lxd

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// maxSocketPath is sun_path's size on Linux.
const maxSocketPath = 108

// endpoint is where the daemon listens: a unix socket or an HTTPS URL.
type endpoint struct {
	socket string // unix socket path, or
	url    string // https://host:port, no trailing slash
	host   string // the URL's host name (labels a cluster)
}

func (e endpoint) https() bool { return e.url != "" }

// String is the endpoint as errors name it.
func (e endpoint) String() string {
	if e.https() {
		return e.url
	}
	return "unix://" + e.socket
}

// parseEndpoint accepts unix:///path, unix:/path, a bare /path, and
// https://host[:port] (port 8443 when left out). LXD never serves plain
// HTTP, so http:// is refused.
func parseEndpoint(s string) (endpoint, error) {
	s = strings.TrimSpace(s)
	var path string
	switch {
	case s == "":
		return endpoint{}, errors.New("required")
	case strings.HasPrefix(s, "/"):
		path = s
	case strings.HasPrefix(s, "unix://"):
		path = strings.TrimPrefix(s, "unix://")
	case strings.HasPrefix(s, "unix:"):
		path = strings.TrimPrefix(s, "unix:")
	case strings.HasPrefix(s, "https://"):
		return parseHTTPS(s)
	case strings.HasPrefix(s, "http://"):
		return endpoint{}, fmt.Errorf("%q: LXD serves its API over https only", s)
	default:
		return endpoint{}, fmt.Errorf("%q: want unix:///path/to/unix.socket, a socket path, or https://host[:8443]", s)
	}
	if !strings.HasPrefix(path, "/") {
		return endpoint{}, fmt.Errorf("%q: the socket path must be absolute", s)
	}
	if len(path) > maxSocketPath {
		return endpoint{}, fmt.Errorf("%q: a unix socket path holds at most %d bytes", s, maxSocketPath)
	}
	return endpoint{socket: path}, nil
}

func parseHTTPS(s string) (endpoint, error) {
	u, err := url.Parse(s)
	if err != nil {
		return endpoint{}, fmt.Errorf("%q: %w", s, err)
	}
	if u.Hostname() == "" {
		return endpoint{}, fmt.Errorf("%q: no host", s)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return endpoint{}, fmt.Errorf("%q: want https://host[:port] with no path, query or user", s)
	}
	port := u.Port()
	if port == "" {
		port = "8443"
	}
	return endpoint{url: "https://" + net.JoinHostPort(u.Hostname(), port), host: u.Hostname()}, nil
}
