package inventory

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/providers"
)

func TestOverview(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	interval := time.Minute
	accounts := []AccountStatus{
		{CloudID: 1, Kind: "aws", LastSuccess: now.Add(-3 * time.Minute)},                                      // connected: exactly 3 intervals
		{CloudID: 2, Kind: "aws", LastSuccess: now.Add(-3*time.Minute - time.Second), Stale: true, Error: "x"}, // too old
		{CloudID: 3, Kind: "proxmox", Syncing: true},                                                           // never succeeded
		{CloudID: 4, Kind: "gcp", LastSuccess: now, Error: "throttled"},
	}
	v := func(key int64, provider, region string, state providers.State, enr Enrollment, node uint64) VM {
		return VM{Key: key, VM: providers.VM{Provider: provider, Region: region, State: state}, Enrollment: enr, NodeID: node}
	}
	goneVM := v(6, "aws", "eu-west-1", providers.StateStopped, EnrolledOffline, 12)
	goneVM.GoneAt = now
	staleVM := v(5, "gcp", "europe-west1-b", providers.StateUnknown, "", 0)
	staleVM.Stale = true
	vms := []VM{
		v(1, "aws", "us-east-1", providers.StateRunning, EnrolledOnline, 10),
		v(2, "aws", "us-east-1", providers.StateStopped, NotEnrolled, 0),
		v(3, "aws", "eu-west-1", providers.StateRunning, EnrolledOffline, 11),
		v(4, "proxmox", "pve-prod", providers.StateRunning, NotEnrolled, 0),
		staleVM,
		goneVM, // its node 12 is orphaned; its region counts nowhere
		v(7, "lxd", "", providers.StateRunning, NotEnrolled, 0),
	}
	nodes := []headscale.Node{
		{ID: 10, Online: true}, {ID: 11}, {ID: 12, Online: true}, {ID: 13, Online: true},
	}

	got := Overview(vms, accounts, nodes, now, interval)
	want := OverviewData{
		At:     now,
		Clouds: CloudCounts{Total: 4, ByKind: map[string]int{"aws": 2, "proxmox": 1, "gcp": 1}, Connected: 2, Syncing: 1, Stale: 1, Erroring: 2},
		Regions: RegionCounts{Total: 4, List: []RegionCount{
			{"aws", "eu-west-1", 1}, {"aws", "us-east-1", 2}, {"gcp", "europe-west1-b", 1}, {"proxmox", "pve-prod", 1},
		}},
		VMs: VMCounts{Total: 6, Stale: 1, Gone: 1,
			ByState:      map[string]int{"running": 4, "stopped": 1, "unknown": 1},
			ByProvider:   map[string]int{"aws": 3, "gcp": 1, "proxmox": 1, "lxd": 1},
			ByEnrollment: map[string]int{"enrolled-online": 1, "enrolled-offline": 1, "not-enrolled": 4}},
		Nodes: NodeCounts{Total: 4, Online: 3, Offline: 1, Linked: 2, Orphaned: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Overview (-want +got):\n%s", diff)
	}
}

// TestOverviewEmpty: an empty inventory encodes lists and maps as [] and {},
// with every enrollment value present.
func TestOverviewEmpty(t *testing.T) {
	b, err := json.Marshal(Overview(nil, nil, nil, time.Time{}, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"byKind":{}`, `"list":[]`, `"byState":{}`, `"byProvider":{}`,
		`"byEnrollment":{"enrolled-offline":0,"enrolled-online":0,"not-enrolled":0}`,
		`"nodes":{"total":0,"online":0,"offline":0,"linked":0,"orphaned":0}`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("Overview JSON lacks %s:\n%s", want, b)
		}
	}
}

// TestOverviewDefaultInterval: interval 0 means 60 s.
func TestOverviewDefaultInterval(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	accounts := []AccountStatus{{LastSuccess: now.Add(-180 * time.Second)}, {LastSuccess: now.Add(-181 * time.Second)}}
	if got := Overview(nil, accounts, nil, now, 0).Clouds.Connected; got != 1 {
		t.Errorf("Connected = %d with the default interval, want 1", got)
	}
}
