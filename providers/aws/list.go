package aws

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/neogenesys/console/providers"
)

const (
	// listWorkers is how many regions are listed at once.
	listWorkers = 8
	// pageSize is DescribeInstances' MaxResults: the API's largest page.
	pageSize = 1000
	// maxPages bounds one region's paging (ten million instances).
	maxPages = 10000
)

// regions returns the enabled regions DescribeRegions reports, narrowed to
// Config.Regions when set, and the configured regions that are not enabled.
func (p *provider) regions(ctx context.Context) (regions, missing []string, err error) {
	out, err := p.ec2In(p.cfg.DefaultRegion).DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil {
		return nil, nil, classify(ctx, p.cfg.DefaultRegion+" DescribeRegions", err)
	}
	for _, r := range out.Regions {
		if n := sdkaws.ToString(r.RegionName); n != "" && sdkaws.ToString(r.OptInStatus) != "not-opted-in" {
			regions = append(regions, n)
		}
	}
	slices.Sort(regions)
	if len(p.cfg.Regions) == 0 {
		return regions, nil, nil
	}
	var narrowed []string
	for _, r := range p.cfg.Regions {
		if slices.Contains(regions, r) {
			narrowed = append(narrowed, r)
		} else {
			missing = append(missing, r)
		}
	}
	return narrowed, missing, nil
}

// List emits every instance of every region, regions listed in parallel by
// up to listWorkers workers, pages of one region one after another. A
// region's failure does not stop the others, except a credentials failure,
// which is the account's; emit's error stops everything.
func (p *provider) List(ctx context.Context, emit func(providers.VM) error) error {
	regions, _, err := p.regions(ctx)
	if err != nil {
		return err
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		mu      sync.Mutex // serializes emit and guards what follows
		emitErr error
		partial providers.Partial
		seen    = map[string]string{} // instance → region, for Power
	)
	emitPage := func(region string, vms []providers.VM) error {
		mu.Lock()
		defer mu.Unlock()
		for _, vm := range vms {
			if emitErr != nil {
				return emitErr
			}
			seen[vm.ID] = region
			if err := emit(vm); err != nil {
				emitErr = err
				cancel()
			}
		}
		return emitErr
	}
	skip := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		partial.Skip(format, args...)
	}

	errs := make([]error, len(regions))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(listWorkers, len(regions)) {
		wg.Go(func() {
			for i := range jobs {
				errs[i] = p.listRegion(ctx, regions[i], emitPage, skip)
				if errors.Is(errs[i], providers.ErrAuth) {
					cancel()
				}
			}
		})
	}
feed:
	for i := range regions {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()

	switch {
	case emitErr != nil:
		return emitErr
	case parent.Err() != nil:
		return fmt.Errorf("aws list: %w", parent.Err())
	}
	// Regions stopped by another region's failure report only that one.
	var failed []error
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			failed = append(failed, err)
		}
	}
	if len(failed) == 0 {
		p.located.replace(seen)
	} else {
		p.located.merge(seen)
	}
	return errors.Join(append(failed, partial.Err())...)
}

// listRegion pages through one region's instances.
func (p *provider) listRegion(ctx context.Context, region string,
	emitPage func(string, []providers.VM) error, skip func(string, ...any)) error {
	pg := ec2.NewDescribeInstancesPaginator(p.ec2In(region), &ec2.DescribeInstancesInput{MaxResults: sdkaws.Int32(pageSize)})
	for pages := 0; pg.HasMorePages(); pages++ {
		if pages == maxPages {
			return fmt.Errorf("aws %s: more than %d pages of instances; stopped", region, maxPages)
		}
		out, err := pg.NextPage(ctx)
		if err != nil {
			return classify(ctx, region+" DescribeInstances", err)
		}
		var vms []providers.VM
		for _, r := range out.Reservations {
			for _, in := range r.Instances {
				vm, ok := p.toVM(region, in)
				if !ok {
					skip("%s: an instance of reservation %s has no instanceId", region, sdkaws.ToString(r.ReservationId))
					continue
				}
				vms = append(vms, vm)
			}
		}
		if err := p.fillSizes(ctx, region, vms); err != nil {
			return err
		}
		if err := emitPage(region, vms); err != nil {
			return err
		}
	}
	return nil
}
