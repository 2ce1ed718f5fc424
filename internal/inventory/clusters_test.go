package inventory

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/neogenesys/console/providers"
)

func TestNodeStatus(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		age     time.Duration
		never   bool
		offline bool
		want    NodeStatus
	}{
		{name: "just seen", age: 0, want: NodeActive},
		{name: "exactly 3 minutes", age: 3 * time.Minute, want: NodeActive},
		{name: "just over 3 minutes", age: 3*time.Minute + time.Nanosecond, want: NodeLate},
		{name: "exactly 5 minutes", age: 5 * time.Minute, want: NodeLate},
		{name: "just over 5 minutes", age: 5*time.Minute + time.Nanosecond, want: NodeInactive},
		{name: "15 minutes", age: 15 * time.Minute, want: NodeInactive},
		{name: "never seen", never: true, want: NodeInactive},
		{name: "offline though just listed", age: 0, offline: true, want: NodeInactive},
		{name: "clock ahead", age: -time.Minute, want: NodeActive},
	}
	for _, tt := range tests {
		seen := now.Add(-tt.age)
		if tt.never {
			seen = time.Time{}
		}
		if got := nodeStatus(seen, tt.offline, now); got != tt.want {
			t.Errorf("%s: nodeStatus(now-%v, offline %v) = %q, want %q", tt.name, tt.age, tt.offline, got, tt.want)
		}
	}
}

func TestClusterHealth(t *testing.T) {
	tests := []struct {
		total, active, inactive int
		want                    Health
	}{
		{1, 1, 0, HealthAllActive},
		{3, 3, 0, HealthAllActive},
		{3, 2, 0, HealthDegraded}, // one late: not all within 3 minutes
		{3, 0, 0, HealthDegraded}, // all late, none inactive yet
		{3, 2, 1, HealthDegraded}, // some inactive
		{2, 1, 1, HealthDegraded}, // exactly half inactive
		{4, 2, 2, HealthDegraded}, // exactly half inactive
		{4, 1, 2, HealthDegraded}, // half inactive, one late
		{3, 1, 2, HealthCritical}, // majority inactive
		{5, 2, 3, HealthCritical}, // majority inactive
		{4, 1, 3, HealthCritical}, // majority inactive
		{1, 0, 1, HealthCritical}, // the only node inactive
		{2, 0, 2, HealthCritical}, // all inactive
	}
	for _, tt := range tests {
		if got := clusterHealth(tt.total, tt.active, tt.inactive); got != tt.want {
			t.Errorf("clusterHealth(total %d, active %d, inactive %d) = %q, want %q", tt.total, tt.active, tt.inactive, got, tt.want)
		}
	}
}

