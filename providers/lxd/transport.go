package lxd

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	lxdclient "github.com/canonical/lxd/client"
	"github.com/canonical/lxd/shared"
)

// newTransport builds the one HTTP transport a Provider uses for every
// call. The LXD client builds a new transport per connection with
// keep-alives off and a unix dialer that ignores the context; ours keeps
// HTTPS connections (a TLS handshake per request would dominate small
// calls) and dials with the call's context, so a cancelled call aborts at
// once.
func newTransport(ep endpoint, cert, key, serverCert string) (*http.Transport, error) {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	if !ep.https() {
		// A local connect costs nothing; idle connections would only hold
		// goroutines and daemon sockets.
		t.DisableKeepAlives = true
		path := ep.socket
		t.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, "unix", path)
		}
		return t, nil
	}
	// LXD's own TLS settings: TLS 1.3, the client certificate always sent,
	// serverCert (when set) trusted as a root with its first DNS name as
	// the expected server name, else the system roots.
	cfg, err := shared.GetTLSConfigMem(cert, key, "", serverCert, false)
	if err != nil {
		return nil, fmt.Errorf("lxd tls: %w", err)
	}
	t.TLSClientConfig = cfg
	t.DialContext = dialer.DialContext
	t.Proxy = http.ProxyFromEnvironment
	return t, nil
}

// transporter hands our transport to the LXD client in place of the one it
// builds.
type transporter struct{ t *http.Transport }

func (w transporter) RoundTrip(r *http.Request) (*http.Response, error) { return w.t.RoundTrip(r) }
func (w transporter) Transport() *http.Transport                        { return w.t }

// connect returns an LXD client bound to ctx. The client keeps its context
// in the connection (and its WithContext changes the shared value), so each
// call gets its own cheap client over the shared transport: concurrent calls
// never see each other's contexts.
func (p *Provider) connect(ctx context.Context) (lxdclient.InstanceServer, error) {
	args := &lxdclient.ConnectionArgs{
		UserAgent:        "neoconsole",
		SkipGetServer:    true,
		TransportWrapper: func(*http.Transport) lxdclient.HTTPTransporter { return transporter{p.rt} },
	}
	var (
		c   lxdclient.InstanceServer
		err error
	)
	if p.ep.https() {
		c, err = lxdclient.ConnectLXDWithContext(ctx, p.ep.url, args)
	} else {
		c, err = lxdclient.ConnectLXDUnixWithContext(ctx, p.ep.socket, args)
	}
	if err != nil {
		return nil, p.wrap("connect", err)
	}
	return c, nil
}
