package inventory

import (
	"cmp"
	"slices"
	"time"

	"github.com/neogenesys/console/providers"
)

// Health is a Proxmox cluster's health, by the rules of the seed document
// (001, "Cluster Status Indicators"):
//
//   - All Active: all nodes have handshake within last 3 minutes
//   - Degraded: some nodes inactive (handshake > 5 minutes)
//   - Critical: majority of nodes offline
//
// The console has no handshake per PVE node; a node's "handshake" is the
// last sync that listed its guests (see NodeStatus).
type Health string

const (
	HealthAllActive Health = "all-active" // every node active
	HealthDegraded  Health = "degraded"   // not all active, at most half inactive
	HealthCritical  Health = "critical"   // more than half of the nodes inactive
)

// NodeStatus is one PVE node's state.
type NodeStatus string

const (
	NodeActive   NodeStatus = "active"   // seen within the last 3 minutes
	NodeLate     NodeStatus = "late"     // seen 3 to 5 minutes ago: not active, not inactive yet
	NodeInactive NodeStatus = "inactive" // seen more than 5 minutes ago, never, or PVE says it is offline
)

// The seed's thresholds.
const (
	nodeActiveWithin  = 3 * time.Minute
	nodeInactiveAfter = 5 * time.Minute
)

// Cluster is one Proxmox VE cluster, or one standalone host, with its nodes
// and guests (GET /api/v1/proxmox/clusters).
type Cluster struct {
	Name       string `json:"name"` // the cluster's name; a standalone host's name
	CloudID    int64  `json:"cloudId"`
	CloudName  string `json:"cloudName"`
	Standalone bool   `json:"standalone"`
	Health     Health `json:"health"`
	// Counts as the seed's cluster list has them.
	NodeCount     int `json:"nodeCount"`
	ActiveNodes   int `json:"activeNodes"`
	InactiveNodes int `json:"inactiveNodes"`
	Guests        int `json:"guests"`
	// GuestStates counts the guests by state ("running": 12, ...).
	GuestStates map[string]int `json:"guestStates"`
	// Stale and Error are the account's: the data shown is its last good sync.
	Stale bool          `json:"stale"`
	Error string        `json:"error,omitempty"`
	Nodes []ClusterNode `json:"nodes"` // by name
}

// ClusterNode is one PVE node and its guests.
type ClusterNode struct {
	Name    string     `json:"name"`
	Status  NodeStatus `json:"status"`
	Active  bool       `json:"active"`  // Status == "active"
	Offline bool       `json:"offline"` // PVE reports the node offline (its guests' state is unknown)
	// LastSeen is the last sync that listed the node's guests.
	LastSeen time.Time      `json:"lastSeen,omitzero"`
	Guests   int            `json:"guests"`
	Running  int            `json:"running"`
	VMs      []ClusterGuest `json:"vms"` // by name
}

// ClusterGuest is one guest on a node; Key opens it in the VMs API.
type ClusterGuest struct {
	Key        int64           `json:"key"`
	ID         string          `json:"id"` // "qemu/100", "lxc/101"
	Name       string          `json:"name"`
	State      providers.State `json:"state"`
	Type       string          `json:"type,omitempty"` // "qemu" or "lxc"
	Enrollment Enrollment      `json:"enrollment"`
}

