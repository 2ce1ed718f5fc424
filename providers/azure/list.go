package azure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/neogenesys/console/providers"
)

// maxPages bounds one listing (millions of VMs at ARM's page sizes), in
// case a server keeps handing out nextLinks.
const maxPages = 10000

// computeAPIVersion is the Microsoft.Compute API version of the list calls,
// the one armcompute v7.3.0 uses for everything else.
const computeAPIVersion = "2025-04-01"

// subResult is one subscription's listing.
type subResult struct {
	vms     []providers.VM
	skipped []string // one line per malformed record
	err     error
}

// List emits every VM of every subscription, subscriptions in parallel
// (at most maxWorkers at once). emit is called from this goroutine only.
// When a subscription fails, the others' VMs are still emitted and the
// failures are returned joined; malformed records make a PartialError.
func (p *Provider) List(ctx context.Context, emit func(providers.VM) error) error {
	start := time.Now()
	listCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	jobs := make(chan string, len(p.subs))
	for _, sub := range p.subs {
		jobs <- sub
	}
	close(jobs)
	// Buffered for every subscription, so workers never wait on emit.
	results := make(chan subResult, len(p.subs))
	var wg sync.WaitGroup
	for range min(maxWorkers, len(p.subs)) {
		wg.Go(func() {
			for sub := range jobs {
				results <- p.listSubscription(listCtx, sub, start)
			}
		})
	}

	var (
		partial providers.Partial
		errs    []error
		emitErr error
	)
	for range len(p.subs) {
		r := <-results
		if emitErr != nil {
			continue // draining after emit failed
		}
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		for _, vm := range r.vms {
			if err := emit(vm); err != nil {
				emitErr = err
				cancel()
				break
			}
		}
		for _, s := range r.skipped {
			partial.Skip("%s", s)
		}
	}
	wg.Wait()
	switch {
	case emitErr != nil:
		return emitErr
	case ctx.Err() != nil:
		return fmt.Errorf("azure list: %w", ctx.Err())
	case len(errs) > 0:
		return errors.Join(errs...)
	}
	return partial.Err()
}

// listSubscription pages through the subscription's two listings at once:
// the model view (size, disks, image, tags, zones, creation time) and
// statusOnly=true (the instance view's power state), because ARM answers a
// list with one or the other. Each location's size list is fetched as soon
// as the first VM there shows up.
func (p *Provider) listSubscription(listCtx context.Context, sub string, since time.Time) subResult {
	key := strings.ToLower(sub)
	ctx, cancel := context.WithCancel(listCtx)
	defer cancel()

	var (
		wg        sync.WaitGroup
		states    map[string]providers.State
		statusErr error
	)
	wg.Go(func() {
		states, statusErr = p.listStates(ctx, sub)
		if statusErr != nil {
			cancel() // the model listing is of no use alone
		}
	})
	fetch := func(ctx context.Context, loc string) (map[string]vmSize, error) {
		return fetchSizes(ctx, p.sizeC[key], loc)
	}
	models, skipped, modelErr := p.listModels(ctx, sub, func(loc string) {
		// A size list that cannot be had leaves vCPUs and memory at 0
		// rather than failing the listing; the next List tries again.
		wg.Go(func() { _, _ = p.sizes.get(ctx, loc, fetch) })
	})
	if modelErr != nil {
		cancel()
	}
	wg.Wait()

	if err := rootCause(modelErr, statusErr); err != nil {
		var re *azcore.ResponseError
		if errors.As(err, &re) && re.ErrorCode == "MissingSubscriptionRegistration" {
			return subResult{} // Microsoft.Compute was never used here: no VMs
		}
		return subResult{err: p.classify(listCtx, "subscription "+sub, err, since)}
	}

	var r subResult
	r.vms = make([]providers.VM, 0, len(models))
	r.skipped = skipped
	sizes := map[string]map[string]vmSize{}
	for i := range models {
		rec := &models[i]
		loc := strings.ToLower(rec.Location)
		if _, ok := sizes[loc]; !ok {
			sizes[loc] = p.sizes.peek(loc)
		}
		// Missing from the status listing: created between the two.
		state, ok := states[strings.ToLower(rec.ID)]
		if !ok {
			state = providers.StateUnknown
		}
		vm, err := p.toVM(rec, state, sizes[loc])
		if err != nil {
			r.skipped = append(r.skipped, fmt.Sprintf("subscription %s: %v", sub, err))
			continue
		}
		r.vms = append(r.vms, vm)
	}
	return r
}

