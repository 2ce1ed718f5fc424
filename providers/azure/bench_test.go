package azure

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/neogenesys/console/providers"
)

// BenchmarkList lists 10,000 VMs (two subscriptions, the sim's default page
// of 1000) with 20 ms of latency on every ARM request: "adapter" is the
// production List, "sequential" the same requests with the same SDK
// clients, one page, one listing and one subscription after another.
func BenchmarkList(b *testing.B) {
	if testing.Short() {
		b.Skip("lists 10,000 VMs")
	}
	const n = 10000
	a := startSim(b, n, 0, true)
	a.srv.Faults.SetLatency(20 * time.Millisecond)
	ctx := context.Background()

	run := func(b *testing.B, list func(p *Provider) (int, error)) {
		p := a.provider(b, nil)
		if _, err := p.Check(ctx); err != nil { // the token, outside the timing
			b.Fatal(err)
		}
		b.ReportAllocs()
		reqs := a.srv.Faults.Requests()
		start := time.Now()
		for b.Loop() {
			p.sizes = &sizeCache{m: map[string]*sizeEntry{}} // every list fetches the sizes
			got, err := list(p)
			if err != nil || got != n {
				b.Fatalf("listed %d VMs, %v; want %d", got, err, n)
			}
		}
		elapsed := time.Since(start)
		b.ReportMetric(float64(elapsed.Milliseconds())/float64(b.N), "ms/list")
		b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "VMs/s")
		b.ReportMetric(float64(a.srv.Faults.Requests()-reqs)/float64(b.N), "requests/list")
	}

	b.Run("adapter", func(b *testing.B) {
		run(b, func(p *Provider) (int, error) {
			got := 0
			err := p.List(ctx, func(providers.VM) error { got++; return nil })
			return got, err
		})
	})
	b.Run("sequential", func(b *testing.B) {
		run(b, func(p *Provider) (int, error) { return listSequential(ctx, p) })
	})
	// The sequential listing again, decoded by armcompute's pager: what
	// List would cost on the SDK's own types.
	b.Run("sequential-armcompute-pager", func(b *testing.B) {
		run(b, func(p *Provider) (int, error) { return listSDKPager(ctx, p) })
	})
}

// listSequential is List without any concurrency: the same requests and
// decoding, one page, one listing, one subscription after another.
func listSequential(ctx context.Context, p *Provider) (int, error) {
	got := 0
	sizes := map[string]map[string]vmSize{}
	for _, sub := range p.subs {
		key := strings.ToLower(sub)
		models, _, err := p.listModels(ctx, sub, func(string) {})
		if err != nil {
			return got, err
		}
		states, err := p.listStates(ctx, sub)
		if err != nil {
			return got, err
		}
		for i := range models {
			loc := strings.ToLower(models[i].Location)
			if sizes[loc] == nil {
				if sizes[loc], err = fetchSizes(ctx, p.sizeC[key], loc); err != nil {
					return got, err
				}
			}
			if _, err := p.toVM(&models[i], states[strings.ToLower(models[i].ID)], sizes[loc]); err == nil {
				got++
			}
		}
	}
	return got, nil
}

// listSDKPager is listSequential with armcompute's NewListAllPager.
func listSDKPager(ctx context.Context, p *Provider) (int, error) {
	got := 0
	sizes := map[string]map[string]vmSize{}
	for _, sub := range p.subs {
		key := strings.ToLower(sub)
		states := map[string]providers.State{}
		status := p.vms[key].NewListAllPager(&armcompute.VirtualMachinesClientListAllOptions{StatusOnly: to.Ptr("true")})
		for status.More() {
			page, err := status.NextPage(ctx)
			if err != nil {
				return got, err
			}
			for _, vm := range page.Value {
				var codes []string
				for _, s := range vm.Properties.InstanceView.Statuses {
					codes = append(codes, *s.Code)
				}
				states[strings.ToLower(*vm.ID)] = powerState(codes)
			}
		}
		pager := p.vms[key].NewListAllPager(nil)
		for pager.More() {
			page, err := pager.NextPage(ctx)
			if err != nil {
				return got, err
			}
			for _, vm := range page.Value {
				loc := strings.ToLower(*vm.Location)
				if sizes[loc] == nil {
					if sizes[loc], err = fetchSizes(ctx, p.sizeC[key], loc); err != nil {
						return got, err
					}
				}
				if _, ok := states[strings.ToLower(*vm.ID)]; ok && sizes[loc][strings.ToLower(string(*vm.Properties.HardwareProfile.VMSize))].vcpus > 0 {
					got++
				}
			}
		}
	}
	return got, nil
}
