//go:build unix

package proxmox

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/neogenesys/console/providers"
	"github.com/neogenesys/console/providers/sim"
	"github.com/neogenesys/console/providers/sim/pvesim"
)

// BenchmarkList lists 10,000 guests from the simulator with 20 ms added to
// every request. PVE has no paging, so the cost is the two cluster requests
// plus one address look-up per running guest: "adapter" is List as shipped
// (addressWorkers look-ups at a time), "sequential" the same listing with
// one look-up after another (addressWorkers 1). cpu-ms/list is the
// process's CPU time, so it includes the simulator's share (TLS, JSON).
func BenchmarkList(b *testing.B) {
	if testing.Short() {
		b.Skip("10,000 guests at 20 ms a request take minutes; not in -short")
	}
	fleet := sim.NewFleet()
	pvesim.Populate(fleet, 10_000, 1)
	h := serve(b, fleet, pvesim.Options{})
	h.sim.Faults.SetLatency(20 * time.Millisecond)

	for _, bc := range []struct {
		name    string
		workers int
	}{{"adapter", defaultAddressWorkers}, {"sequential", 1}} {
		b.Run(bc.name, func(b *testing.B) {
			p := h.provider(b, func(m map[string]any) { m["addressWorkers"] = bc.workers })
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
			defer cancel()
			b.ReportAllocs()
			var lists, vms int
			var took time.Duration
			before, cpuBefore := h.sim.Faults.Requests(), cpuTime(b)
			for b.Loop() {
				start := time.Now()
				err := p.List(ctx, func(providers.VM) error { vms++; return nil })
				took += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				lists++
			}
			b.ReportMetric(float64(took.Milliseconds())/float64(lists), "ms/list")
			b.ReportMetric(float64(vms)/took.Seconds(), "VMs/s")
			b.ReportMetric(float64(h.sim.Faults.Requests()-before)/float64(lists), "req/list")
			b.ReportMetric(float64((cpuTime(b)-cpuBefore).Milliseconds())/float64(lists), "cpu-ms/list")
		})
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
