package proxmox

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"sync"

	"github.com/neogenesys/console/providers"
)

// lookup is a listed guest waiting for its addresses.
type lookup struct {
	vm   providers.VM
	typ  string
	vmid int
	node string
}

// emitWithAddresses looks up the guests' addresses with at most p.workers
// requests in flight and emits each guest as its look-up ends, from this
// goroutine only. A failed look-up leaves the addresses empty; an emit
// error or the context ending stops the rest.
func (p *Provider) emitWithAddresses(parent context.Context, guests []lookup, emit func(providers.VM) error) error {
	if len(guests) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	jobs := make(chan int, len(guests))
	for i := range guests {
		jobs <- i
	}
	close(jobs)
	done := make(chan int, len(guests)) // buffered: workers never wait on emit
	var wg sync.WaitGroup
	for range min(p.workers, len(guests)) {
		wg.Go(func() {
			for i := range jobs {
				if ctx.Err() != nil {
					return
				}
				p.lookupAddresses(ctx, &guests[i])
				done <- i
			}
		})
	}
	go func() { wg.Wait(); close(done) }()

	var emitErr error
	for i := range done { // until every worker has returned
		if emitErr != nil || ctx.Err() != nil {
			continue
		}
		if err := emit(guests[i].vm); err != nil {
			emitErr = err
			cancel()
		}
	}
	if emitErr != nil {
		return emitErr
	}
	if err := parent.Err(); err != nil {
		return classify("list", err)
	}
	return nil
}

// agentAnswer is the guest agent's network-get-interfaces result.
type agentAnswer struct {
	Result []struct {
		Name        text `json:"name"`
		IPAddresses []struct {
			Address text `json:"ip-address"`
		} `json:"ip-addresses"`
	} `json:"result"`
}

// lxcInterface is one entry of /nodes/{node}/lxc/{vmid}/interfaces; newer
// PVE versions add the ip-addresses list beside inet and inet6.
type lxcInterface struct {
	Name        text `json:"name"`
	Inet        text `json:"inet"`  // "10.0.0.5/24"
	Inet6       text `json:"inet6"` // may hold several, space separated
	IPAddresses []struct {
		Address text `json:"ip-address"`
	} `json:"ip-addresses"`
}

// lookupAddresses fills g's addresses: qemu VMs through the guest agent, lxc
// containers from the host's view of their interfaces. Errors (no agent,
// agent not running, a slow node) leave them empty; the look-up is bounded
// by addressTimeout.
func (p *Provider) lookupAddresses(ctx context.Context, g *lookup) {
	ctx, cancel := context.WithTimeout(ctx, addressTimeout)
	defer cancel()
	base := fmt.Sprintf("/nodes/%s/%s/%d", url.PathEscape(g.node), g.typ, g.vmid)
	var found []string
	switch g.typ {
	case "qemu":
		var a agentAnswer
		if p.get(ctx, base+"/agent/network-get-interfaces", &a) != nil {
			return
		}
		for _, iface := range a.Result {
			for _, ip := range iface.IPAddresses {
				found = append(found, string(ip.Address))
			}
		}
	case "lxc":
		var ifaces []lxcInterface
		if p.get(ctx, base+"/interfaces", &ifaces) != nil {
			return
		}
		for _, iface := range ifaces {
			found = append(found, strings.Fields(string(iface.Inet)+" "+string(iface.Inet6))...)
			for _, ip := range iface.IPAddresses {
				found = append(found, string(ip.Address))
			}
		}
	}
	g.vm.PrivateIPs, g.vm.PublicIPs = sortAddresses(found)
}

// sharedSpace is RFC 6598's 100.64.0.0/10, where carrier NAT and tailnets
// (Tailscale, Headscale) put their addresses: private, not public.
var sharedSpace = netip.MustParsePrefix("100.64.0.0/10")

// sortAddresses splits addresses ("10.0.0.5", "10.0.0.5/24", "fe80::1%eth0")
// into private and public ones, dropping loopback, link-local, multicast,
// unspecified, unparsable and repeated ones. Both slices are non-nil.
func sortAddresses(in []string) (private, public []string) {
	private, public = []string{}, []string{}
	seen := map[netip.Addr]bool{}
	for _, s := range in {
		s, _, _ = strings.Cut(strings.TrimSpace(s), "/")
		a, err := netip.ParseAddr(s)
		if err != nil {
			continue
		}
		a = a.WithZone("").Unmap()
		if seen[a] || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsMulticast() || a.IsUnspecified() {
			continue
		}
		seen[a] = true
		if a.IsPrivate() || sharedSpace.Contains(a) {
			private = append(private, a.String())
		} else {
			public = append(public, a.String())
		}
	}
	return private, public
}
