package aws

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/neogenesys/console/providers"
	"github.com/neogenesys/console/providers/sim/ec2sim"
)

// BenchmarkList lists 10,000 instances (three regions with instances and an
// empty one, pages of 1000) from the simulator with 20 ms of latency on every
// request: "adapter" is the production List (regions in parallel),
// "sequential" the same per-region paging and conversion done one region
// after another. Allocations include the simulator's, which runs in-process.
func BenchmarkList(b *testing.B) {
	if testing.Short() {
		b.Skip("lists 10,000 VMs with 20 ms latency per request")
	}
	const n = 10000
	env := newSimEnv(b, n, ec2sim.Options{})
	env.sim.Faults.SetLatency(20 * time.Millisecond)

	run := func(b *testing.B, list func(*provider, context.Context, func(providers.VM) error) error) {
		b.ReportAllocs()
		var wall, cpu time.Duration
		for range b.N {
			// A new provider each time: its instance type cache starts
			// empty, as on the console's first sync of an account.
			b.StopTimer()
			p := env.provider(b, nil)
			b.StartTimer()
			start, startCPU := time.Now(), cpuTime()
			count := 0
			err := list(p, context.Background(), func(providers.VM) error { count++; return nil })
			wall += time.Since(start)
			cpu += cpuTime() - startCPU
			if err != nil || count != n {
				b.Fatalf("listed %d VMs: %v", count, err)
			}
		}
		b.ReportMetric(float64(wall.Milliseconds())/float64(b.N), "ms/list")
		b.ReportMetric(float64(n*b.N)/wall.Seconds(), "VMs/s")
		// CPU of the whole process (adapter, SDK and simulator): steadier
		// than wall time on a shared machine.
		b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/list")
	}
	b.Run("adapter", func(b *testing.B) {
		run(b, func(p *provider, ctx context.Context, emit func(providers.VM) error) error { return p.List(ctx, emit) })
	})
	b.Run("sequential", func(b *testing.B) { run(b, listSequential) })
}

// listSequential is List without parallelism: one region after another.
func listSequential(p *provider, ctx context.Context, emit func(providers.VM) error) error {
	regions, _, err := p.regions(ctx)
	if err != nil {
		return err
	}
	var partial providers.Partial
	emitPage := func(_ string, vms []providers.VM) error {
		for _, vm := range vms {
			if err := emit(vm); err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range regions {
		if err := p.listRegion(ctx, r, emitPage, partial.Skip); err != nil {
			return err
		}
	}
	return partial.Err()
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
