package proxmox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	pve "github.com/luthermonson/go-proxmox"

	"github.com/neogenesys/console/providers"
)

const (
	userAgent = "neoconsole-proxmox"
	// addressTimeout bounds one guest address look-up: a hung agent must
	// not hold up the list.
	addressTimeout = 3 * time.Second
	// ticketRenewal is when a login ticket is replaced. PVE accepts a ticket
	// for two hours; renewing well before keeps requests from failing.
	ticketRenewal = time.Hour
)

// Provider is one Proxmox VE cluster.
type Provider struct {
	accountID string
	api       string // https://host:port/api2/json
	web       string // https://host:port
	transport *http.Transport
	http      *http.Client
	workers   int
	addresses bool

	// Ticket login (username set) or API token (client fixed at New).
	username, password string

	loginMu  sync.Mutex // one login at a time; guards client and loggedIn
	client   *pve.Client
	loggedIn time.Time

	nodesMu sync.Mutex
	nodeOf  map[string]string // guest id ("qemu/100") → node, from the last listing
}

var _ providers.Provider = (*Provider)(nil)

// New returns the Provider for account accountID.
func (c *Config) New(accountID string) (providers.Provider, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	api, _ := apiURL(c.Endpoint) // checked by Validate
	tc, err := tlsConfig(c)
	if err != nil {
		return nil, err
	}
	workers := c.AddressWorkers
	if workers == 0 {
		workers = defaultAddressWorkers
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	// Keep a connection per address worker alive: a TLS handshake per
	// request would cost more than the request.
	tr.MaxIdleConnsPerHost = workers + 2
	p := &Provider{
		accountID: accountID,
		api:       api,
		web:       webBase(api),
		transport: tr,
		http:      &http.Client{Transport: &apiTransport{base: tr, retry: defaultRetry}},
		workers:   workers,
		addresses: !c.SkipAddresses,
		nodeOf:    map[string]string{},
	}
	if c.TokenID != "" {
		secret, err := providers.ResolveSecret("proxmox.tokenSecret", c.TokenSecret)
		if err != nil {
			return nil, err
		}
		p.client = p.newClient(pve.WithAPIToken(c.TokenID, secret))
	} else {
		password, err := providers.ResolveSecret("proxmox.password", c.Password)
		if err != nil {
			return nil, err
		}
		p.username, p.password = c.Username, password
	}
	return p, nil
}

func (p *Provider) newClient(opts ...pve.Option) *pve.Client {
	opts = append([]pve.Option{
		pve.WithHTTPClient(p.http),
		pve.WithUserAgent(userAgent),
		pve.WithLogger(quietLogger{}),
	}, opts...)
	return pve.NewClient(p.api, opts...)
}

// Close drops the idle connections.
func (p *Provider) Close() error {
	p.transport.CloseIdleConnections()
	return nil
}

// session returns the client to use. With a login it logs in first when
// there is no ticket or it is due for renewal. The ticket login is done
// here, not by go-proxmox's own credentials handling, because that one
// rewrites the session in place while other requests read it and turns a
// second concurrent 401 into a failure; a fresh client per ticket has
// neither problem.
func (p *Provider) session(ctx context.Context) (*pve.Client, error) {
	p.loginMu.Lock()
	defer p.loginMu.Unlock()
	if p.username == "" || (p.client != nil && time.Since(p.loggedIn) < ticketRenewal) {
		return p.client, nil
	}
	c := p.newClient()
	if _, err := c.Ticket(ctx, &pve.Credentials{Username: p.username, Password: p.password}); err != nil {
		return nil, fmt.Errorf("login as %s: %w", p.username, err) // the caller classifies
	}
	p.client, p.loggedIn = c, time.Now()
	return c, nil
}

// dropSession forgets client c's ticket after the server refused it.
func (p *Provider) dropSession(c *pve.Client) {
	p.loginMu.Lock()
	defer p.loginMu.Unlock()
	if p.username != "" && p.client == c {
		p.client = nil
	}
}

// call runs one request; a refused ticket (expired, or the cluster
// restarted) is replaced once by a new login. Once ctx has ended, whatever
// went wrong is reported as that, so callers see context.Canceled rather
// than the half-read answer it caused.
func (p *Provider) call(ctx context.Context, do func(*pve.Client) error) error {
	c, err := p.session(ctx)
	if err == nil {
		err = do(c)
		var apiErr *APIError
		if p.username != "" && errors.As(err, &apiErr) && apiErr.Code == http.StatusUnauthorized {
			p.dropSession(c)
			if c, err = p.session(ctx); err == nil {
				err = do(c)
			}
		}
	}
	if err != nil && ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}

// get decodes the data of GET path (relative to /api2/json) into v.
func (p *Provider) get(ctx context.Context, path string, v any) error {
	return p.call(ctx, func(c *pve.Client) error { return c.Get(ctx, path, v) })
}

// post sends params (nil for none) and decodes the answer's data into v.
func (p *Provider) post(ctx context.Context, path string, params, v any) error {
	return p.call(ctx, func(c *pve.Client) error { return c.Post(ctx, path, params, v) })
}

// quietLogger keeps go-proxmox from writing to stderr: the console logs
// through slog, and errors come back as values anyway.
type quietLogger struct{}

func (quietLogger) Debugf(string, ...any) {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Warnf(string, ...any)  {}
