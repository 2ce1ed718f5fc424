package pvesim

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/neogenesys/console/providers/sim"
)

const (
	mib = 1 << 20
	gib = 1 << 30
)

// defaultNode hosts fleet VMs that name no host (PVE's default hostname).
const defaultNode = "pve"

func hostOf(vm *sim.VM) string {
	if vm.Host == "" {
		return defaultNode
	}
	return vm.Host
}

func kindOf(vm *sim.VM) string {
	if vm.Kind == "" {
		return "qemu"
	}
	return vm.Kind
}

// nodes lists the cluster's nodes: Options.Nodes and every guest's host,
// sorted.
func (s *Server) nodes() []string {
	seen := map[string]bool{}
	for _, n := range s.opts.Nodes {
		seen[n] = true
	}
	// The keep function sees each VM under the fleet's lock and keeps none,
	// so nothing is copied.
	s.Fleet.List(func(vm *sim.VM) bool {
		seen[hostOf(vm)] = true
		return false
	})
	if len(seen) == 0 {
		seen[defaultNode] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

func (s *Server) knownNode(node string) bool {
	return slices.Contains(s.nodes(), node)
}

func (s *Server) version(w http.ResponseWriter, _ *http.Request) {
	release := s.opts.Version // "8.2.4" is release "8.2"
	if i := strings.LastIndex(release, "."); i > 0 {
		release = release[:i]
	}
	writeData(w, map[string]string{"version": s.opts.Version, "release": release, "repoid": "faa83925c9641325"})
}

func nodeIP(i int) string { return fmt.Sprintf("192.168.10.%d", 11+i) }

// clusterStatus is GET /cluster/status: a cluster entry (none on a
// standalone host) and one entry per node with its online flag.
func (s *Server) clusterStatus(w http.ResponseWriter, _ *http.Request) {
	nodes := s.nodes()
	if s.opts.Standalone {
		nodes = nodes[:1]
	}
	out := make([]map[string]any, 0, len(nodes)+1)
	online := 0
	for i, n := range nodes {
		up := 1
		if s.isOffline(n) {
			up = 0
		}
		online += up
		nodeID := i + 1
		if s.opts.Standalone {
			nodeID = 0
		}
		out = append(out, map[string]any{
			"type": "node", "id": "node/" + n, "name": n, "nodeid": nodeID, "ip": nodeIP(i),
			"online": up, "local": map[bool]int{true: 1, false: 0}[i == 0], "level": "",
		})
	}
	if !s.opts.Standalone {
		quorate := 0
		if online*2 > len(nodes) {
			quorate = 1
		}
		out = append([]map[string]any{{
			"type": "cluster", "id": "cluster", "name": s.opts.Cluster,
			"nodes": len(nodes), "quorate": quorate, "version": len(nodes) + 2,
		}}, out...)
	}
	writeData(w, out)
}

// nodeIndex is GET /nodes.
func (s *Server) nodeIndex(w http.ResponseWriter, _ *http.Request) {
	nodes := s.nodes()
	out := make([]map[string]any, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, s.nodeEntry(n))
	}
	writeData(w, out)
}

func (s *Server) nodeEntry(n string) map[string]any {
	if s.isOffline(n) {
		return map[string]any{"id": "node/" + n, "type": "node", "node": n, "status": "offline", "level": ""}
	}
	return map[string]any{
		"id": "node/" + n, "type": "node", "node": n, "status": "online", "level": "",
		"maxcpu": 32, "maxmem": int64(256) * gib, "mem": int64(97) * gib, "cpu": 0.12,
		"maxdisk": int64(100) * gib, "disk": int64(23) * gib, "uptime": 1_209_600, "cgroup-mode": 2,
	}
}

// guestResource is one qemu or lxc entry of /cluster/resources.
type guestResource struct {
	ID        string  `json:"id"`
	Type      string  `json:"type"`
	VMID      any     `json:"vmid"`
	Name      string  `json:"name"`
	Node      string  `json:"node"`
	Status    string  `json:"status"`
	Template  int     `json:"template"`
	MaxCPU    int     `json:"maxcpu"`
	MaxMem    int64   `json:"maxmem"`
	MaxDisk   int64   `json:"maxdisk"`
	Mem       int64   `json:"mem"`
	Disk      int64   `json:"disk"`
	CPU       float64 `json:"cpu"`
	Uptime    int64   `json:"uptime"`
	NetIn     int64   `json:"netin"`
	NetOut    int64   `json:"netout"`
	DiskRead  int64   `json:"diskread"`
	DiskWrite int64   `json:"diskwrite"`
	Tags      string  `json:"tags,omitempty"`
	Pool      string  `json:"pool,omitempty"`
}

// status is the PVE word for a guest's state. A VM starting, stopping or
// rebooting still has its process: PVE says "running" until it is gone.
func status(vm *sim.VM, nodeOffline bool) string {
	switch {
	case nodeOffline:
		return "unknown"
	case vm.State == sim.Stopped:
		return "stopped"
	default:
		return "running"
	}
}

// pveTags renders fleet tags as PVE's "a;b" list: each value, or the key
// when the value is empty; the simulator's own keys are left out.
func pveTags(tags map[string]string) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		if strings.HasPrefix(k, "pvesim:") {
			continue
		}
		if v := tags[k]; v != "" {
			out = append(out, v)
		} else {
			out = append(out, k)
		}
	}
	return strings.Join(out, ";")
}

