package gcp

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/neogenesys/console/providers/providertest"
	"github.com/neogenesys/console/providers/sim"
	"github.com/neogenesys/console/providers/sim/gcesim"
)

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// TestConformance runs the shared provider suite against gcesim: 60 VMs in
// two projects and three zones (two regions), 7 per page.
func TestConformance(t *testing.T) {
	env := newSimEnv(t, 60, gcesim.Options{PageSize: 7}, false)
	env.fleet.Transition = 200 * time.Millisecond
	cfg := env.config(t)
	good, bad := newProv(t, cfg), newProv(t, env.badKeyConfig(t, cfg))

	var want []string
	running := ""
	for id, fid := range env.ids {
		want = append(want, id)
		if vm, _ := env.fleet.Get(fid); vm.State == sim.Running && running == "" {
			running = id
		}
	}
	slices.Sort(want)
	if running == "" {
		t.Fatal("populated fleet has no running VM")
	}
	// Two projects of 30 VMs at 7 per page: 5 pages each.
	providertest.Run(t, providertest.Target{
		Kind:            Kind,
		Provider:        good,
		BadAuth:         bad,
		WantIDs:         want,
		MinRegions:      2,
		Running:         running,
		MissingID:       "acme-prod/us-central1-a/no-such-vm",
		Settle:          10 * time.Second,
		Requests:        env.srv.Faults.Requests,
		MinListRequests: 10,
		Throttle:        env.srv.Faults.Throttle,
		SetLatency:      env.srv.Faults.SetLatency,
		Corrupt:         func(id string) { env.srv.Corrupt(env.ids[id], gcesim.CorruptName) },
	})
}