// listModels pages through the model listing, calling onLocation the first
// time each location appears. Records that do not decode are returned as
// reasons, not failures.
func (p *Provider) listModels(ctx context.Context, sub string, onLocation func(string)) (vms []armVM, skipped []string, err error) {
	seen := map[string]bool{}
	err = p.eachPage(ctx, sub, false, func(records []json.RawMessage) {
		for _, raw := range records {
			vm, err := decodeVM(raw)
			if err != nil {
				skipped = append(skipped, fmt.Sprintf("subscription %s: %v", sub, err))
				continue
			}
			if loc := strings.ToLower(vm.Location); loc != "" && !seen[loc] {
				seen[loc] = true
				onLocation(vm.Location)
			}
			vms = append(vms, vm)
		}
	})
	return vms, skipped, err
}

// listStates pages through the statusOnly=true listing: each VM's power
// state by lower-case resource id. Records without an id are left to the
// model listing to report.
func (p *Provider) listStates(ctx context.Context, sub string) (map[string]providers.State, error) {
	states := map[string]providers.State{}
	err := p.eachPage(ctx, sub, true, func(records []json.RawMessage) {
		for _, raw := range records {
			if vm, err := decodeVM(raw); err == nil && vm.ID != "" {
				states[strings.ToLower(vm.ID)] = powerState(vm.statusCodes())
			}
		}
	})
	return states, err
}

// eachPage runs VirtualMachines - List All for the subscription through the
// account's pipeline (credential, retries, TLS) and hands each page's
// records to fn, following nextLink, never to another host: the pipeline
// would send it the bearer token.
func (p *Provider) eachPage(ctx context.Context, sub string, statusOnly bool, fn func([]json.RawMessage)) error {
	// Named as armcompute names the call: for logs, traces and its fakes.
	ctx = context.WithValue(ctx, runtime.CtxAPINameKey{}, "VirtualMachinesClient.NewListAllPager")
	q := url.Values{"api-version": {computeAPIVersion}}
	if statusOnly {
		q.Set("statusOnly", "true")
	}
	next := runtime.JoinPaths(p.raw.Endpoint(), "/subscriptions/"+url.PathEscape(sub)+"/providers/Microsoft.Compute/virtualMachines") + "?" + q.Encode()
	origin, err := url.Parse(p.raw.Endpoint())
	if err != nil {
		return err
	}
	for n := 0; next != ""; n++ {
		if n == maxPages {
			return fmt.Errorf("more than %d pages of VMs", maxPages)
		}
		u, err := url.Parse(next)
		if err != nil || !strings.EqualFold(u.Scheme, origin.Scheme) || !strings.EqualFold(u.Host, origin.Host) {
			return fmt.Errorf("nextLink %q leaves %s", next, origin.Host)
		}
		req, err := runtime.NewRequest(ctx, http.MethodGet, next)
		if err != nil {
			return err
		}
		req.Raw().Header.Set("Accept", "application/json")
		resp, err := p.raw.Pipeline().Do(req)
		if err != nil {
			return err
		}
		if !runtime.HasStatusCode(resp, http.StatusOK) {
			return runtime.NewResponseError(resp)
		}
		var page listPage
		if err := runtime.UnmarshalAsJSON(resp, &page); err != nil {
			return fmt.Errorf("page %d: %w", n+1, err)
		}
		fn(page.Value)
		next = page.NextLink
	}
	return nil
}

// rootCause is the first error that is not the cancellation one listing's
// failure caused in the other.
func rootCause(errs ...error) error {
	var first error
	for _, err := range errs {
		if err == nil {
			continue
		}
		if !errors.Is(err, context.Canceled) {
			return err
		}
		if first == nil {
			first = err
		}
	}
	return first
}
