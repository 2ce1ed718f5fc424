package gcp

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"cloud.google.com/go/compute/apiv1/computepb"
	"google.golang.org/api/iterator"

	"github.com/neogenesys/console/providers"
)

// List emits every instance of every project: one AggregatedList per
// project (every zone in one paged call), projects listed in parallel by at
// most maxWorkers goroutines, emit called from this goroutine only.
func (p *Provider) List(ctx context.Context, emit func(providers.VM) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		batches = make(chan []providers.VM, maxWorkers)
		mu      sync.Mutex
		partial providers.Partial
		done    = make(chan error, 1)
	)
	skip := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		partial.Skip(format, args...)
	}
	go func() {
		defer close(batches)
		done <- forEachProject(ctx, p.projects, func(ctx context.Context, project string) error {
			return p.listProject(ctx, project, skip, func(batch []providers.VM) error {
				select {
				case batches <- batch:
					return nil
				case <-ctx.Done():
					return fmt.Errorf("gcp %s: %w", project, context.Cause(ctx))
				}
			})
		})
	}()
	var emitErr error
	for batch := range batches { // drained to the end so the listers can finish
		for _, vm := range batch {
			if emitErr != nil {
				break
			}
			if emitErr = emit(vm); emitErr != nil {
				cancel()
			}
		}
	}
	listErr := <-done
	switch {
	case emitErr != nil:
		return emitErr
	case listErr != nil:
		return listErr
	}
	mu.Lock()
	defer mu.Unlock()
	return partial.Err()
}

// listProject pages through one project's aggregated instance list and sends
// the VMs of each zone of each page as a batch.
func (p *Provider) listProject(ctx context.Context, project string, skip func(string, ...any), send func([]providers.VM) error) error {
	ctx, release := p.binder.bind(ctx)
	defer release()
	it := p.instances.AggregatedList(ctx, &computepb.AggregatedListInstancesRequest{
		Project:    project,
		MaxResults: ptr(uint32(pageSize)),
	}, retry(true))
	pages, token := 0, ""
	for {
		pair, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return nil
		}
		if err != nil {
			return mapErr(scope{where: project}, err)
		}
		if t := it.PageInfo().Token; t != token || pages == 0 {
			if pages++; pages > maxPages {
				return fmt.Errorf("gcp %s: more than %d pages of instances", project, maxPages)
			}
			token = t
		}
		if w := pair.Value.GetWarning(); w.GetCode() == "UNREACHABLE" {
			skip("%s %s unreachable: %s", project, pair.Key, w.GetMessage())
		}
		instances := pair.Value.GetInstances()
		if len(instances) == 0 { // NO_RESULTS_ON_PAGE: the zone has none on this page
			continue
		}
		batch := make([]providers.VM, 0, len(instances))
		for _, in := range instances {
			sizes, err := p.types.sizes(ctx, project, in.GetMachineType())
			if err != nil {
				return err
			}
			vm, ok := toVM(p.accountID, project, pair.Key, in, sizes)
			if !ok {
				skip("%s %s: instance %d has no name or zone", project, pair.Key, in.GetId())
				continue
			}
			batch = append(batch, vm)
		}
		if err := send(batch); err != nil {
			return err
		}
	}
}
