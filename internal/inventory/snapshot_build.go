package inventory

import (
	"context"
	"slices"

	"github.com/neogenesys/console/internal/store"
	"github.com/neogenesys/console/providers"
)

// publishSnapshot builds a new Snapshot from the engine's state, joined to
// the tailnet's nodes, and swaps it in. Callers hold e.mu.
func (e *Engine) publishSnapshot() {
	e.dirty.Store(false)
	vms := make([]VM, 0, len(e.vms))
	for _, vm := range e.vms {
		c := *vm
		c.Stale = c.Stale || e.status[c.CloudID] != nil && e.status[c.CloudID].Stale
		vms = append(vms, c)
	}
	slices.SortFunc(vms, func(a, b VM) int { return int(a.Key - b.Key) })
	if e.nodes != nil {
		// While Headscale does not answer, the last nodes seen keep the
		// links: an outage does not turn every VM "not enrolled".
		if nodes, err := e.nodes(); err == nil {
			e.lastNodes = nodes
		}
		Correlate(vms, e.lastNodes, e.keyVM)
	}
	nodeVMs := make(map[uint64]NodeVM)
	for i := range vms {
		if vm := &vms[i]; vm.NodeID != 0 {
			nodeVMs[vm.NodeID] = NodeVM{Key: vm.Key, Name: vm.Name, Provider: vm.Provider, CloudName: vm.CloudName,
				State: vm.State, OS: vm.OS, Gone: !vm.GoneAt.IsZero()}
		}
	}
	e.nodeVMs.Store(&nodeVMs)
	accts := make([]AccountStatus, 0, len(e.status))
	for _, st := range e.status {
		accts = append(accts, *st)
	}
	slices.SortFunc(accts, func(a, b AccountStatus) int { return int(a.CloudID - b.CloudID) })
	e.snap.Store(NewSnapshot(vms, accts, e.now()))
}

// NodeVM is the VM a tailnet node runs on, as the node list shows it.
type NodeVM struct {
	Key       int64           `json:"key"`
	Name      string          `json:"name"`
	Provider  string          `json:"provider"`
	CloudName string          `json:"cloudName"`
	State     providers.State `json:"state"`
	OS        string          `json:"os,omitempty"`
	// Gone: the VM vanished from its cloud; the node is orphaned.
	Gone bool `json:"gone"`
}

// VMOfNode is the VM the inventory linked to a tailnet node.
func (e *Engine) VMOfNode(id uint64) (NodeVM, bool) {
	if m := e.nodeVMs.Load(); m != nil {
		vm, ok := (*m)[id]
		return vm, ok
	}
	return NodeVM{}, false
}

// Refresh rebuilds the snapshot now (after the tailnet changed, say).
func (e *Engine) Refresh() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.publishSnapshot()
}

// LinkKey records that pre-auth key keyID was minted to enroll VM key, so
// the node that uses it is linked to the VM exactly.
func (e *Engine) LinkKey(keyID uint64, vmKey int64) {
	e.mu.Lock()
	e.keyVM[keyID] = vmKey
	e.dirty.Store(true)
	e.mu.Unlock()
	e.wake()
}

// SyncRuns returns an account's sync history, newest first.
func (e *Engine) SyncRuns(ctx context.Context, cloudID int64, limit int) ([]store.SyncRun, error) {
	return e.store.ListSyncRuns(ctx, cloudID, limit)
}

// NodesChanged re-joins VMs to nodes at the next tick.
func (e *Engine) NodesChanged() {
	e.dirty.Store(true)
	e.wake()
}
