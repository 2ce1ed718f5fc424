package lxd

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	lxdclient "github.com/canonical/lxd/client"
	"github.com/canonical/lxd/shared/api"

	"github.com/neogenesys/console/providers"
)

// serverTTL is how long what GET /1.0 said is reused by List and Power.
// Check always asks again.
const serverTTL = 15 * time.Minute

// Provider is one LXD server or cluster.
type Provider struct {
	accountID     string
	ep            endpoint
	rt            *http.Transport
	projects      []string // nil: every project
	trustToken    string
	trustPassword string
	backoff       backoff

	mu        sync.Mutex // guards server
	server    *serverInfo
	onboardMu sync.Mutex
}

// serverInfo is what the adapter needs from GET /1.0.
type serverInfo struct {
	name        string // environment.server_name: the host, or this cluster member
	clustered   bool
	allProjects bool // the instance_all_projects extension: one call lists every project
	ui          bool // the daemon serves its web UI at /ui/ (LXD 5.21+ with the UI on)
	fetched     time.Time
}

// Close drops idle connections.
func (p *Provider) Close() error {
	p.rt.CloseIdleConnections()
	return nil
}

// serverInfo returns what GET /1.0 says, from the cache when fresh. When the
// server does not trust the certificate yet and a trust token or password
// is configured, it onboards first. The lock is held only around the
// cache and the onboarding, so a slow server never blocks a caller beyond
// its own context.
func (p *Provider) serverInfo(ctx context.Context, c lxdclient.InstanceServer, fresh bool) (*serverInfo, error) {
	p.mu.Lock()
	cached := p.server
	p.mu.Unlock()
	if !fresh && cached != nil && time.Since(cached.fetched) < serverTTL {
		return cached, nil
	}
	srv, err := p.getServer(ctx, c)
	if err != nil {
		return nil, err
	}
	if srv.Auth != "trusted" {
		// One onboarding at a time: a token is single-use.
		p.onboardMu.Lock()
		srv, err = p.onboard(ctx, c, srv)
		p.onboardMu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	info := &serverInfo{
		name:        srv.Environment.ServerName,
		clustered:   srv.Environment.ServerClustered,
		allProjects: slices.Contains(srv.APIExtensions, "instance_all_projects"),
		ui:          p.ep.https() && p.hasUI(ctx, c),
		fetched:     time.Now(),
	}
	p.mu.Lock()
	p.server = info
	p.mu.Unlock()
	return info, nil
}

func (p *Provider) getServer(ctx context.Context, c lxdclient.InstanceServer) (*api.Server, error) {
	srv, err := retry(ctx, p.backoff, func() (*api.Server, error) {
		s, _, err := c.GetServer()
		return s, err
	})
	if err != nil {
		return nil, p.wrap("GET /1.0", err)
	}
	return srv, nil
}

// hasUI reports whether GET /ui/ answers 200: LXD 5.0 has no web UI, later
// releases serve it when enabled, and only then is ConsoleURL set.
func (p *Provider) hasUI(ctx context.Context, c lxdclient.InstanceServer) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.ep.url+"/ui/", nil)
	if err != nil {
		return false
	}
	resp, err := c.DoHTTP(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Check implements providers.Provider: the server (or cluster), its
// members as regions, and the projects the account covers.
func (p *Provider) Check(ctx context.Context) (providers.AccountInfo, error) {
	c, err := p.connect(ctx)
	if err != nil {
		return providers.AccountInfo{}, err
	}
	info, err := p.serverInfo(ctx, c, true)
	if err != nil {
		return providers.AccountInfo{}, err
	}
	out := providers.AccountInfo{Identity: info.name, Regions: []string{info.name}}
	if info.clustered {
		members, err := retry(ctx, p.backoff, c.GetClusterMembers)
		if err != nil {
			return providers.AccountInfo{}, p.wrap("GET /1.0/cluster/members", err)
		}
		out.Regions = out.Regions[:0]
		for _, m := range members {
			out.Regions = append(out.Regions, m.ServerName)
		}
		slices.Sort(out.Regions)
		out.Identity = fmt.Sprintf("cluster of %d members", len(members))
	}
	names, err := retry(ctx, p.backoff, c.GetProjectNames)
	if err != nil {
		return providers.AccountInfo{}, p.wrap("GET /1.0/projects", err)
	}
	slices.Sort(names)
	projects := names
	if len(p.projects) > 0 {
		projects = p.projects
		for _, want := range p.projects {
			if !slices.Contains(names, want) {
				return providers.AccountInfo{}, fmt.Errorf("lxd %s: projects: %q does not exist or is not visible to this certificate (visible: %s)",
					p.ep, want, strings.Join(names, ", "))
			}
		}
	}
	out.Identity += " (projects: " + strings.Join(projects, ", ") + ")"
	return out, nil
}
