package gcp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	compute "cloud.google.com/go/compute/apiv1"
	"cloud.google.com/go/compute/apiv1/computepb"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/neogenesys/console/providers"
)

// pageSize is the maxResults asked for: Compute Engine's largest.
const pageSize = 500

// maxWorkers bounds how many projects are listed at once.
const maxWorkers = 8

// Provider is one GCP account over its projects.
type Provider struct {
	accountID string
	projects  []string

	base      *http.Transport // owned: Close drops its idle connections
	binder    *ctxBinder
	instances *compute.InstancesClient
	zones     *compute.ZonesClient
	types     *typeCache
}

var _ providers.Provider = (*Provider)(nil)

func newProvider(accountID string, projects []string, keyJSON []byte, endpoint string) (*Provider, error) {
	base := &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true}
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		base = dt.Clone() // its dial and TLS timeouts
	}
	// One connection per project lister, plus power and type lookups.
	base.MaxIdleConnsPerHost = maxWorkers + 4
	authed, err := authTransport(base, keyJSON)
	if err != nil {
		return nil, err
	}
	binder := newCtxBinder(authed)
	opts := []option.ClientOption{option.WithHTTPClient(&http.Client{Transport: binder})}
	if endpoint != "" {
		opts = append(opts, option.WithEndpoint(endpoint))
	}
	// With WithHTTPClient the constructors only record the client: no
	// request, no credential lookup, so the context does not matter.
	ctx := context.Background()
	p := &Provider{accountID: accountID, projects: slices.Clone(projects), base: base, binder: binder}
	if p.instances, err = compute.NewInstancesRESTClient(ctx, opts...); err != nil {
		return nil, fmt.Errorf("gcp: instances client: %w", err)
	}
	if p.zones, err = compute.NewZonesRESTClient(ctx, opts...); err != nil {
		return nil, fmt.Errorf("gcp: zones client: %w", err)
	}
	mt, err := compute.NewMachineTypesRESTClient(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("gcp: machine types client: %w", err)
	}
	p.types = newTypeCache(mt)
	return p, nil
}

// Close drops idle connections. The provider must not be used afterwards.
func (p *Provider) Close() error {
	err := errors.Join(p.instances.Close(), p.zones.Close(), p.types.client.Close())
	p.base.CloseIdleConnections()
	return err
}

// Check lists every project's zones: it proves the credentials work, each
// project exists and the Compute API is on in it. Identity is the project
// list; regions are those of the zones.
func (p *Provider) Check(ctx context.Context) (providers.AccountInfo, error) {
	var (
		mu      sync.Mutex
		regions = map[string]bool{}
	)
	err := forEachProject(ctx, p.projects, func(ctx context.Context, project string) error {
		got, err := p.projectRegions(ctx, project)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, r := range got {
			regions[r] = true
		}
		return nil
	})
	if err != nil {
		return providers.AccountInfo{}, err
	}
	info := providers.AccountInfo{Identity: strings.Join(p.projects, ","), Regions: make([]string, 0, len(regions))}
	for r := range regions {
		info.Regions = append(info.Regions, r)
	}
	slices.Sort(info.Regions)
	return info, nil
}

// projectRegions pages through a project's zones and returns their regions.
func (p *Provider) projectRegions(ctx context.Context, project string) ([]string, error) {
	ctx, release := p.binder.bind(ctx)
	defer release()
	it := p.zones.List(ctx, &computepb.ListZonesRequest{Project: project, MaxResults: ptr(uint32(pageSize))}, retry(true))
	var out []string
	for range maxPages {
		z, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return out, nil
		}
		if err != nil {
			return nil, mapErr(scope{where: project}, err)
		}
		r := lastSegment(z.GetRegion())
		if r == "" {
			r = regionOf(z.GetName())
		}
		out = append(out, r)
	}
	return nil, fmt.Errorf("gcp %s: more than %d zones", project, maxPages)
}

// maxPages bounds every paging loop (in pages of instances, in zones for
// the zone list): far more than any project has, so a server that keeps
// repeating a page token cannot keep a call going for ever.
const maxPages = 10_000

func ptr[T any](v T) *T { return &v }

// forEachProject runs fn for every project, at most maxWorkers at once, and
// returns the first error (the others' contexts are cancelled then).
func forEachProject(ctx context.Context, projects []string, fn func(context.Context, string) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, maxWorkers)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for _, proj := range projects {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(ctx, proj); err != nil {
				once.Do(func() { first = err; cancel(err) })
			}
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return context.Cause(ctx)
}
