package proxmox

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/neogenesys/console/providers"
)

// PVE's API is written in Perl, whose scalars have no fixed type: a number
// may come quoted and a name made of digits may come unquoted. These two
// types read either form; anything else is an error for that record only.

// number is a JSON number, possibly quoted; null and "" read as 0.
type number float64

func (n *number) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*n = 0
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s = strings.TrimSpace(s); s == "" {
			*n = 0
			return nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("%s is not a number", b)
	}
	*n = number(f)
	return nil
}

// text is a JSON string, or a number taken as written; null reads as "".
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		*t = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("%s is not a string", b)
		}
		*t = text(n)
	}
	return nil
}

// resource is one guest entry of /cluster/resources?type=vm.
type resource struct {
	ID       text   `json:"id"` // "qemu/100"
	Type     text   `json:"type"`
	VMID     number `json:"vmid"`
	Name     text   `json:"name"`
	Node     text   `json:"node"`
	Status   text   `json:"status"`
	Template number `json:"template"`
	MaxCPU   number `json:"maxcpu"`
	MaxMem   number `json:"maxmem"` // bytes
	MaxDisk  number `json:"maxdisk"`
	Tags     text   `json:"tags"`
	Pool     text   `json:"pool"`
}

// guest is a decoded, checked resource.
type guest struct {
	typ      string // qemu or lxc
	vmid     int
	node     string
	template bool
	r        resource
}

func (g guest) id() string { return g.typ + "/" + strconv.Itoa(g.vmid) }

// PVE's vmid range.
const minVMID, maxVMID = 100, 999_999_999

// decodeGuest reads one record; hint names it in errors even when it does
// not decode (its "id", as far as it can be read).
func decodeGuest(raw json.RawMessage) (g guest, hint string, err error) {
	var probe struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(raw, &probe) == nil && len(probe.ID) > 0 {
		hint = strings.Trim(string(probe.ID), `"`)
	}
	if err := json.Unmarshal(raw, &g.r); err != nil {
		return g, hint, err
	}
	g.typ, g.node = string(g.r.Type), string(g.r.Node)
	if g.typ == "" {
		g.typ, _, _ = strings.Cut(string(g.r.ID), "/")
	}
	if g.typ != "qemu" && g.typ != "lxc" {
		return g, hint, fmt.Errorf("type %q is not a guest (qemu or lxc)", g.typ)
	}
	vmid := float64(g.r.VMID)
	if vmid == 0 { // fall back on the id "qemu/100"
		_, n, _ := strings.Cut(string(g.r.ID), "/")
		f, err := strconv.ParseFloat(n, 64)
		if err != nil {
			return g, hint, errors.New("no vmid")
		}
		vmid = f
	}
	if vmid != math.Trunc(vmid) || vmid < minVMID || vmid > maxVMID {
		return g, hint, fmt.Errorf("vmid %v is not a PVE guest id", vmid)
	}
	g.vmid = int(vmid)
	if g.node == "" {
		return g, hint, errors.New("no node")
	}
	g.template = g.r.Template == 1
	return g, hint, nil
}

// mapState turns PVE's status word into the unified state. A paused or
// suspended VM is not serving and needs PVE's resume rather than a start,
// so it counts as stopped; "prelaunch" is a VM whose process is up but whose
// CPUs have not started yet; "unknown" is what PVE says of guests on a node
// it cannot reach.
func mapState(status string) providers.State {
	switch strings.ToLower(strings.TrimSpace(status)) {
	case "running":
		return providers.StateRunning
	case "stopped", "paused", "suspended":
		return providers.StateStopped
	case "prelaunch", "starting":
		return providers.StatePending
	case "stopping", "shutdown":
		return providers.StateStopping
	}
	return providers.StateUnknown
}

// parseTags reads PVE's tag list, which the API writes with ";" but the
// web UI and API also accept separated by "," or spaces. Each tag is a key
// with an empty value; the guest's pool is Tags["pool"].
func parseTags(tags, pool string) map[string]string {
	out := map[string]string{}
	for _, t := range strings.FieldsFunc(tags, func(r rune) bool { return r == ';' || r == ',' || unicode.IsSpace(r) }) {
		out[t] = ""
	}
	if pool != "" {
		out["pool"] = pool
	}
	return out
}

// consoleURL is the PVE web UI's deep link that opens the guest.
func consoleURL(web, typ string, vmid int) string {
	return fmt.Sprintf("%s/#v1:0:=%s%%2F%d:4::::::", web, typ, vmid)
}

// vm turns a guest into the unified VM.
func (p *Provider) vm(g guest, c clusterInfo) providers.VM {
	name := string(g.r.Name)
	if name == "" { // PVE's web UI says "VM 100" or "CT 100" for a guest without a name
		name = map[string]string{"qemu": "VM", "lxc": "CT"}[g.typ] + " " + strconv.Itoa(g.vmid)
	}
	state := mapState(string(g.r.Status))
	if c.offline[g.node] {
		state = providers.StateUnknown
	}
	region := c.name
	if region == "" { // a standalone host is its own region
		region = g.node
	}
	return providers.VM{
		Provider:   Kind,
		AccountID:  p.accountID,
		ID:         g.id(),
		Name:       name,
		State:      state,
		Region:     region,
		Host:       g.node,
		Cluster:    c.name,
		Type:       g.typ,
		VCPUs:      int(math.Ceil(max(float64(g.r.MaxCPU), 0))),
		MemoryMB:   int64(max(float64(g.r.MaxMem), 0)) >> 20,
		DiskGB:     int64(max(float64(g.r.MaxDisk), 0)) >> 30,
		PrivateIPs: []string{},
		PublicIPs:  []string{},
		Tags:       parseTags(string(g.r.Tags), string(g.r.Pool)),
		ConsoleURL: consoleURL(p.web, g.typ, g.vmid),
	}
}

// statusEntry is one entry of /cluster/status: the cluster, or a node.
type statusEntry struct {
	Type   text   `json:"type"`
	Name   text   `json:"name"`
	Online number `json:"online"`
}

// clusterInfo is what /cluster/status says.
type clusterInfo struct {
	name    string // "" on a standalone host
	nodes   []string
	offline map[string]bool
}

func (c clusterInfo) identity() string {
	if c.name == "" && len(c.nodes) > 0 {
		return c.nodes[0]
	}
	return c.name
}

// parseClusterStatus reads /cluster/status; entries it cannot read are left
// out (go-proxmox's own Cluster type panics on those).
func parseClusterStatus(raw []json.RawMessage) clusterInfo {
	c := clusterInfo{offline: map[string]bool{}}
	for _, r := range raw {
		var e statusEntry
		if json.Unmarshal(r, &e) != nil {
			continue
		}
		switch e.Type {
		case "cluster":
			c.name = string(e.Name)
		case "node":
			if e.Name == "" {
				continue
			}
			c.nodes = append(c.nodes, string(e.Name))
			if e.Online != 1 {
				c.offline[string(e.Name)] = true
			}
		}
	}
	slices.Sort(c.nodes)
	return c
}
