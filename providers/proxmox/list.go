package proxmox

import (
	"context"
	"encoding/json"

	"github.com/neogenesys/console/providers"
)

// List emits every qemu VM and lxc container of the cluster, templates left
// out. One GET /cluster/resources?type=vm covers every node (PVE has no
// paging); GET /cluster/status before it names the cluster and the offline
// nodes. Running guests on reachable nodes then get their addresses, one
// request each, in parallel (see addresses.go). emit is only ever called
// from the calling goroutine.
func (p *Provider) List(ctx context.Context, emit func(providers.VM) error) error {
	c, err := p.clusterStatus(ctx)
	if err != nil {
		return classify("list", err)
	}
	var raw []json.RawMessage
	if err := p.get(ctx, "/cluster/resources?type=vm", &raw); err != nil {
		return classify("list", err)
	}

	var partial providers.Partial
	nodeOf := make(map[string]string, len(raw))
	var pending []lookup
	for i, r := range raw {
		g, hint, err := decodeGuest(r)
		if err != nil {
			partial.Skip("cluster/resources record %d (%s): %v", i, hint, err)
			continue
		}
		if g.template {
			continue
		}
		vm := p.vm(g, c)
		nodeOf[vm.ID] = g.node
		if p.addresses && vm.State == providers.StateRunning {
			pending = append(pending, lookup{vm: vm, typ: g.typ, vmid: g.vmid, node: g.node})
			continue
		}
		if err := emit(vm); err != nil {
			return err
		}
	}
	p.rememberNodes(nodeOf)
	if err := p.emitWithAddresses(ctx, pending, emit); err != nil {
		return err
	}
	return partial.Err()
}

// rememberNodes keeps where each guest was, so Power needs no lookup.
func (p *Provider) rememberNodes(nodeOf map[string]string) {
	p.nodesMu.Lock()
	defer p.nodesMu.Unlock()
	p.nodeOf = nodeOf
}

func (p *Provider) cachedNode(id string) (string, bool) {
	p.nodesMu.Lock()
	defer p.nodesMu.Unlock()
	n, ok := p.nodeOf[id]
	return n, ok
}
