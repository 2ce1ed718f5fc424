package inventory

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/providers"
)

var corAt = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// cvm is a VM for correlation tests.
func corVM(key int64, name string, ips ...string) VM {
	return VM{Key: key, VM: providers.VM{Name: name, PrivateIPs: ips}}
}

func corGone(v VM) VM { v.GoneAt = corAt; return v }

func corNode(id uint64, host string, online bool, ips ...string) headscale.Node {
	return headscale.Node{ID: id, Name: fmt.Sprintf("given-%d", id), Hostname: host, Online: online, IPAddresses: ips}
}

func corKey(n headscale.Node, keyID uint64) headscale.Node { n.PreAuthKeyID = keyID; return n }

// corLink is what Correlate decided for one VM.
type corLink struct {
	Node uint64
	How  Link
	Enr  Enrollment
}

func TestCorrelate(t *testing.T) {
	tests := []struct {
		name    string
		vms     []VM
		nodes   []headscale.Node
		keyVM   map[uint64]int64
		want    map[int64]corLink // by VM key; VMs not listed are not enrolled
		orphans []uint64
	}{
		{
			name:  "key",
			vms:   []VM{corVM(1, "alpha"), corVM(2, "beta")},
			nodes: []headscale.Node{corKey(corNode(10, "something-else", true), 7)},
			keyVM: map[uint64]int64{7: 2},
			want:  map[int64]corLink{2: {10, LinkKey, EnrolledOnline}},
		},
		{
			name:  "key of a removed VM falls through to the hostname",
			vms:   []VM{corVM(1, "alpha")},
			nodes: []headscale.Node{corKey(corNode(10, "alpha", false), 7)},
			keyVM: map[uint64]int64{7: 99},
			want:  map[int64]corLink{1: {10, LinkHostname, EnrolledOffline}},
		},
		{
			name:  "pre-auth key id 0 is no key",
			vms:   []VM{corVM(1, "alpha")},
			nodes: []headscale.Node{corNode(10, "x", true)},
			keyVM: map[uint64]int64{0: 1},
			want:  map[int64]corLink{},
		},
		{
			name: "two nodes with keys for one VM: the online one wins, the other is free",
			vms:  []VM{corVM(1, "alpha"), corVM(2, "old-box")},
			nodes: []headscale.Node{
				corKey(corNode(10, "old-box", false), 7),
				corKey(corNode(11, "alpha", true), 8),
			},
			keyVM: map[uint64]int64{7: 1, 8: 1},
			want: map[int64]corLink{
				1: {11, LinkKey, EnrolledOnline},
				2: {10, LinkHostname, EnrolledOffline},
			},
		},
		{
			name: "two offline nodes with keys for one VM: the one seen last wins",
			vms:  []VM{corVM(1, "alpha")},
			nodes: func() []headscale.Node {
				a, b := corKey(corNode(10, "a", false), 7), corKey(corNode(11, "b", false), 8)
				a.LastSeen, b.LastSeen = corAt, corAt.Add(-time.Hour)
				return []headscale.Node{b, a}
			}(),
			keyVM: map[uint64]int64{7: 1, 8: 1},
			want:  map[int64]corLink{1: {10, LinkKey, EnrolledOffline}},
		},
		{
			name:  "tailnet IPv4 among the private addresses",
			vms:   []VM{corVM(1, "alpha", "10.0.0.5", "100.64.0.9")},
			nodes: []headscale.Node{corNode(10, "unrelated", true, "100.64.0.9", "fd7a:115c:a1e0::9")},
			want:  map[int64]corLink{1: {10, LinkIP, EnrolledOnline}},
		},
		{
			name: "tailnet IPv6 among the public addresses, spelled differently",
			vms: []VM{{Key: 1, VM: providers.VM{Name: "alpha",
				PublicIPs: []string{"fd7a:115c:a1e0:0:0:0:0:9/128"}}}},
			nodes: []headscale.Node{corNode(10, "unrelated", false, "100.64.0.9", "fd7a:115c:a1e0::9")},
			want:  map[int64]corLink{1: {10, LinkIP, EnrolledOffline}},
		},
		{
			name:  "a shared non-tailnet address is no link",
			vms:   []VM{corVM(1, "alpha", "10.0.0.5")},
			nodes: []headscale.Node{corNode(10, "unrelated", true, "10.0.0.5")},
			want:  map[int64]corLink{},
		},
		{
			name:  "hostname normalized: case, domain, underscore, space",
			vms:   []VM{corVM(1, "Web_01"), corVM(2, " db server "), corVM(3, "cache")},
			nodes: []headscale.Node{corNode(10, "web-01.corp.example.com", true), corNode(11, "DB-Server", false), corNode(12, "CACHE.local", true)},
			want: map[int64]corLink{
				1: {10, LinkHostname, EnrolledOnline},
				2: {11, LinkHostname, EnrolledOffline},
				3: {12, LinkHostname, EnrolledOnline},
			},
		},
		{
			name:  "a node without a hostname matches on its given name",
			vms:   []VM{corVM(1, "given-10")},
			nodes: []headscale.Node{corNode(10, "", true)},
			want:  map[int64]corLink{1: {10, LinkHostname, EnrolledOnline}},
		},
		{
			name:  "two VMs with one name: no hostname link",
			vms:   []VM{corVM(1, "web"), corVM(2, "WEB")},
			nodes: []headscale.Node{corNode(10, "web", true)},
			want:  map[int64]corLink{},
		},
		{
			name:  "two nodes with one name: no hostname link",
			vms:   []VM{corVM(1, "web")},
			nodes: []headscale.Node{corNode(10, "web", true), corNode(11, "web.lan", true)},
			want:  map[int64]corLink{},
		},
		{
			name:  "a VM linked by IP leaves its name to the other VM",
			vms:   []VM{corVM(1, "web", "100.64.0.1"), corVM(2, "web")},
			nodes: []headscale.Node{corNode(10, "x", true, "100.64.0.1"), corNode(11, "web", true)},
			want:  map[int64]corLink{1: {10, LinkIP, EnrolledOnline}, 2: {11, LinkHostname, EnrolledOnline}},
		},
		{
			name:  "IP addresses and names are never hostnames",
			vms:   []VM{corVM(1, "100.64.0.1"), corVM(2, "..."), corVM(3, "")},
			nodes: []headscale.Node{corNode(10, "100.64.0.1", true), corNode(11, ".", true), corNode(12, "", true)},
			want:  map[int64]corLink{},
		},
		{
			name: "precedence: key over IP over hostname",
			vms: []VM{
				corVM(1, "alpha"),                // key of node 10
				corVM(2, "beta", "100.64.0.10"),  // reports node 10's address, which is taken
				corVM(3, "gamma", "100.64.0.11"), // node 11 by IP though node 12 is called gamma
				corVM(4, "delta"),
			},
			nodes: []headscale.Node{
				corKey(corNode(10, "beta", true, "100.64.0.10"), 7),
				corNode(11, "delta", true, "100.64.0.11"),
				corNode(12, "gamma", false),
			},
			keyVM: map[uint64]int64{7: 1},
			want: map[int64]corLink{
				1: {10, LinkKey, EnrolledOnline},
				3: {11, LinkIP, EnrolledOnline},
			},
		},
		{
			name: "gone VM keeps its node, which is orphaned",
			vms:  []VM{corGone(corVM(1, "alpha")), corGone(corVM(2, "beta", "100.64.0.2")), corGone(corVM(3, "gamma"))},
			nodes: []headscale.Node{
				corKey(corNode(10, "x", true), 7),
				corNode(11, "y", false, "100.64.0.2"),
				corNode(12, "gamma", true),
			},
			keyVM: map[uint64]int64{7: 1},
			want: map[int64]corLink{
				1: {10, LinkKey, EnrolledOnline},
				2: {11, LinkIP, EnrolledOffline},
				3: {12, LinkHostname, EnrolledOnline},
			},
			orphans: []uint64{10, 11, 12},
		},
		{
			name:  "a recreated VM wins the name over its gone self",
			vms:   []VM{corGone(corVM(1, "web")), corVM(2, "web")},
			nodes: []headscale.Node{corNode(10, "web", true)},
			want:  map[int64]corLink{2: {10, LinkHostname, EnrolledOnline}},
		},
		{
			name:  "a present VM wins an address over a gone one",
			vms:   []VM{corGone(corVM(1, "a", "100.64.0.1")), corVM(2, "b", "100.64.0.1")},
			nodes: []headscale.Node{corNode(10, "c", true, "100.64.0.1")},
			want:  map[int64]corLink{2: {10, LinkIP, EnrolledOnline}},
		},
		{
			name:  "two gone VMs with one name: no link, no orphan",
			vms:   []VM{corGone(corVM(1, "web")), corGone(corVM(2, "web"))},
			nodes: []headscale.Node{corNode(10, "web", true)},
			want:  map[int64]corLink{},
		},
		{
			name:  "no nodes",
			vms:   []VM{corVM(1, "alpha")},
			want:  map[int64]corLink{},
			keyVM: map[uint64]int64{7: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vms := slices.Clone(tt.vms)
			for i := range vms { // leftovers of an earlier join must be cleared
				vms[i].NodeID, vms[i].NodeName, vms[i].NodeLink, vms[i].Enrollment = 999, "stale", LinkKey, EnrolledOnline
			}
			orphans := Correlate(vms, tt.nodes, tt.keyVM)
			got := map[int64]corLink{}
			names := map[uint64]string{}
			for _, n := range tt.nodes {
				names[n.ID] = n.Name
			}
			for _, v := range vms {
				if v.Enrollment == NotEnrolled && v.NodeID == 0 && v.NodeName == "" && v.NodeLink == "" {
					continue
				}
				got[v.Key] = corLink{v.NodeID, v.NodeLink, v.Enrollment}
				if v.NodeName != names[v.NodeID] {
					t.Errorf("VM %d: NodeName = %q, want %q", v.Key, v.NodeName, names[v.NodeID])
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("links by VM key (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.orphans, orphans); diff != "" {
				t.Errorf("orphans (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHostKey(t *testing.T) {
	for in, want := range map[string]string{
		"web-01":                  "web-01",
		"Web_01.corp.example.com": "web-01",
		"  My Server  ":           "my-server",
		"_edge_":                  "edge",
		"ÉTÉ":                     "été",
		"10.0.0.1":                "",
		"fd7a:115c:a1e0::1":       "",
		"10-web":                  "10-web",
		"":                        "",
		".hidden":                 "",
	} {
		if got := hostKey(in); got != want {
			t.Errorf("hostKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNodeOS(t *testing.T) {
	vms := []VM{
		{Key: 1, NodeID: 10, VM: providers.VM{OS: "ubuntu 24.04"}},
		{Key: 2, NodeID: 11},
		{Key: 3, VM: providers.VM{OS: "debian"}},
	}
	want := map[uint64]string{10: "ubuntu 24.04"}
	if diff := cmp.Diff(want, NodeOS(vms)); diff != "" {
		t.Errorf("NodeOS (-want +got):\n%s", diff)
	}
}

// corFleet makes n VMs and m nodes: every tenth VM is enrolled, a third of those
// by key, a third by tailnet address, a third by hostname.
func corFleet(n, m int) ([]VM, []headscale.Node, map[uint64]int64) {
	vms := make([]VM, n)
	for i := range vms {
		vms[i] = VM{Key: int64(i + 1), VM: providers.VM{
			Name:       fmt.Sprintf("VM_%06d.internal", i),
			PrivateIPs: []string{fmt.Sprintf("10.%d.%d.%d", i>>16, i>>8&255, i&255)},
			PublicIPs:  []string{fmt.Sprintf("203.0.%d.%d", i>>8&255, i&255)},
		}}
	}
	nodes := make([]headscale.Node, m)
	keyVM := map[uint64]int64{}
	for j := range nodes {
		i := j * 10 % n
		ip := fmt.Sprintf("100.%d.%d.%d", 64+j>>16, j>>8&255, j&255)
		nodes[j] = headscale.Node{ID: uint64(j + 1), Name: fmt.Sprintf("n%d", j), Hostname: fmt.Sprintf("host-%d", j),
			Online: j%2 == 0, IPAddresses: []string{ip, fmt.Sprintf("fd7a:115c:a1e0::%x", j+1)}}
		switch j % 3 {
		case 0:
			nodes[j].PreAuthKeyID = uint64(j + 1)
			keyVM[uint64(j+1)] = vms[i].Key
		case 1:
			vms[i].PrivateIPs = append(vms[i].PrivateIPs, ip)
		case 2:
			nodes[j].Hostname = fmt.Sprintf("vm-%06d", i)
		}
	}
	return vms, nodes, keyVM
}

func TestCorrelateFleet(t *testing.T) {
	vms, nodes, keyVM := corFleet(1000, 100)
	Correlate(vms, nodes, keyVM)
	counts := map[Link]int{}
	for _, v := range vms {
		counts[v.NodeLink]++
	}
	want := map[Link]int{LinkKey: 34, LinkIP: 33, LinkHostname: 33, "": 900}
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Errorf("links (-want +got):\n%s", diff)
	}
}

// BenchmarkCorrelate joins 100,000 VMs to 10,000 nodes.
func BenchmarkCorrelate(b *testing.B) {
	if testing.Short() {
		b.Skip("large fleet; skipped with -short")
	}
	vms, nodes, keyVM := corFleet(100_000, 10_000)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		Correlate(vms, nodes, keyVM)
	}
	b.ReportMetric(time.Since(start).Seconds()*1000/float64(b.N), "ms/op")
}
