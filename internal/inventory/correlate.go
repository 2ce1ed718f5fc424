package inventory

import (
	"bytes"
	"cmp"
	"net/netip"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/neogenesys/console/headscale"
)

// Tailnet address ranges Headscale hands out by default.
var (
	tailnetV4 = netip.MustParsePrefix("100.64.0.0/10")
	tailnetV6 = netip.MustParsePrefix("fd7a:115c:a1e0::/48")
)

// Correlate joins VMs to tailnet nodes in place: it sets each VM's
// Enrollment, NodeID, NodeName and NodeLink (clearing what was there). A VM
// gets at most one node and a node at most one VM. The links, strongest
// first, each made only between a VM and a node not linked yet:
//
//  1. key: the node registered with a pre-auth key the console minted for
//     the VM (keyVM maps pre-auth key id → VM Key). Several nodes with keys
//     for one VM (a reusable key, a re-enrollment): the online one wins,
//     then the one seen last, then the highest id.
//  2. ip: the VM reports one of the node's tailnet addresses
//     (100.64.0.0/10, fd7a:115c:a1e0::/48) among its own.
//  3. hostname: the node's reported hostname (its given name when it
//     reported none) and the VM's name normalized (see hostKey) are equal,
//     exactly one VM has that name and exactly one node has it.
//
// Gone VMs (GoneAt set) take part: a node that was a gone VM's stays linked
// to it until the VM is removed, instead of drifting to another VM. Where a
// present VM and a gone one compete (same tailnet address, same name), the
// present one wins: a recreated VM replaces its old self.
//
// A linked VM is enrolled-online or enrolled-offline after its node's
// Online; the rest are not-enrolled. orphans are the ids, ascending, of the
// nodes linked to a gone VM: the machine's VM no longer exists.
func Correlate(vms []VM, nodes []headscale.Node, keyVM map[uint64]int64) (orphans []uint64) {
	for i := range vms {
		vms[i].Enrollment, vms[i].NodeID, vms[i].NodeName, vms[i].NodeLink = NotEnrolled, 0, "", ""
	}
	if len(vms) == 0 || len(nodes) == 0 {
		return nil
	}
	nodeUsed := make([]bool, len(nodes))
	link := func(v *VM, n int, how Link) {
		nodeUsed[n] = true
		v.NodeID, v.NodeName, v.NodeLink = nodes[n].ID, nodes[n].Name, how
		v.Enrollment = EnrolledOffline
		if nodes[n].Online {
			v.Enrollment = EnrolledOnline
		}
	}

	// 1. Keys minted for a VM, the preferred node first.
	if len(keyVM) > 0 {
		order := make([]int, 0, len(nodes))
		for n := range nodes {
			if _, ok := keyVM[nodes[n].PreAuthKeyID]; ok && nodes[n].PreAuthKeyID != 0 {
				order = append(order, n)
			}
		}
		slices.SortFunc(order, func(a, b int) int { return preferNode(&nodes[a], &nodes[b]) })
		want := make(map[int64]int, len(order)) // VM Key → its preferred node
		for _, n := range order {
			if k := keyVM[nodes[n].PreAuthKeyID]; !mapHas(want, k) {
				want[k] = n
			}
		}
		for i := range vms {
			if n, ok := want[vms[i].Key]; ok && !nodeUsed[n] && vms[i].NodeLink == "" {
				link(&vms[i], n, LinkKey)
			}
		}
	}

	// 2. Tailnet addresses: present VMs first, then gone ones.
	byAddr := make(map[netip.Addr]int, 2*len(nodes))
	for n := range nodes {
		if nodeUsed[n] {
			continue
		}
		for _, s := range nodes[n].IPAddresses {
			if a, ok := tailnetAddr(s); ok {
				byAddr[a] = n
			}
		}
	}
	if len(byAddr) > 0 {
		for _, gone := range []bool{false, true} {
			for i := range vms {
				v := &vms[i]
				if v.NodeLink != "" || !v.GoneAt.IsZero() != gone {
					continue
				}
				if n, ok := addrMatch(v, byAddr, nodeUsed); ok {
					link(v, n, LinkIP)
				}
			}
		}
	}

	// 3. Hostnames, unique on both sides.
	type names struct {
		node            int // index of the (last) node with the name
		nodes           int // unlinked nodes with the name
		present, gone   int // index of the last VM of each kind with the name
		nPresent, nGone int
	}
	byName := make(map[string]*names, len(nodes))
	for n := range nodes {
		if nodeUsed[n] {
			continue
		}
		if k := hostKey(cmp.Or(nodes[n].Hostname, nodes[n].Name)); k != "" {
			e := byName[k]
			if e == nil {
				e = &names{}
				byName[k] = e
			}
			e.node, e.nodes = n, e.nodes+1
		}
	}
	if len(byName) > 0 {
		var buf []byte
		for i := range vms {
			if vms[i].NodeLink != "" {
				continue
			}
			buf = appendHostKey(buf[:0], vms[i].Name)
			e := byName[string(buf)]
			switch {
			case e == nil:
			case vms[i].GoneAt.IsZero():
				e.present, e.nPresent = i, e.nPresent+1
			default:
				e.gone, e.nGone = i, e.nGone+1
			}
		}
		for _, e := range byName { // each entry links its own node and VM: order is free
			switch {
			case e.nodes != 1:
			case e.nPresent == 1:
				link(&vms[e.present], e.node, LinkHostname)
			case e.nPresent == 0 && e.nGone == 1:
				link(&vms[e.gone], e.node, LinkHostname)
			}
		}
	}

	for i := range vms {
		if vms[i].NodeLink != "" && !vms[i].GoneAt.IsZero() {
			orphans = append(orphans, vms[i].NodeID)
		}
	}
	slices.Sort(orphans)
	return orphans
}

