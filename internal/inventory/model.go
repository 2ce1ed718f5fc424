// Package inventory is the console's live picture of the fleet: every VM of
// every cloud account, kept by a sync engine, joined to the tailnet nodes,
// and queried from memory.
package inventory

import (
	"time"

	"github.com/neogenesys/console/providers"
)

// Enrollment says whether a VM is in the tailnet.
type Enrollment string

const (
	EnrolledOnline  Enrollment = "enrolled-online"
	EnrolledOffline Enrollment = "enrolled-offline"
	NotEnrolled     Enrollment = "not-enrolled"
)

// Link says how a VM was matched to its node, strongest first.
type Link string

const (
	LinkKey      Link = "key"      // the console minted the node's pre-auth key for this VM
	LinkIP       Link = "ip"       // the VM reports the node's tailnet address
	LinkHostname Link = "hostname" // normalized names match
)

// VM is one VM of the inventory: what its provider reported, plus the
// console's bookkeeping and its tailnet node.
type VM struct {
	providers.VM
	// Key is the console's id of the VM, stable across syncs and restarts.
	Key       int64     `json:"key"`
	CloudID   int64     `json:"cloudId"`
	CloudName string    `json:"cloudName"`
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
	// GoneAt is when a complete sync last missed the VM; zero while present.
	GoneAt time.Time `json:"goneAt,omitzero"`
	// Stale is set while the VM's account (or region) fails to sync: this is
	// the last good data.
	Stale bool `json:"stale"`

	Enrollment Enrollment `json:"enrollment"`
	NodeID     uint64     `json:"nodeId,omitempty"`
	NodeName   string     `json:"nodeName,omitempty"`
	NodeLink   Link       `json:"nodeLink,omitempty"`
}

// AccountStatus is the sync state of one cloud account.
type AccountStatus struct {
	CloudID     int64     `json:"cloudId"`
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`
	Syncing     bool      `json:"syncing"`
	LastStart   time.Time `json:"lastStart,omitzero"`
	LastEnd     time.Time `json:"lastEnd,omitzero"`
	LastSuccess time.Time `json:"lastSuccess,omitzero"`
	VMs         int       `json:"vms"`
	Regions     []string  `json:"regions,omitempty"` // where the account has VMs, sorted
	Error       string    `json:"error,omitempty"`
	ErrorAt     time.Time `json:"errorAt,omitzero"`
	Stale       bool      `json:"stale"`
	Partial     string    `json:"partial,omitempty"` // records skipped by the last sync
}
