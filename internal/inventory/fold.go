package inventory

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/neogenesys/console/internal/store"
	"github.com/neogenesys/console/providers"
)

// Changes counts what a sync changed.
type Changes struct {
	Added   int `json:"added"`
	Changed int `json:"changed"`
	Gone    int `json:"gone"`
	Removed int `json:"removed"`
}

// fold merges one listing of account a into the inventory. Every listed VM
// is upserted (written only when it changed); when the listing is complete,
// the account's VMs it missed are marked gone, and those gone longer than
// the grace period are removed. An incomplete listing (an error part way)
// never marks anything gone: the VMs it did not reach keep their last data,
// marked stale.
func (e *Engine) fold(ctx context.Context, a store.CloudAccount, listed []providers.VM, complete bool, now time.Time) (Changes, error) {
	var ch Changes
	type pending struct {
		vm   *VM // nil: new
		pv   providers.VM
		data []byte
	}
	var writes []pending
	var stateEvents []map[string]any

	e.mu.Lock()
	known := e.byCloud[a.ID]
	seen := make(map[string]bool, len(listed))
	for _, pv := range listed {
		if pv.ID == "" || seen[pv.ID] {
			continue
		}
		seen[pv.ID] = true
		data, err := json.Marshal(pv)
		if err != nil {
			continue
		}
		key, ok := known[pv.ID]
		if !ok {
			writes = append(writes, pending{pv: pv, data: data})
			continue
		}
		vm := e.vms[key]
		vm.LastSeen, vm.Stale = now, false
		old, _ := json.Marshal(vm.VM)
		if bytes.Equal(old, data) && vm.GoneAt.IsZero() {
			continue
		}
		if vm.State != pv.State {
			stateEvents = append(stateEvents, map[string]any{"key": vm.Key, "cloudId": a.ID, "id": pv.ID,
				"name": pv.Name, "state": pv.State, "previous": vm.State})
		}
		writes = append(writes, pending{vm: vm, pv: pv, data: data})
	}
	var gone []*VM
	var remove []int64
	for id, key := range known {
		if seen[id] {
			continue
		}
		vm := e.vms[key]
		switch {
		case !complete:
			vm.Stale = true
		case vm.GoneAt.IsZero():
			gone = append(gone, vm)
		case now.Sub(vm.GoneAt) >= e.opts.GoneGrace:
			remove = append(remove, key)
		}
	}
	e.mu.Unlock()

	// Persist outside the lock: readers keep the previous snapshot meanwhile.
	rows := make([]store.StoredVM, 0, len(writes)+len(gone))
	for _, w := range writes {
		r := store.StoredVM{CloudID: a.ID, ProviderID: w.pv.ID, Data: string(w.data), FirstSeen: now, LastSeen: now}
		if w.vm != nil {
			r.FirstSeen = w.vm.FirstSeen
		}
		rows = append(rows, r)
	}
	for _, vm := range gone {
		data, _ := json.Marshal(vm.VM)
		rows = append(rows, store.StoredVM{CloudID: a.ID, ProviderID: vm.ID, Data: string(data),
			FirstSeen: vm.FirstSeen, LastSeen: vm.LastSeen, GoneAt: now})
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	// One account writes at a time: SQLite has one writer, and waiting on a
	// Go mutex beats its busy-retry sleeps.
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	saved, err := e.store.SaveVMs(wctx, rows)
	if err != nil {
		return ch, err
	}
	if len(remove) > 0 {
		if err := e.store.DeleteVMs(wctx, remove); err != nil {
			return ch, err
		}
	}

	e.mu.Lock()
	if _, live := e.status[a.ID]; !live { // removed meanwhile: its rows went with it
		e.mu.Unlock()
		return ch, nil
	}
	for i, w := range writes {
		if w.vm == nil {
			vm := &VM{VM: w.pv, Key: saved[i].ID, CloudID: a.ID, CloudName: a.Name, FirstSeen: now, LastSeen: now}
			e.index(vm)
			ch.Added++
			continue
		}
		w.vm.VM, w.vm.GoneAt = w.pv, time.Time{}
		ch.Changed++
	}
	for _, vm := range gone {
		vm.GoneAt = now
		ch.Gone++
	}
	for _, key := range remove {
		if vm, ok := e.vms[key]; ok {
			delete(e.byCloud[a.ID], vm.ID)
			delete(e.vms, key)
			ch.Removed++
		}
	}
	e.dirty.Store(true)
	e.mu.Unlock()

	for _, ev := range stateEvents {
		e.pub.Publish("vm.state", ev)
	}
	if ch.Added+ch.Gone+ch.Removed > 0 {
		e.pub.Publish("vm.inventory", map[string]any{"cloudId": a.ID, "added": ch.Added, "gone": ch.Gone, "removed": ch.Removed})
	}
	return ch, nil
}