func TestProxmoxClusters(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	fresh, old := now.Add(-30*time.Second), now.Add(-10*time.Minute)
	g := func(key int64, cloud int64, cluster, host, name string, st providers.State, seen time.Time) VM {
		return VM{Key: key, CloudID: cloud, CloudName: "pve", LastSeen: seen, Enrollment: NotEnrolled, VM: providers.VM{
			Provider: "proxmox", ID: "qemu/" + name, Name: name, State: st, Cluster: cluster, Host: host, Type: "qemu"}}
	}
	goneGuest := g(9, 1, "prod", "pve4", "old", providers.StateStopped, old)
	goneGuest.GoneAt = now
	vms := []VM{
		// Cluster prod (cloud 1): pve1 active, pve2 offline (PVE says so), pve3 silent for 10 minutes.
		g(1, 1, "prod", "pve1", "web", providers.StateRunning, fresh),
		g(2, 1, "prod", "pve1", "db", providers.StateStopped, fresh),
		g(3, 1, "prod", "pve2", "cache", providers.StateUnknown, fresh),
		g(4, 1, "prod", "pve3", "mail", providers.StateRunning, old),
		goneGuest, // gone: node pve4 does not show
		// pve1 also has a guest whose state PVE words were not known: the node is still online.
		g(5, 1, "prod", "pve1", "odd", providers.StateUnknown, fresh),
		// A standalone host (cloud 2), and a VM of another provider.
		g(6, 2, "", "edge", "router", providers.StateRunning, fresh),
		{Key: 7, VM: providers.VM{Provider: "aws", Name: "i-1", Cluster: "prod", Host: "pve1"}},
		// Cluster lab (cloud 3): one node, late.
		g(8, 3, "lab", "lab1", "test", providers.StatePending, now.Add(-4*time.Minute)),
	}
	accounts := []AccountStatus{{CloudID: 1, Name: "pve"}, {CloudID: 3, Name: "lab", Stale: true, Error: "unreachable"}}
	vms[len(vms)-1].CloudName = ""

	guest := func(key int64, name string, st providers.State) ClusterGuest {
		return ClusterGuest{Key: key, ID: "qemu/" + name, Name: name, State: st, Type: "qemu", Enrollment: NotEnrolled}
	}
	want := []Cluster{
		{
			Name: "lab", CloudID: 3, CloudName: "lab", Health: HealthDegraded, NodeCount: 1,
			Guests: 1, GuestStates: map[string]int{"pending": 1}, Stale: true, Error: "unreachable",
			Nodes: []ClusterNode{{Name: "lab1", Status: NodeLate, LastSeen: now.Add(-4 * time.Minute), Guests: 1,
				VMs: []ClusterGuest{guest(8, "test", providers.StatePending)}}},
		},
		{
			Name: "prod", CloudID: 1, CloudName: "pve", Health: HealthCritical, // 2 of 3 nodes inactive
			NodeCount: 3, ActiveNodes: 1, InactiveNodes: 2,
			Guests: 5, GuestStates: map[string]int{"running": 2, "stopped": 1, "unknown": 2},
			Nodes: []ClusterNode{
				{Name: "pve1", Status: NodeActive, Active: true, LastSeen: fresh, Guests: 3, Running: 1, VMs: []ClusterGuest{
					guest(2, "db", providers.StateStopped), guest(5, "odd", providers.StateUnknown), guest(1, "web", providers.StateRunning)}},
				{Name: "pve2", Status: NodeInactive, Offline: true, LastSeen: fresh, Guests: 1,
					VMs: []ClusterGuest{guest(3, "cache", providers.StateUnknown)}},
				{Name: "pve3", Status: NodeInactive, LastSeen: old, Guests: 1, Running: 1,
					VMs: []ClusterGuest{guest(4, "mail", providers.StateRunning)}},
			},
		},
		{
			Name: "edge", CloudID: 2, CloudName: "pve", Standalone: true, Health: HealthAllActive,
			NodeCount: 1, ActiveNodes: 1, Guests: 1, GuestStates: map[string]int{"running": 1},
			Nodes: []ClusterNode{{Name: "edge", Status: NodeActive, Active: true, LastSeen: fresh, Guests: 1, Running: 1,
				VMs: []ClusterGuest{guest(6, "router", providers.StateRunning)}}},
		},
	}
	got := ProxmoxClusters(vms, accounts, now)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ProxmoxClusters (-want +got):\n%s", diff)
	}
}

// TestProxmoxClustersHealth builds clusters of n nodes, k of them silent
// for 10 minutes, and checks the health the seed's rules give.
func TestProxmoxClustersHealth(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		nodes, inactive int
		want            Health
	}{
		{3, 0, HealthAllActive},
		{3, 1, HealthDegraded},
		{4, 2, HealthDegraded}, // exactly half
		{3, 2, HealthCritical},
		{4, 3, HealthCritical},
	}
	for _, tt := range tests {
		var vms []VM
		for i := range tt.nodes {
			seen := now.Add(-time.Minute)
			if i < tt.inactive {
				seen = now.Add(-10 * time.Minute)
			}
			vms = append(vms, VM{Key: int64(i + 1), CloudID: 1, LastSeen: seen, VM: providers.VM{
				Provider: "proxmox", Cluster: "c", Host: string(rune('a' + i)), State: providers.StateRunning}})
		}
		got := ProxmoxClusters(vms, nil, now)
		if len(got) != 1 || got[0].Health != tt.want || got[0].InactiveNodes != tt.inactive {
			t.Errorf("%d nodes, %d inactive: got %+v, want health %q", tt.nodes, tt.inactive, got, tt.want)
		}
	}
}

func TestProxmoxClustersEmptyJSON(t *testing.T) {
	got := ProxmoxClusters([]VM{{VM: providers.VM{Provider: "aws"}}}, nil, time.Now())
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "[]" {
		t.Errorf("no proxmox VMs: JSON %s, want []", b)
	}
	one := ProxmoxClusters([]VM{{VM: providers.VM{Provider: "proxmox", Cluster: "c", Host: "h"}}}, nil, time.Now())
	b, _ = json.Marshal(one)
	for _, want := range []string{`"guestStates":{`, `"nodes":[{`, `"vms":[{`, `"standalone":false`, `"health":"critical"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("cluster JSON lacks %s:\n%s", want, b)
		}
	}
}