func uptime(vm *sim.VM) int64 {
	if vm.State == sim.Stopped {
		return 0
	}
	if d := time.Since(vm.Created); d > 0 {
		return int64(d.Seconds())
	}
	return 3600
}

// resource renders one fleet VM; ok is false for VMs PVE would not list
// (no numeric vmid, destroyed).
func (s *Server) resource(vm *sim.VM, offline map[string]bool, corrupt bool) (guestResource, bool) {
	vmid, err := strconv.Atoi(vm.ID)
	if err != nil || vm.State == sim.Terminated {
		return guestResource{}, false
	}
	kind, node := kindOf(vm), hostOf(vm)
	g := guestResource{
		ID: kind + "/" + vm.ID, Type: kind, VMID: vmid, Name: vm.Name, Node: node,
		Status: status(vm, offline[node]), MaxCPU: vm.VCPUs, MaxMem: vm.MemoryMB * mib,
		MaxDisk: vm.DiskGB * gib, Tags: pveTags(vm.Tags), Pool: vm.Group,
	}
	if vm.Tags[TagTemplate] != "" {
		g.Template = 1
	}
	if g.Status == "running" {
		g.Mem, g.CPU, g.Uptime = g.MaxMem/2, 0.03, uptime(vm)
		g.NetIn, g.NetOut, g.DiskRead, g.DiskWrite = 81_920_000, 40_960_000, 512*mib, 128*mib
	}
	if corrupt {
		g.VMID = "corrupt-" + vm.ID
	}
	return g, true
}

var resourceTypes = []string{"vm", "storage", "node", "sdn"}

// clusterResources is GET /cluster/resources[?type=vm|storage|node|sdn]:
// every guest of every node in one answer (PVE has no paging), and without
// a type also nodes, storages, SDN zones and pools.
func (s *Server) clusterResources(w http.ResponseWriter, r *http.Request) {
	typ := r.URL.Query().Get("type")
	if typ != "" && !slices.Contains(resourceTypes, typ) {
		writeErrorBody(w, http.StatusBadRequest, "Parameter verification failed.", map[string]any{
			"errors": map[string]string{"type": fmt.Sprintf("value '%s' does not have a value in the enumeration '%s'", typ, strings.Join(resourceTypes, ", "))},
		})
		return
	}
	s.mu.Lock()
	offline, corrupt := maps.Clone(s.offline), maps.Clone(s.corrupt)
	s.mu.Unlock()

	var out []any
	if typ == "" || typ == "vm" {
		for _, vm := range s.Fleet.List(nil) {
			if g, ok := s.resource(&vm, offline, corrupt[vm.ID]); ok {
				out = append(out, g)
			}
		}
	}
	nodes := s.nodes()
	if typ == "" || typ == "node" {
		for _, n := range nodes {
			out = append(out, s.nodeEntry(n))
		}
	}
	if typ == "" || typ == "storage" {
		for _, n := range nodes {
			for _, st := range []struct{ name, plugin, content string }{
				{"local", "dir", "iso,vztmpl,backup"}, {"local-lvm", "lvmthin", "rootdir,images"},
			} {
				e := map[string]any{"id": "storage/" + n + "/" + st.name, "type": "storage", "storage": st.name,
					"node": n, "plugintype": st.plugin, "content": st.content, "shared": 0, "status": "available"}
				if offline[n] {
					e["status"] = "unknown"
				} else {
					e["disk"], e["maxdisk"] = int64(40)*gib, int64(400)*gib
				}
				out = append(out, e)
			}
		}
	}
	if typ == "" || typ == "sdn" {
		for _, n := range nodes {
			out = append(out, map[string]any{"id": "sdn/" + n + "/localnetwork", "type": "sdn", "sdn": "localnetwork", "node": n, "status": "ok"})
		}
	}
	if typ == "" {
		pools := map[string]bool{}
		s.Fleet.List(func(vm *sim.VM) bool {
			if vm.Group != "" {
				pools[vm.Group] = true
			}
			return false
		})
		for _, p := range slices.Sorted(maps.Keys(pools)) {
			out = append(out, map[string]any{"id": "/pool/" + p, "type": "pool", "pool": p})
		}
	}
	if out == nil {
		out = []any{}
	}
	writeData(w, out)
}
