package armsim

import (
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"time"

	"github.com/neogenesys/console/providers/sim"
)

// The JSON shapes below follow the Microsoft.Compute virtualMachines
// resource (api-version 2025-04-01), keeping the fields a VM list carries.

type vmResource struct {
	Name       string            `json:"name"`
	ID         string            `json:"id,omitempty"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Tags       map[string]string `json:"tags,omitempty"`
	Zones      []string          `json:"zones,omitempty"`
	Properties vmProperties      `json:"properties"`
}

type vmProperties struct {
	VMID              string             `json:"vmId"`
	HardwareProfile   *hardwareProfile   `json:"hardwareProfile,omitempty"`
	StorageProfile    *storageProfile    `json:"storageProfile,omitempty"`
	OSProfile         *osProfile         `json:"osProfile,omitempty"`
	NetworkProfile    *networkProfile    `json:"networkProfile,omitempty"`
	ProvisioningState string             `json:"provisioningState,omitempty"`
	TimeCreated       string             `json:"timeCreated,omitempty"`
	InstanceView      *vmInstanceView    `json:"instanceView,omitempty"`
	Diagnostics       *diagnosticProfile `json:"diagnosticsProfile,omitempty"`
}

type hardwareProfile struct {
	VMSize string `json:"vmSize"`
}

type storageProfile struct {
	ImageReference *imageReference `json:"imageReference,omitempty"`
	OSDisk         osDisk          `json:"osDisk"`
	DataDisks      []any           `json:"dataDisks"`
	DiskController string          `json:"diskControllerType,omitempty"`
}

type imageReference struct {
	Publisher    string `json:"publisher"`
	Offer        string `json:"offer"`
	SKU          string `json:"sku"`
	Version      string `json:"version"`
	ExactVersion string `json:"exactVersion,omitempty"`
}

type osDisk struct {
	OSType       string      `json:"osType"`
	Name         string      `json:"name"`
	CreateOption string      `json:"createOption"`
	Caching      string      `json:"caching"`
	ManagedDisk  managedDisk `json:"managedDisk"`
	DeleteOption string      `json:"deleteOption"`
	DiskSizeGB   int64       `json:"diskSizeGB,omitempty"`
}

type managedDisk struct {
	StorageAccountType string `json:"storageAccountType"`
	ID                 string `json:"id"`
}

type osProfile struct {
	ComputerName  string `json:"computerName"`
	AdminUsername string `json:"adminUsername"`
}

type networkProfile struct {
	NetworkInterfaces []subResource `json:"networkInterfaces"`
}

type subResource struct {
	ID string `json:"id"`
}

type diagnosticProfile struct {
	BootDiagnostics struct {
		Enabled bool `json:"enabled"`
	} `json:"bootDiagnostics"`
}

type vmInstanceView struct {
	ComputerName string           `json:"computerName,omitempty"`
	OSName       string           `json:"osName,omitempty"`
	Statuses     []instanceStatus `json:"statuses"`
}

type instanceStatus struct {
	Code          string `json:"code"`
	Level         string `json:"level"`
	DisplayStatus string `json:"displayStatus"`
	Time          string `json:"time,omitempty"`
}

// armID splits a VM's ARM id; ok is false for ids of other shapes.
func armID(id string) (sub, group, name string, ok bool) {
	p := strings.Split(id, "/")
	if len(p) != 9 || p[0] != "" || !strings.EqualFold(p[1], "subscriptions") ||
		!strings.EqualFold(p[3], "resourceGroups") || !strings.EqualFold(p[5], "providers") ||
		!strings.EqualFold(p[6], "Microsoft.Compute") || !strings.EqualFold(p[7], "virtualMachines") {
		return "", "", "", false
	}
	return p[2], p[4], p[8], true
}

// vmUUID derives a stable vmId from the resource id.
func vmUUID(id string) string {
	h := sha1.Sum([]byte(strings.ToLower(id)))
	x := hex.EncodeToString(h[:16])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// model renders the VM's model view: what it is, not how it runs.
func model(vm sim.VM) vmResource {
	sub, group, name, _ := armID(vm.ID)
	prefix := "/subscriptions/" + sub + "/resourceGroups/" + group + "/providers/"
	disk := name + "_OsDisk_1_" + strings.ReplaceAll(vmUUID(vm.ID), "-", "")
	r := vmResource{
		Name:     name,
		ID:       vm.ID,
		Type:     "Microsoft.Compute/virtualMachines",
		Location: vm.Region,
		Tags:     vm.Tags,
		Properties: vmProperties{
			VMID:            vmUUID(vm.ID),
			HardwareProfile: &hardwareProfile{VMSize: vm.Type},
			StorageProfile: &storageProfile{
				ImageReference: imageRef(vm.Image),
				OSDisk: osDisk{
					OSType:       osType(vm.OS),
					Name:         disk,
					CreateOption: "FromImage",
					Caching:      "ReadWrite",
					ManagedDisk:  managedDisk{StorageAccountType: "Premium_LRS", ID: prefix + "Microsoft.Compute/disks/" + disk},
					DeleteOption: "Delete",
					DiskSizeGB:   vm.DiskGB,
				},
				DataDisks:      []any{},
				DiskController: "SCSI",
			},
			OSProfile:         &osProfile{ComputerName: name, AdminUsername: "azureuser"},
			NetworkProfile:    &networkProfile{NetworkInterfaces: []subResource{{ID: prefix + "Microsoft.Network/networkInterfaces/" + name + "-nic"}}},
			ProvisioningState: provisioningState(vm.State),
			TimeCreated:       vm.Created.UTC().Format(time.RFC3339Nano),
		},
	}
	if vm.Zone != "" {
		r.Zones = []string{vm.Zone}
	}
	r.Properties.Diagnostics = &diagnosticProfile{}
	r.Properties.Diagnostics.BootDiagnostics.Enabled = true
	return r
}

// statusOnly renders what ListAll with statusOnly=true returns for a VM: its
// identity and instance view, without the model (no size, disks or tags).
func statusOnly(vm sim.VM, poweredOff bool) vmResource {
	_, _, name, _ := armID(vm.ID)
	return vmResource{
		Name:     name,
		ID:       vm.ID,
		Type:     "Microsoft.Compute/virtualMachines",
		Location: vm.Region,
		Properties: vmProperties{
			VMID:         vmUUID(vm.ID),
			InstanceView: &vmInstanceView{Statuses: statuses(vm, poweredOff)},
		},
	}
}

func imageRef(urn string) *imageReference {
	p := strings.Split(urn, ":")
	if len(p) != 4 {
		return nil
	}
	return &imageReference{Publisher: p[0], Offer: p[1], SKU: p[2], Version: p[3], ExactVersion: "22.04.202601010"}
}

func osType(os string) string {
	if strings.EqualFold(os, "windows") {
		return "Windows"
	}
	return "Linux"
}

func provisioningState(s sim.State) string {
	switch s {
	case sim.Pending, sim.Stopping, sim.Rebooting:
		return "Updating"
	}
	return "Succeeded"
}

// statuses are the instance view's provisioning and power states. A stop
// deallocates unless it came through powerOff, which leaves the VM
// allocated (and billed) in "stopped".
func statuses(vm sim.VM, poweredOff bool) []instanceStatus {
	var power, display string
	switch vm.State {
	case sim.Running, sim.Rebooting:
		power, display = "running", "VM running"
	case sim.Pending:
		power, display = "starting", "VM starting"
	case sim.Stopping:
		power, display = "deallocating", "VM deallocating"
		if poweredOff {
			power, display = "stopping", "VM stopping"
		}
	case sim.Stopped:
		power, display = "deallocated", "VM deallocated"
		if poweredOff {
			power, display = "stopped", "VM stopped"
		}
	default:
		power, display = "unknown", "VM status unknown"
	}
	prov, provDisplay := "succeeded", "Provisioning succeeded"
	if provisioningState(vm.State) == "Updating" {
		prov, provDisplay = "updating", "Updating"
	}
	return []instanceStatus{
		{Code: "ProvisioningState/" + prov, Level: "Info", DisplayStatus: provDisplay,
			Time: vm.Created.UTC().Format(time.RFC3339Nano)},
		{Code: "PowerState/" + power, Level: "Info", DisplayStatus: display},
	}
}
