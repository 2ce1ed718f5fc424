package inventory

import (
	"context"
	"slices"

	"github.com/neogenesys/console/internal/store"
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
		if nodes, err := e.nodes(); err == nil {
			Correlate(vms, nodes, e.keyVM)
		}
	}
	nodeOS := NodeOS(vms)
	e.nodeOS.Store(&nodeOS)
	accts := make([]AccountStatus, 0, len(e.status))
	for _, st := range e.status {
		accts = append(accts, *st)
	}
	slices.SortFunc(accts, func(a, b AccountStatus) int { return int(a.CloudID - b.CloudID) })
	e.snap.Store(NewSnapshot(vms, accts, e.now()))
}

// OSOfNode is the OS of the VM linked to a tailnet node, "" when none.
func (e *Engine) OSOfNode(id uint64) string {
	if m := e.nodeOS.Load(); m != nil {
		return (*m)[id]
	}
	return ""
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
