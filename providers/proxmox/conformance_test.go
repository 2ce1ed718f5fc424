package proxmox

import (
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/providers/providertest"
	"github.com/neogenesys/console/providers/sim"
	"github.com/neogenesys/console/providers/sim/pvesim"
)

// TestConformance runs the shared suite against the simulator, trusting
// its certificate as caCert. PVE lists a cluster in one answer, so what
// proves the list covers everything is the request count: cluster/status,
// cluster/resources, and one address look-up per running guest. Every VM's
// Region is the cluster name (one region); TestListFields checks the
// guests span the three nodes.
func TestConformance(t *testing.T) {
	h := newHarness(t, 60, pvesim.Options{})
	ids, running := h.guests()
	target := h.firstGuest(t, func(vm sim.VM) bool {
		return vm.Kind == "qemu" && vm.State == sim.Running && vm.Tags[pvesim.TagNoAgent] == ""
	})
	providertest.Run(t, providertest.Target{
		Kind:            Kind,
		Provider:        h.provider(t, nil),
		BadAuth:         h.provider(t, func(m map[string]any) { m["tokenSecret"] = "not-the-secret" }),
		WantIDs:         ids,
		MinRegions:      1,
		Running:         "qemu/" + target.ID,
		MissingID:       "qemu/99999",
		Settle:          10 * time.Second,
		Requests:        h.sim.Faults.Requests,
		MinListRequests: int64(2 + running),
		Throttle:        h.sim.Faults.Throttle,
		SetLatency:      h.sim.Faults.SetLatency,
		Corrupt: func(id string) {
			_, vmid, _ := strings.Cut(id, "/")
			h.sim.Corrupt(vmid)
		},
	})
}
