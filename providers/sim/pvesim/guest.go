package pvesim

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/neogenesys/console/providers/sim"
)

// onNode guards a /nodes/{node}/… route: an offline node cannot be
// reached (pveproxy proxies node requests to the node and answers 595 when
// that fails). Whether the node exists at all is only asked when the
// request fails (unknownNode), since that takes a walk over the fleet.
func (s *Server) onNode(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.isOffline(r.PathValue("node")) {
			writeError(w, 595, "No route to host")
			return
		}
		h(w, r)
	}
}

// unknownNode answers as pveproxy does for a node name it cannot resolve,
// reporting whether it did.
func (s *Server) unknownNode(w http.ResponseWriter, node string) bool {
	if s.knownNode(node) {
		return false
	}
	writeError(w, http.StatusInternalServerError, fmt.Sprintf(
		"hostname lookup '%s' failed - failed to get address info for: %s: Name or service not known", node, node))
	return true
}

func label(kind string) string {
	if kind == "lxc" {
		return "CT"
	}
	return "VM"
}

func configMissing(node, kind string, vmid int) string {
	if kind == "lxc" {
		return fmt.Sprintf("Configuration file 'nodes/%s/lxc/%d.conf' does not exist", node, vmid)
	}
	return fmt.Sprintf("Configuration file 'nodes/%s/qemu-server/%d.conf' does not exist", node, vmid)
}

// guest finds the guest a /nodes/{node}/{kind}/{vmid}/… path names, or
// answers as PVE does when that node holds no such guest.
func (s *Server) guest(w http.ResponseWriter, r *http.Request, kind string) (sim.VM, int, bool) {
	if kind != "qemu" && kind != "lxc" {
		notImplemented(w, r)
		return sim.VM{}, 0, false
	}
	node := r.PathValue("node")
	vmid, err := strconv.Atoi(r.PathValue("vmid"))
	if err != nil || vmid < 100 || vmid > 999_999_999 {
		if s.unknownNode(w, node) {
			return sim.VM{}, 0, false
		}
		writeErrorBody(w, http.StatusBadRequest, "Parameter verification failed.", map[string]any{
			"errors": map[string]string{"vmid": "invalid format - value does not look like a valid VM ID"},
		})
		return sim.VM{}, 0, false
	}
	vm, err := s.Fleet.Get(strconv.Itoa(vmid))
	if err != nil || hostOf(&vm) != node || kindOf(&vm) != kind || vm.State == sim.Terminated {
		if !s.unknownNode(w, node) {
			writeError(w, http.StatusInternalServerError, configMissing(node, kind, vmid))
		}
		return sim.VM{}, 0, false
	}
	return vm, vmid, true
}

// guestStatus is GET /nodes/{node}/{qemu|lxc}/{vmid}/status/current.
func (s *Server) guestStatus(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	vm, vmid, ok := s.guest(w, r, kind)
	if !ok {
		return
	}
	g, _ := s.resource(&vm, nil, false)
	out := map[string]any{
		"vmid": vmid, "name": vm.Name, "status": g.Status, "cpus": vm.VCPUs, "cpu": g.CPU,
		"maxmem": g.MaxMem, "mem": g.Mem, "maxdisk": g.MaxDisk, "disk": g.Disk, "uptime": g.Uptime,
		"netin": g.NetIn, "netout": g.NetOut, "diskread": g.DiskRead, "diskwrite": g.DiskWrite,
		"ha": map[string]int{"managed": 0},
	}
	if g.Tags != "" {
		out["tags"] = g.Tags
	}
	if g.Template == 1 {
		out["template"] = 1
	}
	if g.Status == "running" {
		out["pid"] = 10_000 + vmid
	}
	if kind == "lxc" {
		out["type"] = "lxc"
		out["maxswap"] = int64(512) * mib
	} else {
		out["qmpstatus"] = qmpStatus(vm.State)
		out["agent"] = 1
		if vm.Tags[TagNoAgent] != "" {
			out["agent"] = 0
		}
	}
	writeData(w, out)
}

// qmpStatus is what QEMU itself reports: a VM being started is in
// "prelaunch" until its CPUs run.
func qmpStatus(st sim.State) string {
	switch st {
	case sim.Stopped:
		return "stopped"
	case sim.Pending:
		return "prelaunch"
	default:
		return "running"
	}
}

// taskTypes are the worker types PVE writes into a UPID per action.
var taskTypes = map[string]map[string]string{
	"qemu": {"start": "qmstart", "stop": "qmstop", "shutdown": "qmshutdown", "reboot": "qmreboot"},
	"lxc":  {"start": "vzstart", "stop": "vzstop", "shutdown": "vzshutdown", "reboot": "vzreboot"},
}

