package lxd

import (
	"encoding/json"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/canonical/lxd/shared/units"

	"github.com/neogenesys/console/providers"
)

const (
	mib = 1 << 20
	gib = 1 << 30
	// LXD's defaults for a virtual machine without limits.cpu/limits.memory.
	vmDefaultCPUs     = 1
	vmDefaultMemoryMB = 1024
)

// toVM turns one instance record into a VM. project is the record's
// project when the record does not say (a per-project listing).
func (p *Provider) toVM(w *wireInstance, project string, info *serverInfo) providers.VM {
	if w.Project != "" {
		project = w.Project
	}
	if project == "" {
		project = "default"
	}
	cfg := w.ExpandedConfig
	if cfg == nil && len(w.Config) > 0 {
		_ = json.Unmarshal(w.Config, &cfg) // a malformed config leaves it empty
	}
	typ := w.Type
	if typ == "" {
		typ = "container" // LXD before VMs had no type field
	}
	host := w.Location
	if host == "" || host == "none" {
		host = info.name
	}
	vm := providers.VM{
		Provider:  Kind,
		AccountID: p.accountID,
		ID:        project + "/" + w.Name,
		Name:      w.Name,
		State:     mapState(w.status()),
		Region:    host,
		Host:      host,
		Type:      typ,
		VCPUs:     vcpus(cfg["limits.cpu"], typ),
		MemoryMB:  memoryMB(cfg["limits.memory"], w.State, typ),
		DiskGB:    diskGB(w.ExpandedDevices, w.State),
		OS:        strings.TrimSpace(cfg["image.os"] + " " + cfg["image.release"]),
		Image:     imageName(cfg),
		Tags:      tags(cfg),
		CreatedAt: parseTime(w.CreatedAt),
	}
	if info.clustered {
		vm.Cluster = info.name
		if p.ep.https() {
			vm.Cluster = p.ep.host
		}
	}
	var nics map[string]wireNIC
	if w.State != nil {
		nics = w.State.Network
	}
	vm.PrivateIPs, vm.PublicIPs = addresses(nics)
	if info.ui {
		vm.ConsoleURL = p.ep.url + "/ui/project/" + url.PathEscape(project) + "/instance/" + url.PathEscape(w.Name)
	}
	return vm
}

func (w *wireInstance) status() string {
	if w.Status == "" && w.State != nil {
		return w.State.Status
	}
	return w.Status
}

// mapState maps LXD's instance status words. Frozen (paused, memory kept)
// shows as stopped: nothing runs, and Start thaws it. Error (e.g. on an
// offline cluster member) and unknown words are StateUnknown.
func mapState(status string) providers.State {
	switch strings.ToLower(status) {
	case "running", "freezing", "thawed", "ready":
		return providers.StateRunning
	case "stopped", "frozen":
		return providers.StateStopped
	case "starting":
		return providers.StatePending
	case "stopping", "aborting":
		return providers.StateStopping
	}
	return providers.StateUnknown
}

// vcpus reads limits.cpu: a count ("4") or a CPU set ("0-3", "0,2,4-5").
// Unset, a container may use every host CPU and 0 is reported (the host's
// count would cost a resources call per member); a VM gets LXD's default
// of one vCPU.
func vcpus(limit, typ string) int {
	if limit == "" {
		if typ == "virtual-machine" {
			return vmDefaultCPUs
		}
		return 0
	}
	if n, err := strconv.Atoi(limit); err == nil {
		return max(n, 0)
	}
	n := 0
	for part := range strings.SplitSeq(limit, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return 0
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return 0
			}
		}
		n += b - a + 1
	}
	return n
}

// memoryMB is limits.memory when absolute, else the total the instance
// reports (VMs, or a percentage limit), else LXD's 1 GiB default for a VM,
// else what an unlimited container uses now. Rounded up to whole MiB.
func memoryMB(limit string, st *wireState, typ string) int64 {
	if limit != "" && !strings.HasSuffix(limit, "%") {
		if b, err := units.ParseByteSizeString(limit); err == nil && b > 0 {
			return ceilDiv(b, mib)
		}
	}
	if st != nil && st.Memory.Total > 0 {
		return ceilDiv(st.Memory.Total, mib)
	}
	if typ == "virtual-machine" {
		return vmDefaultMemoryMB
	}
	if st != nil && st.Memory.Usage > 0 {
		return ceilDiv(st.Memory.Usage, mib)
	}
	return 0
}

// diskGB is the root disk's size property, else the root disk's total or,
// for pools without quotas (dir), its usage. Rounded up to whole GiB.
func diskGB(devices map[string]map[string]string, st *wireState) int64 {
	name := "root"
	for n, d := range devices {
		if d["type"] == "disk" && d["path"] == "/" {
			name = n
			if b, err := units.ParseByteSizeString(d["size"]); err == nil && b > 0 {
				return ceilDiv(b, gib)
			}
			break
		}
	}
	if st == nil {
		return 0
	}
	d, ok := st.Disk[name]
	switch {
	case !ok:
		return 0
	case d.Total > 0:
		return ceilDiv(d.Total, gib)
	case d.Usage > 0:
		return ceilDiv(d.Usage, gib)
	}
	return 0
}

func ceilDiv(n, d int64) int64 { return (n + d - 1) / d }

// addresses lists the global addresses of every interface but loopback,
// interfaces in name order: RFC 1918, unique local (fc00::/7) and shared
// (100.64.0.0/10, e.g. Tailscale) addresses are private, other global
// unicast addresses public. Link-local and host-scoped ones are left out.
func addresses(nics map[string]wireNIC) (private, public []string) {
	private, public = []string{}, []string{}
	names := make([]string, 0, len(nics))
	for n := range nics {
		names = append(names, n)
	}
	slices.Sort(names)
	cgnat := netip.MustParsePrefix("100.64.0.0/10")
	for _, n := range names {
		nic := nics[n]
		if n == "lo" || nic.Type == "loopback" {
			continue
		}
		for _, a := range nic.Addresses {
			if a.Scope != "" && a.Scope != "global" {
				continue
			}
			ip, err := netip.ParseAddr(a.Address)
			if err != nil || !ip.IsGlobalUnicast() {
				continue
			}
			s := ip.String()
			switch {
			case ip.IsPrivate() || cgnat.Contains(ip):
				if !slices.Contains(private, s) {
					private = append(private, s)
				}
			case !slices.Contains(public, s):
				public = append(public, s)
			}
		}
	}
	return private, public
}

// imageName is image.description, else the base image's short fingerprint.
func imageName(cfg map[string]string) string {
	if d := cfg["image.description"]; d != "" {
		return d
	}
	f := cfg["volatile.base_image"]
	return f[:min(len(f), 12)]
}

// tags are the user.* keys without the prefix, from the expanded config
// (profiles included). The legacy cloud-init keys are configuration
// documents, not labels, and are left out.
func tags(cfg map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range cfg {
		name, ok := strings.CutPrefix(k, "user.")
		if !ok || name == "" {
			continue
		}
		switch name {
		case "user-data", "vendor-data", "meta-data", "network-config":
			continue
		}
		out[name] = v
	}
	return out
}

// parseTime reads created_at; LXD writes the zero time for unknown dates.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}
