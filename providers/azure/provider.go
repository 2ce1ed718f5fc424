package azure

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/neogenesys/console/providers"
)

// maxWorkers bounds how many subscriptions are listed at once.
const maxWorkers = 8

// API versions of the Microsoft.Resources calls Check makes itself.
const subscriptionsAPIVersion = "2022-12-01"

// Provider is one Azure account.
type Provider struct {
	accountID string
	subs      []string // as configured
	tenant    string
	portal    string
	poll      time.Duration

	tp    *transport
	raw   *arm.Client                                      // for the Microsoft.Resources calls armcompute lacks
	vms   map[string]*armcompute.VirtualMachinesClient     // lower-case subscription
	sizeC map[string]*armcompute.VirtualMachineSizesClient // lower-case subscription
	sizes *sizeCache
}

// New returns the Provider for account accountID.
func (c *Config) New(accountID string) (providers.Provider, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	secret := ""
	if c.authMode() == AuthClientSecret {
		s, err := providers.ResolveSecret("azure.clientSecret", c.ClientSecret)
		if err != nil {
			return nil, err
		}
		secret = s
	}
	tp, err := newTransport(c.CACert)
	if err != nil {
		return nil, fmt.Errorf("caCert: %w", err)
	}
	cs := c.cloudConfig()
	opts := azcore.ClientOptions{Cloud: cs.conf, Transport: tp, Retry: retryOptions()}
	cred, err := c.credential(secret, opts, cs)
	if err != nil {
		return nil, err
	}
	return newProvider(accountID, c, cred, &arm.ClientOptions{
		ClientOptions: opts,
		// Registering Microsoft.Compute needs write access the adapter
		// should not have; a subscription without it has no VMs anyway.
		DisableRPRegistration: true,
	}, cs.portal, tp)
}

// newProvider makes the SDK clients. Tests pass armcompute/fake transports
// in opts and a zero transport for tp.
func newProvider(accountID string, c *Config, cred azcore.TokenCredential, opts *arm.ClientOptions, portal string, tp *transport) (*Provider, error) {
	raw, err := arm.NewClient("neoconsole.providers.azure", "v1.0.0", cred, opts)
	if err != nil {
		return nil, fmt.Errorf("azure: %w", err)
	}
	poll := c.PollInterval
	if poll <= 0 {
		poll = time.Second
	}
	p := &Provider{
		accountID: accountID,
		subs:      slices.Clone(c.Subscriptions),
		tenant:    c.TenantID,
		portal:    portal,
		poll:      poll,
		tp:        tp,
		raw:       raw,
		vms:       map[string]*armcompute.VirtualMachinesClient{},
		sizeC:     map[string]*armcompute.VirtualMachineSizesClient{},
		sizes:     &sizeCache{m: map[string]*sizeEntry{}},
	}
	for _, sub := range c.Subscriptions {
		f, err := armcompute.NewClientFactory(sub, cred, opts)
		if err != nil {
			return nil, fmt.Errorf("azure subscription %s: %w", sub, err)
		}
		p.vms[strings.ToLower(sub)] = f.NewVirtualMachinesClient()
		p.sizeC[strings.ToLower(sub)] = f.NewVirtualMachineSizesClient()
	}
	return p, nil
}

// Close drops the idle connections.
func (p *Provider) Close() error {
	if p.tp.rt != nil {
		p.tp.close()
	}
	return nil
}

// getJSON GETs an ARM path (with api-version) into out through the
// account's pipeline: same credential, retries and TLS as armcompute.
func (p *Provider) getJSON(ctx context.Context, path, apiVersion string, out any) error {
	req, err := runtime.NewRequest(ctx, http.MethodGet, runtime.JoinPaths(p.raw.Endpoint(), path))
	if err != nil {
		return err
	}
	q := req.Raw().URL.Query()
	q.Set("api-version", apiVersion)
	req.Raw().URL.RawQuery = q.Encode()
	req.Raw().Header.Set("Accept", "application/json")
	resp, err := p.raw.Pipeline().Do(req)
	if err != nil {
		return err
	}
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		return runtime.NewResponseError(resp)
	}
	return runtime.UnmarshalAsJSON(resp, out)
}

// Check reads each subscription (Subscriptions - Get) and its locations
// (Subscriptions - List Locations). Identity is the subscription ids;
// regions are the physical locations they offer.
func (p *Provider) Check(ctx context.Context) (providers.AccountInfo, error) {
	start := time.Now()
	type result struct {
		regions []string
		err     error
	}
	results := make([]result, len(p.subs))
	sem := make(chan struct{}, maxWorkers)
	var wg sync.WaitGroup
	for i, sub := range p.subs {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				results[i].err = p.classify(ctx, "subscription "+sub, ctx.Err(), start)
				return
			}
			regions, err := p.checkSubscription(ctx, sub)
			results[i] = result{regions, p.classify(ctx, "subscription "+sub, err, start)}
		})
	}
	wg.Wait()
	var errs []error
	seen := map[string]bool{}
	for _, r := range results {
		if r.err != nil {
			errs = append(errs, r.err)
		}
		for _, name := range r.regions {
			seen[name] = true
		}
	}
	if len(errs) > 0 {
		return providers.AccountInfo{}, errors.Join(errs...)
	}
	regions := make([]string, 0, len(seen))
	for name := range seen {
		regions = append(regions, name)
	}
	slices.Sort(regions)
	return providers.AccountInfo{Identity: strings.Join(p.subs, ", "), Regions: regions}, nil
}

func (p *Provider) checkSubscription(ctx context.Context, sub string) ([]string, error) {
	var s struct {
		State       string `json:"state"`
		DisplayName string `json:"displayName"`
	}
	if err := p.getJSON(ctx, "/subscriptions/"+sub, subscriptionsAPIVersion, &s); err != nil {
		return nil, err
	}
	// A disabled subscription is read-only: VMs can neither start nor stop.
	if strings.EqualFold(s.State, "Disabled") || strings.EqualFold(s.State, "Deleted") {
		return nil, fmt.Errorf("subscription %q is %s", s.DisplayName, s.State)
	}
	var locs struct {
		Value []struct {
			Name     string `json:"name"`
			Metadata struct {
				RegionType string `json:"regionType"`
			} `json:"metadata"`
		} `json:"value"`
	}
	if err := p.getJSON(ctx, "/subscriptions/"+sub+"/locations", subscriptionsAPIVersion, &locs); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(locs.Value))
	for _, l := range locs.Value {
		// Logical locations ("europe") are geographies, not regions.
		if l.Name != "" && !strings.EqualFold(l.Metadata.RegionType, "Logical") {
			out = append(out, l.Name)
		}
	}
	return out, nil
}
