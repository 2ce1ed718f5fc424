package lxd

import (
	"slices"
	"testing"
	"time"

	"github.com/neogenesys/console/providers"
	"github.com/neogenesys/console/providers/lxd/lxdtest"
	"github.com/neogenesys/console/providers/providertest"
)

// TestRealCluster runs the suite against a two-member LXD cluster on this
// host: regions are the members, and every member's instances come from
// the one member the adapter talks to (which also forwards power actions).
func TestRealCluster(t *testing.T) {
	ds := lxdtest.StartCluster(t, "m1", "m2")
	ids := ds[0].LaunchAll(t,
		lxdtest.Spec{Name: "a1", Target: "m1"},
		lxdtest.Spec{Name: "a2", Target: "m2"},
		lxdtest.Spec{Name: "b1", Project: "team", Target: "m2", Stopped: true},
	)
	d := ds[0]
	https := newTestProvider(t, &Config{Endpoint: d.HTTPSEndpoint(), ClientCert: d.ClientCert, ClientKey: d.ClientKey,
		ServerCert: d.ServerCert})
	strangerCert, strangerKey := lxdtest.NewClientCert(t, "stranger")
	untrusted := newTestProvider(t, &Config{Endpoint: d.HTTPSEndpoint(), ClientCert: strangerCert, ClientKey: strangerKey,
		ServerCert: d.ServerCert})
	providertest.Run(t, providertest.Target{
		Kind:             Kind,
		Provider:         idleClosed{https.(*Provider)},
		BadAuth:          idleClosed{untrusted.(*Provider)},
		WantIDs:          ids,
		MinRegions:       2,
		Running:          "default/a2", // on m2, reached through m1
		MissingID:        "team/no-such-vm",
		Settle:           20 * time.Second,
		NoThrottleReason: "LXD has no rate limiting",
		NoCorruptReason:  "a real daemon sends well-formed records",
	})

	info, err := https.Check(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := "cluster of 2 members (projects: default, team)"; info.Identity != want {
		t.Errorf("identity %q, want %q", info.Identity, want)
	}
	if !slices.Equal(info.Regions, []string{"m1", "m2"}) {
		t.Errorf("regions %v, want [m1 m2]", info.Regions)
	}
	unix := newTestProvider(t, &Config{Endpoint: ds[1].UnixEndpoint()})
	for name, c := range map[string]struct {
		p       providers.Provider
		cluster string
	}{"https": {https, "127.0.0.1"}, "unix of m2": {unix, "m2"}} {
		vms := listVMs(t, c.p)
		for id, host := range map[string]string{"default/a1": "m1", "default/a2": "m2", "team/b1": "m2"} {
			vm := vms[id]
			if vm.Host != host || vm.Region != host || vm.Cluster != c.cluster {
				t.Errorf("%s: %s: host %q region %q cluster %q, want %q, %q, %q", name, id, vm.Host, vm.Region,
					vm.Cluster, host, host, c.cluster)
			}
		}
	}
}
