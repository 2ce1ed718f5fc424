package gcp

import (
	"context"
	"errors"
	"testing"
	"time"

	"cloud.google.com/go/compute/apiv1/computepb"
	"google.golang.org/api/iterator"

	"github.com/neogenesys/console/providers"
	"github.com/neogenesys/console/providers/sim/gcesim"
)

// BenchmarkList lists 10,000 VMs (two projects, three zones) from gcesim
// with 20 ms of latency per request, at Compute Engine's page size of 500:
// "adapter" is the production List (projects in parallel), "sequential" the
// same listing with the same SDK client, one page after another, one project
// after another.
func BenchmarkList(b *testing.B) {
	if testing.Short() {
		b.Skip("lists 10,000 VMs over the network")
	}
	const n = 10_000
	env := newSimEnv(b, n, gcesim.Options{}, true)
	p := newProv(b, env.config(b))
	// Token and machine types fetched, connections open: both variants
	// measure listing only.
	if got := countList(b, p.List); got != n {
		b.Fatalf("warm-up listed %d VMs", got)
	}
	env.srv.Faults.SetLatency(20 * time.Millisecond)

	run := func(b *testing.B, list func(context.Context, func(providers.VM) error) error) {
		b.ReportAllocs()
		start := time.Now()
		for b.Loop() {
			if got := countList(b, list); got != n {
				b.Fatalf("listed %d VMs, want %d", got, n)
			}
		}
		per := time.Since(start) / time.Duration(b.N)
		b.ReportMetric(float64(per.Microseconds())/1000, "ms/list")
		b.ReportMetric(n/per.Seconds(), "VMs/s")
	}
	b.Run("adapter", func(b *testing.B) { run(b, p.List) })
	b.Run("sequential", func(b *testing.B) { run(b, p.listSequential) })
}

func countList(b *testing.B, list func(context.Context, func(providers.VM) error) error) int {
	b.Helper()
	n := 0
	if err := list(context.Background(), func(providers.VM) error { n++; return nil }); err != nil {
		b.Fatal(err)
	}
	return n
}

// listSequential is the baseline: the same client and conversion as List,
// no concurrency.
func (p *Provider) listSequential(ctx context.Context, emit func(providers.VM) error) error {
	ctx, release := p.binder.bind(ctx)
	defer release()
	for _, project := range p.projects {
		it := p.instances.AggregatedList(ctx, &computepb.AggregatedListInstancesRequest{
			Project: project, MaxResults: ptr(uint32(pageSize)),
		}, retry(true))
		for {
			pair, err := it.Next()
			if errors.Is(err, iterator.Done) {
				break
			}
			if err != nil {
				return mapErr(scope{where: project}, err)
			}
			for _, in := range pair.Value.GetInstances() {
				sizes, err := p.types.sizes(ctx, project, in.GetMachineType())
				if err != nil {
					return err
				}
				if vm, ok := toVM(p.accountID, project, pair.Key, in, sizes); ok {
					if err := emit(vm); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}
