package inventory

import (
	"cmp"
	"slices"
	"time"

	"github.com/neogenesys/console/headscale"
)

// OverviewData is the overview page's counts (GET /api/v1/overview).
type OverviewData struct {
	At      time.Time    `json:"at"`
	Clouds  CloudCounts  `json:"clouds"`
	Regions RegionCounts `json:"regions"`
	VMs     VMCounts     `json:"vms"`
	Nodes   NodeCounts   `json:"nodes"`
}

// CloudCounts counts the cloud accounts.
type CloudCounts struct {
	Total  int            `json:"total"`
	ByKind map[string]int `json:"byKind"`
	// Connected: the last sync succeeded within 3 sync intervals.
	Connected int `json:"connected"`
	Syncing   int `json:"syncing"`
	Stale     int `json:"stale"`    // serving last good data
	Erroring  int `json:"erroring"` // the last sync failed
}

// RegionCounts counts the distinct provider + region pairs that hold VMs.
type RegionCounts struct {
	Total int           `json:"total"`
	List  []RegionCount `json:"list"` // by provider, then region
}

// RegionCount is one provider's region and how many VMs it holds.
type RegionCount struct {
	Provider string `json:"provider"`
	Region   string `json:"region"`
	VMs      int    `json:"vms"`
}

// VMCounts counts the VMs that are present (gone VMs only in Gone).
type VMCounts struct {
	Total        int            `json:"total"`
	Stale        int            `json:"stale"` // last good data of a failing account
	Gone         int            `json:"gone"`
	ByState      map[string]int `json:"byState"`
	ByProvider   map[string]int `json:"byProvider"`
	ByEnrollment map[string]int `json:"byEnrollment"` // always has the three values
}

// NodeCounts counts the tailnet's nodes.
type NodeCounts struct {
	Total   int `json:"total"`
	Online  int `json:"online"`
	Offline int `json:"offline"`
	// Linked nodes belong to a present VM; Orphaned ones to a gone VM.
	Linked   int `json:"linked"`
	Orphaned int `json:"orphaned"`
}

// Overview counts the inventory for the overview page. vms are correlated
// (Correlate has run on them); interval is the accounts' sync interval
// (0: 60 s), so an account is connected when its last success is at most
// 3 intervals before now.
func Overview(vms []VM, accounts []AccountStatus, nodes []headscale.Node, now time.Time, interval time.Duration) OverviewData {
	if interval <= 0 {
		interval = 60 * time.Second
	}
	d := OverviewData{
		At:      now,
		Clouds:  CloudCounts{ByKind: map[string]int{}},
		Regions: RegionCounts{List: []RegionCount{}},
		VMs: VMCounts{ByState: map[string]int{}, ByProvider: map[string]int{},
			ByEnrollment: map[string]int{string(EnrolledOnline): 0, string(EnrolledOffline): 0, string(NotEnrolled): 0}},
	}

	for _, a := range accounts {
		c := &d.Clouds
		c.Total++
		c.ByKind[a.Kind]++
		if !a.LastSuccess.IsZero() && now.Sub(a.LastSuccess) <= 3*interval {
			c.Connected++
		}
		if a.Syncing {
			c.Syncing++
		}
		if a.Stale {
			c.Stale++
		}
		if a.Error != "" {
			c.Erroring++
		}
	}

	type region struct{ provider, region string }
	regions := map[region]int{}
	nodeOf := map[uint64]bool{} // node id → linked to a present VM (true) or only a gone one
	for i := range vms {
		v := &vms[i]
		if v.NodeID != 0 {
			nodeOf[v.NodeID] = nodeOf[v.NodeID] || v.GoneAt.IsZero()
		}
		if !v.GoneAt.IsZero() {
			d.VMs.Gone++
			continue
		}
		d.VMs.Total++
		if v.Stale {
			d.VMs.Stale++
		}
		d.VMs.ByState[string(v.State)]++
		d.VMs.ByProvider[v.Provider]++
		enr := v.Enrollment
		if enr == "" {
			enr = NotEnrolled
		}
		d.VMs.ByEnrollment[string(enr)]++
		if v.Region != "" {
			regions[region{v.Provider, v.Region}]++
		}
	}
	for r, n := range regions {
		d.Regions.List = append(d.Regions.List, RegionCount{Provider: r.provider, Region: r.region, VMs: n})
	}
	slices.SortFunc(d.Regions.List, func(a, b RegionCount) int {
		return cmp.Or(cmp.Compare(a.Provider, b.Provider), cmp.Compare(a.Region, b.Region))
	})
	d.Regions.Total = len(d.Regions.List)

	for _, n := range nodes {
		d.Nodes.Total++
		if n.Online {
			d.Nodes.Online++
		} else {
			d.Nodes.Offline++
		}
		present, linked := nodeOf[n.ID]
		switch {
		case linked && present:
			d.Nodes.Linked++
		case linked:
			d.Nodes.Orphaned++
		}
	}
	return d
}
