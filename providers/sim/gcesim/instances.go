package gcesim

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/neogenesys/console/providers/sim"
)

// statusWord is the Compute Engine status of a fleet state. A reset keeps
// an instance RUNNING; a stopped instance is TERMINATED.
func statusWord(st sim.State) string {
	switch st {
	case sim.Running, sim.Rebooting:
		return "RUNNING"
	case sim.Pending:
		return "STAGING"
	case sim.Stopping:
		return "STOPPING"
	case sim.Stopped:
		return "TERMINATED"
	}
	return "REPAIRING"
}

// numericID is the instance's id: the fleet id when it is a number, else a
// stable hash of it.
func numericID(id string) string {
	if _, err := strconv.ParseUint(id, 10, 64); err == nil {
		return id
	}
	h := fnv.New64a()
	h.Write([]byte(id))
	return strconv.FormatUint(h.Sum64()>>1, 10)
}

// imageProject is the public image project a license or image name belongs to.
func imageProject(image string) string {
	for prefix, project := range map[string]string{
		"ubuntu": "ubuntu-os-cloud", "windows": "windows-cloud", "rhel": "rhel-cloud",
		"rocky": "rocky-linux-cloud", "cos": "cos-cloud", "centos": "centos-cloud", "sles": "suse-cloud",
	} {
		if strings.HasPrefix(image, prefix) {
			return project
		}
	}
	return "debian-cloud"
}

func hexFingerprint(s string) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	return strconv.FormatUint(h.Sum64(), 36) + "="
}

// render is the instance resource of a fleet VM.
func (s *Server) render(vm *sim.VM) instance {
	project, zone := s.projectOf(vm), s.zoneOf(vm)
	zoneLink := selfLinkBase + "projects/" + project + "/zones/" + zone
	self := zoneLink + "/instances/" + vm.Name
	nic := networkInterface{
		Kind:        "compute#networkInterface",
		Network:     selfLinkBase + "projects/" + project + "/global/networks/default",
		Subnetwork:  selfLinkBase + "projects/" + project + "/regions/" + regionOf(zone) + "/subnetworks/default",
		NetworkIP:   vm.PrivateIP,
		Name:        "nic0",
		Fingerprint: hexFingerprint(vm.ID + "nic0"),
		StackType:   "IPV4_ONLY",
	}
	if vm.PublicIP != "" {
		nic.AccessConfigs = []accessConfig{{Kind: "compute#accessConfig", Type: "ONE_TO_ONE_NAT",
			Name: "External NAT", NatIP: vm.PublicIP, NetworkTier: "PREMIUM"}}
	}
	disk := attachedDisk{
		Kind: "compute#attachedDisk", Type: "PERSISTENT", Mode: "READ_WRITE",
		Source:     zoneLink + "/disks/" + vm.Name,
		DeviceName: vm.Name, Boot: true, AutoDelete: true, Interface: "SCSI",
		DiskSizeGB: strconv.FormatInt(vm.DiskGB, 10), Architecture: "X86_64",
		GuestOSFeatures: []guestOSFeature{{Type: "UEFI_COMPATIBLE"}, {Type: "VIRTIO_SCSI_MULTIQUEUE"}, {Type: "GVNIC"}},
	}
	if vm.Image != "" {
		disk.Licenses = []string{selfLinkBase + "projects/" + imageProject(vm.Image) + "/global/licenses/" + vm.Image}
	}
	if vm.OS == "windows" {
		disk.GuestOSFeatures = append(disk.GuestOSFeatures, guestOSFeature{Type: "WINDOWS"})
	}
	in := instance{
		Kind:              "compute#instance",
		ID:                numericID(vm.ID),
		CreationTimestamp: timestamp(vm.Created),
		Name:              vm.Name,
		Tags:              fingerprinted{Fingerprint: "42WmSpB8rSM="},
		MachineType:       zoneLink + "/machineTypes/" + vm.Type,
		Status:            statusWord(vm.State),
		Zone:              zoneLink,
		NetworkInterfaces: []networkInterface{nic},
		Disks:             []attachedDisk{disk},
		Metadata:          s.metadataOf(vm),
		SelfLink:          self,
		Scheduling: scheduling{OnHostMaintenance: "MIGRATE", AutomaticRestart: true,
			ProvisioningModel: "STANDARD"},
		CPUPlatform:      "Intel Cascade Lake",
		LabelFingerprint: hexFingerprint(fmt.Sprint(vm.Tags)),
		Fingerprint:      hexFingerprint(vm.ID),
	}
	if len(vm.Tags) > 0 {
		in.Labels = vm.Tags
	}
	switch s.corruption(vm.ID) {
	case CorruptStatus:
		in.Status = "HIBERNATING"
	case CorruptTimestamp:
		in.CreationTimestamp = "last tuesday"
	case CorruptName:
		in.Name = ""
	}
	return in
}

