package gcp

import (
	"strings"
	"time"

	"cloud.google.com/go/compute/apiv1/computepb"

	"github.com/neogenesys/console/providers"
)

// states maps Compute Engine's instance statuses
// (https://cloud.google.com/compute/docs/instances/instance-life-cycle).
// TERMINATED is a stopped instance (disks kept, not billed for vCPUs);
// SUSPENDED keeps its memory on disk and is also not running. REPAIRING
// (an internal error being fixed) is left unknown.
var states = map[string]providers.State{
	"PROVISIONING":   providers.StatePending,
	"STAGING":        providers.StatePending,
	"PENDING":        providers.StatePending,
	"RUNNING":        providers.StateRunning,
	"STOPPING":       providers.StateStopping,
	"SUSPENDING":     providers.StateStopping,
	"PENDING_STOP":   providers.StateStopping,
	"DEPROVISIONING": providers.StateStopping,
	"STOPPED":        providers.StateStopped,
	"SUSPENDED":      providers.StateStopped,
	"TERMINATED":     providers.StateStopped,
}

// stateOf maps a status word; words this adapter does not know are unknown.
func stateOf(status string) providers.State {
	if s, ok := states[status]; ok {
		return s
	}
	return providers.StateUnknown
}

// lastSegment is the last path segment of a resource URL ("…/zones/us-central1-a"
// → "us-central1-a"); a bare name is returned as it is.
func lastSegment(u string) string {
	return u[strings.LastIndexByte(u, '/')+1:]
}

// regionOf is a zone's region: the zone name without its last "-x".
func regionOf(zone string) string {
	if i := strings.LastIndexByte(zone, '-'); i > 0 {
		return zone[:i]
	}
	return zone
}

// vmID is the id Power takes: the project, zone and name that address an
// instance in the API (its numeric id addresses nothing).
func vmID(project, zone, name string) string { return project + "/" + zone + "/" + name }

func consoleURL(project, zone, name string) string {
	return "https://console.cloud.google.com/compute/instancesDetail/zones/" + zone +
		"/instances/" + name + "?project=" + project
}

// toVM turns an instance into a VM. zoneKey is the aggregated list's scope
// ("zones/us-central1-a"), used when the instance lacks its zone. ok is
// false when the record cannot be addressed (no name or zone): it is
// skipped. Other defects (an unknown status, a bad timestamp) leave that
// field empty.
func toVM(accountID, project, zoneKey string, in *computepb.Instance, sizes typeSizes) (vm providers.VM, ok bool) {
	zone := lastSegment(in.GetZone())
	if zone == "" {
		zone = strings.TrimPrefix(zoneKey, "zones/")
	}
	name := in.GetName()
	if name == "" || zone == "" {
		return vm, false
	}
	vm = providers.VM{
		Provider:   Kind,
		AccountID:  accountID,
		ID:         vmID(project, zone, name),
		Name:       name,
		State:      stateOf(in.GetStatus()),
		Region:     regionOf(zone),
		Zone:       zone,
		Type:       lastSegment(in.GetMachineType()),
		PrivateIPs: []string{},
		PublicIPs:  []string{},
		Tags:       make(map[string]string, len(in.GetLabels())),
		ConsoleURL: consoleURL(project, zone, name),
	}
	vm.VCPUs, vm.MemoryMB = sizes.VCPUs, sizes.MemoryMB
	for k, v := range in.GetLabels() {
		vm.Tags[k] = v
	}
	for _, nic := range in.GetNetworkInterfaces() {
		if ip := nic.GetNetworkIP(); ip != "" {
			vm.PrivateIPs = append(vm.PrivateIPs, ip)
		}
		if ip := nic.GetIpv6Address(); ip != "" {
			vm.PrivateIPs = append(vm.PrivateIPs, ip)
		}
		for _, ac := range nic.GetAccessConfigs() {
			if ip := ac.GetNatIP(); ip != "" {
				vm.PublicIPs = append(vm.PublicIPs, ip)
			}
		}
		for _, ac := range nic.GetIpv6AccessConfigs() {
			if ip := ac.GetExternalIpv6(); ip != "" {
				vm.PublicIPs = append(vm.PublicIPs, ip)
			}
		}
	}
	for _, d := range in.GetDisks() {
		vm.DiskGB += d.GetDiskSizeGb()
	}
	vm.Image, vm.OS = imageOf(in.GetDisks())
	if t, err := time.Parse(time.RFC3339Nano, in.GetCreationTimestamp()); err == nil {
		vm.CreatedAt = t.UTC()
	}
	return vm, true
}

// imageOf reads the boot disk: its source image when the API reports one,
// else its first license (public images carry one naming the OS release,
// e.g. debian-12-bookworm). The OS is windows when the disk says so,
// linux for other public image licenses, unknown otherwise.
func imageOf(disks []*computepb.AttachedDisk) (image, os string) {
	for _, d := range disks {
		if !d.GetBoot() {
			continue
		}
		licenses := d.GetLicenses()
		if src := d.GetInitializeParams().GetSourceImage(); src != "" {
			image = lastSegment(src)
		} else if len(licenses) > 0 {
			image = lastSegment(licenses[0])
		}
		for _, f := range d.GetGuestOsFeatures() {
			if f.GetType() == "WINDOWS" {
				return image, "windows"
			}
		}
		for _, l := range licenses {
			if strings.Contains(l, "/projects/windows-cloud/") || strings.Contains(l, "/projects/windows-sql-cloud/") {
				return image, "windows"
			}
		}
		if len(licenses) > 0 {
			return image, "linux"
		}
		return image, ""
	}
	return "", ""
}