// ProxmoxClusters groups the present (not gone) guests of the proxmox VMs by
// account and cluster, then by node (VM.Cluster, VM.Host). A standalone host
// (empty Cluster) is a Cluster of its own with Standalone set, listed after
// the clusters.
//
// A node is active when the last sync that listed its guests is at most 3
// minutes before now, and inactive when it is more than 5 minutes, or when
// PVE reports it offline: the proxmox adapter then gives every guest of the
// node the state unknown, so a node whose guests are all unknown is offline.
// A node seen 3 to 5 minutes ago is late: the seed calls it neither.
//
// Health: all nodes active → all-active; more than half inactive →
// critical; anything else (some inactive, up to exactly half, or some late)
// → degraded, since the seed's all-active needs every node within 3
// minutes.
func ProxmoxClusters(vms []VM, accounts []AccountStatus, now time.Time) []Cluster {
	type clusterID struct {
		cloud      int64
		name       string
		standalone bool
	}
	type nodeAcc struct {
		node    ClusterNode
		unknown int
	}
	type clusterAcc struct {
		c     Cluster
		nodes map[string]*nodeAcc
	}
	byAccount := make(map[int64]*AccountStatus, len(accounts))
	for i := range accounts {
		byAccount[accounts[i].CloudID] = &accounts[i]
	}

	clusters := map[clusterID]*clusterAcc{}
	for i := range vms {
		v := &vms[i]
		if v.Provider != "proxmox" || !v.GoneAt.IsZero() {
			continue
		}
		id := clusterID{v.CloudID, v.Cluster, v.Cluster == ""}
		if id.standalone {
			id.name = v.Host
		}
		ca := clusters[id]
		if ca == nil {
			ca = &clusterAcc{c: Cluster{Name: id.name, CloudID: v.CloudID, CloudName: v.CloudName,
				Standalone: id.standalone, GuestStates: map[string]int{}}, nodes: map[string]*nodeAcc{}}
			if a := byAccount[v.CloudID]; a != nil {
				ca.c.Stale, ca.c.Error = a.Stale, a.Error
				if ca.c.CloudName == "" {
					ca.c.CloudName = a.Name
				}
			}
			clusters[id] = ca
		}
		na := ca.nodes[v.Host]
		if na == nil {
			na = &nodeAcc{node: ClusterNode{Name: v.Host, VMs: []ClusterGuest{}}}
			ca.nodes[v.Host] = na
		}
		n := &na.node
		n.Guests++
		switch v.State {
		case providers.StateRunning:
			n.Running++
		case providers.StateUnknown:
			na.unknown++
		}
		if v.LastSeen.After(n.LastSeen) {
			n.LastSeen = v.LastSeen
		}
		n.VMs = append(n.VMs, ClusterGuest{Key: v.Key, ID: v.ID, Name: v.Name, State: v.State, Type: v.Type, Enrollment: v.Enrollment})
		ca.c.Guests++
		ca.c.GuestStates[string(v.State)]++
	}

	out := make([]Cluster, 0, len(clusters))
	for _, ca := range clusters {
		c := ca.c
		c.Nodes = make([]ClusterNode, 0, len(ca.nodes))
		for _, na := range ca.nodes {
			n := na.node
			n.Offline = na.unknown == n.Guests
			n.Status = nodeStatus(n.LastSeen, n.Offline, now)
			n.Active = n.Status == NodeActive
			slices.SortFunc(n.VMs, func(a, b ClusterGuest) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Key, b.Key)) })
			c.Nodes = append(c.Nodes, n)
			switch n.Status {
			case NodeActive:
				c.ActiveNodes++
			case NodeInactive:
				c.InactiveNodes++
			}
		}
		slices.SortFunc(c.Nodes, func(a, b ClusterNode) int { return cmp.Compare(a.Name, b.Name) })
		c.NodeCount = len(c.Nodes)
		c.Health = clusterHealth(c.NodeCount, c.ActiveNodes, c.InactiveNodes)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Cluster) int {
		if a.Standalone != b.Standalone {
			if b.Standalone {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.CloudID, b.CloudID))
	})
	return out
}

// nodeStatus applies the seed's thresholds to a node last seen at lastSeen.
func nodeStatus(lastSeen time.Time, offline bool, now time.Time) NodeStatus {
	switch age := now.Sub(lastSeen); {
	case offline || lastSeen.IsZero() || age > nodeInactiveAfter:
		return NodeInactive
	case age <= nodeActiveWithin:
		return NodeActive
	default:
		return NodeLate
	}
}

// clusterHealth applies the seed's rules to a cluster of total nodes.
func clusterHealth(total, active, inactive int) Health {
	switch {
	case 2*inactive > total:
		return HealthCritical
	case active == total:
		return HealthAllActive
	default:
		return HealthDegraded
	}
}