// guestPower is POST /nodes/{node}/{qemu|lxc}/{vmid}/status/{action}: the
// answer is the UPID of the worker task doing it.
func (s *Server) guestPower(w http.ResponseWriter, r *http.Request) {
	kind, action := r.PathValue("kind"), r.PathValue("action")
	if _, ok := taskTypes[kind][action]; !ok {
		notImplemented(w, r)
		return
	}
	vm, vmid, ok := s.guest(w, r, kind)
	if !ok {
		return
	}
	form, err := formValues(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "Parameter verification failed.")
		return
	}
	if v, set := form["timeout"]; set {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			writeErrorBody(w, http.StatusBadRequest, "Parameter verification failed.", map[string]any{
				"errors": map[string]string{"timeout": "type check ('integer') failed - got '" + v + "'"},
			})
			return
		}
	}
	who := fmt.Sprintf("%s %d", label(kind), vmid)
	switch {
	case action == "start" && vm.Tags[TagTemplate] != "":
		writeError(w, http.StatusInternalServerError, "you can't start a vm if it's a template")
		return
	case action == "start" && vm.State == sim.Running:
		writeError(w, http.StatusInternalServerError, who+" already running")
		return
	case action != "start" && vm.State == sim.Stopped:
		writeError(w, http.StatusInternalServerError, who+" not running")
		return
	}
	fa := map[string]sim.Action{"start": sim.Start, "stop": sim.Stop, "shutdown": sim.Stop, "reboot": sim.Reboot}[action]
	if _, _, err := s.Fleet.Power(vm.ID, fa); err != nil {
		if errors.Is(err, sim.ErrInvalidState) {
			lock := fmt.Sprintf("/var/lock/qemu-server/lock-%d.conf", vmid)
			if kind == "lxc" {
				lock = fmt.Sprintf("/run/lock/lxc/pve-config-%d.lock", vmid)
			}
			writeError(w, http.StatusInternalServerError, "can't lock file '"+lock+"' - got timeout")
			return
		}
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeData(w, s.newTask(r.PathValue("node"), taskTypes[kind][action], strconv.Itoa(vmid), userOf(r)))
}

func mac(vmid, nic int) string {
	return fmt.Sprintf("bc:24:11:%02x:%02x:%02x", vmid>>8&0xff, vmid&0xff, nic)
}

func linkLocal(vmid, nic int) string {
	return fmt.Sprintf("fe80::be24:11ff:fe%02x:%02x%02x", vmid>>8&0xff, vmid&0xff, nic)
}

type agentAddr struct {
	IP     string `json:"ip-address"`
	Type   string `json:"ip-address-type"`
	Prefix int    `json:"prefix"`
}

// agentInterfaces is GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces,
// the guest agent's answer wrapped in {"result": …}.
func (s *Server) agentInterfaces(w http.ResponseWriter, r *http.Request) {
	vm, vmid, ok := s.guest(w, r, "qemu")
	if !ok {
		return
	}
	switch {
	case vm.State == sim.Stopped:
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("VM %d is not running", vmid))
		return
	case vm.State != sim.Running || vm.Tags[TagNoAgent] != "":
		writeError(w, http.StatusInternalServerError, "QEMU guest agent is not running")
		return
	}
	stats := map[string]int64{"rx-bytes": 81_920_000, "rx-packets": 61_440, "rx-errs": 0, "rx-dropped": 0,
		"tx-bytes": 40_960_000, "tx-packets": 30_720, "tx-errs": 0, "tx-dropped": 0}
	ifaces := []map[string]any{
		{"name": "lo", "hardware-address": "00:00:00:00:00:00", "statistics": stats, "ip-addresses": []agentAddr{
			{"127.0.0.1", "ipv4", 8}, {"::1", "ipv6", 128}}},
		{"name": "eth0", "hardware-address": mac(vmid, 0), "statistics": stats, "ip-addresses": []agentAddr{
			{vm.PrivateIP, "ipv4", 24}, {linkLocal(vmid, 0), "ipv6", 64}}},
	}
	if vm.PublicIP != "" {
		ifaces = append(ifaces, map[string]any{"name": "eth1", "hardware-address": mac(vmid, 1), "statistics": stats,
			"ip-addresses": []agentAddr{{vm.PublicIP, "ipv4", 24}, {linkLocal(vmid, 1), "ipv6", 64}}})
	}
	writeData(w, map[string]any{"result": ifaces})
}

// lxcInterfaces is GET /nodes/{node}/lxc/{vmid}/interfaces.
func (s *Server) lxcInterfaces(w http.ResponseWriter, r *http.Request) {
	vm, vmid, ok := s.guest(w, r, "lxc")
	if !ok {
		return
	}
	if vm.State == sim.Stopped {
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("CT %d not running", vmid))
		return
	}
	out := []map[string]string{
		{"name": "lo", "hwaddr": "00:00:00:00:00:00", "inet": "127.0.0.1/8", "inet6": "::1/128"},
		{"name": "eth0", "hwaddr": mac(vmid, 0), "inet": vm.PrivateIP + "/24", "inet6": linkLocal(vmid, 0) + "/64"},
	}
	if vm.PublicIP != "" {
		out = append(out, map[string]string{"name": "eth1", "hwaddr": mac(vmid, 1), "inet": vm.PublicIP + "/24"})
	}
	writeData(w, out)
}