// mapHas reports whether m has key k.
func mapHas[K comparable, V any](m map[K]V, k K) bool {
	_, ok := m[k]
	return ok
}

// preferNode orders nodes competing for one VM: online first, then the one
// seen last, then the highest id.
func preferNode(a, b *headscale.Node) int {
	if a.Online != b.Online {
		if a.Online {
			return -1
		}
		return 1
	}
	if c := b.LastSeen.Compare(a.LastSeen); c != 0 {
		return c
	}
	return cmp.Compare(b.ID, a.ID)
}

// addrMatch finds an unlinked node owning one of v's addresses.
func addrMatch(v *VM, byAddr map[netip.Addr]int, nodeUsed []bool) (int, bool) {
	for _, list := range [2][]string{v.PrivateIPs, v.PublicIPs} {
		for _, s := range list {
			a, ok := tailnetAddr(s)
			if !ok {
				continue
			}
			if n, ok := byAddr[a]; ok && !nodeUsed[n] {
				return n, true
			}
		}
	}
	return 0, false
}

// tailnetAddr parses s ("100.64.0.1", "fd7a:115c:a1e0::1", with or without
// a /prefix length) and says whether it is in a tailnet range.
func tailnetAddr(s string) (netip.Addr, bool) {
	// Cheap rejection first: most cloud addresses are 10.x, 172.x, 192.x or public.
	if len(s) < 4 || (s[:4] != "100." && !strings.EqualFold(s[:4], "fd7a")) {
		return netip.Addr{}, false
	}
	if p, _, ok := strings.Cut(s, "/"); ok {
		s = p
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	a = a.Unmap().WithZone("")
	return a, tailnetV4.Contains(a) || tailnetV6.Contains(a)
}

// hostKey normalizes a host or VM name for comparison: trimmed, lower-case,
// the domain cut off ("Web_01.corp.example" → "web-01"), '_' and ' ' made
// '-', leading and trailing '-' trimmed. An IP address, or nothing left,
// gives "" (never matched).
func hostKey(name string) string { return string(appendHostKey(nil, name)) }

// appendHostKey appends hostKey(name) to dst; with a reused dst, a map
// lookup by string(dst) costs no allocation.
func appendHostKey(dst []byte, name string) []byte {
	name = strings.TrimSpace(name)
	if name == "" {
		return dst
	}
	if c := name[0]; ('0' <= c && c <= '9' || strings.Contains(name, ":")) && isAddr(name) {
		return dst
	}
	if host, _, ok := strings.Cut(name, "."); ok {
		name = host
	}
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf { // rare: let the unicode tables lower it
			name = strings.ToLower(name)
			break
		}
	}
	start := len(dst)
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_' || c == ' ':
			c = '-'
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	key := bytes.Trim(dst[start:], "- \t")
	return append(dst[:start], key...)
}

// isAddr reports whether s is an IP address.
func isAddr(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// NodeOS maps node id → the OS of the VM linked to it, for VMs whose
// provider reports one. Call it on VMs Correlate has linked; it lets the
// nodes list show an OS instead of "unknown".
func NodeOS(vms []VM) map[uint64]string {
	out := map[uint64]string{}
	for i := range vms {
		if vms[i].NodeID != 0 && vms[i].OS != "" {
			out[vms[i].NodeID] = vms[i].OS
		}
	}
	return out
}