// listed reports whether a fleet VM is an instance of project (and of zone
// when zone != ""): deleted ones are gone.
func (s *Server) listed(vm *sim.VM, project, zone string) bool {
	return vm.State != sim.Terminated && s.projectOf(vm) == project && (zone == "" || s.zoneOf(vm) == zone)
}

// pageOf returns the page [offset, offset+size) of project's instances (in
// zone, when set) in fleet order, and how many there are in all. The keep
// function only counts the others, so a page costs no copies of the rest.
func (s *Server) pageOf(project, zone string, offset, size int) ([]sim.VM, int) {
	total := 0
	vms := s.Fleet.List(func(vm *sim.VM) bool {
		if !s.listed(vm, project, zone) {
			return false
		}
		i := total
		total++
		return i >= offset && i < offset+size
	})
	return vms, total
}

// GET /compute/v1/projects/{project}/aggregated/instances
func (s *Server) aggregatedInstances(w http.ResponseWriter, r *http.Request) {
	project, ok := s.checkProject(w, r, "compute.instances.list")
	if !ok {
		return
	}
	offset, size, ok := s.page(w, r)
	if !ok {
		return
	}
	vms, total := s.pageOf(project, "", offset, size)
	items := map[string]instancesScopedList{}
	for i := range vms {
		key := "zones/" + s.zoneOf(&vms[i])
		l := items[key]
		l.Instances = append(l.Instances, s.render(&vms[i]))
		items[key] = l
	}
	for _, z := range s.zones() {
		key := "zones/" + z
		if _, ok := items[key]; !ok {
			items[key] = instancesScopedList{Warning: noResults(key)}
		}
	}
	writeJSON(w, instanceAggregatedList{
		Kind:          "compute#instanceAggregatedList",
		ID:            "projects/" + project + "/aggregated/instances",
		Items:         items,
		NextPageToken: nextToken(offset, size, total),
		SelfLink:      selfLinkBase + "projects/" + project + "/aggregated/instances",
	})
}

func noResults(scope string) *warning {
	return &warning{
		Code:    "NO_RESULTS_ON_PAGE",
		Message: "There are no results for scope '" + scope + "' on this page.",
		Data:    []warningData{{Key: "scope", Value: scope}},
	}
}

// GET /compute/v1/projects/{project}/zones/{zone}/instances
func (s *Server) listInstances(w http.ResponseWriter, r *http.Request) {
	project, zone, ok := s.checkZone(w, r, "compute.instances.list")
	if !ok {
		return
	}
	offset, size, ok := s.page(w, r)
	if !ok {
		return
	}
	vms, total := s.pageOf(project, zone, offset, size)
	out := instanceList{
		Kind:          "compute#instanceList",
		ID:            "projects/" + project + "/zones/" + zone + "/instances",
		NextPageToken: nextToken(offset, size, total),
		SelfLink:      selfLinkBase + "projects/" + project + "/zones/" + zone + "/instances",
	}
	for i := range vms {
		out.Items = append(out.Items, s.render(&vms[i]))
	}
	writeJSON(w, out)
}

// find returns the instance named in the request's path, or answers 404.
func (s *Server) find(w http.ResponseWriter, r *http.Request, permission string) (sim.VM, bool) {
	project, zone, ok := s.checkZone(w, r, permission)
	if !ok {
		return sim.VM{}, false
	}
	name := r.PathValue("name")
	vms := s.Fleet.List(func(vm *sim.VM) bool { return vm.Name == name && s.listed(vm, project, zone) })
	if len(vms) == 0 {
		notFound(w, "projects/"+project+"/zones/"+zone+"/instances/"+name)
		return sim.VM{}, false
	}
	return vms[0], true
}

// GET /compute/v1/projects/{project}/zones/{zone}/instances/{name}
func (s *Server) getInstance(w http.ResponseWriter, r *http.Request) {
	if vm, ok := s.find(w, r, "compute.instances.get"); ok {
		writeJSON(w, s.render(&vm))
	}
}

// POST /compute/v1/projects/{project}/zones/{zone}/instances/{name}/{start,stop,reset}
func (s *Server) power(a sim.Action, opType string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vm, ok := s.find(w, r, "compute.instances."+opType)
		if !ok {
			return
		}
		project, zone := s.projectOf(&vm), s.zoneOf(&vm)
		target := "projects/" + project + "/zones/" + zone + "/instances/" + vm.Name
		prev, cur, err := s.Fleet.Power(vm.ID, a)
		switch {
		case errors.Is(err, sim.ErrNotFound):
			notFound(w, target)
			return
		case errors.Is(err, sim.ErrInvalidState):
			writeError(w, http.StatusBadRequest, "resourceNotReady", "The resource '%s' is not ready", target)
			return
		case err != nil:
			writeError(w, http.StatusInternalServerError, "internalError", "%v", err)
			return
		}
		took := time.Duration(0)
		if prev != cur { // a real transition, not an idempotent no-op
			took = s.Fleet.Transition
		}
		op := s.ops.add(project, zone, opType, selfLinkBase+target, numericID(vm.ID), s.tokens.email, took)
		writeJSON(w, op.render(time.Now()))
	}
}
