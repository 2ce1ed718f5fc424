package armsim

import (
	"fmt"

	"github.com/neogenesys/console/providers/sim"
)

// Subscriptions are the two subscriptions Populate spreads VMs over and a
// Server knows by default.
func Subscriptions() []string {
	return []string{"8f3c2a61-4b7e-4d2a-9c15-3e6f0a7b9d21", "c5a1e9d4-2f86-4b3c-a7e0-91d4b6f2c358"}
}

// ResourceGroups and Locations are where Populate puts VMs.
func ResourceGroups() []string { return []string{"rg-web", "rg-data"} }
func Locations() []string      { return []string{"westeurope", "eastus"} }

// VMID is the ARM resource id of a VM.
func VMID(sub, group, name string) string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/%s", sub, group, name)
}

// size is one entry of the vmSizes list.
type size struct {
	Name          string
	Cores         int
	MemoryMB      int64
	ResourceDisk  int64 // MB of temporary disk; the v5 sizes have none
	MaxDataDisks  int
	OSDiskSizeMax int64 // MB
}

// catalogue is what the vmSizes list offers in every location, with
// Azure's published figures.
func catalogue() []size {
	return []size{
		{"Standard_B1s", 1, 1024, 4096, 2, 1047552},
		{"Standard_B2s", 2, 4096, 8192, 4, 1047552},
		{"Standard_D2s_v5", 2, 8192, 0, 4, 1047552},
		{"Standard_D4s_v5", 4, 16384, 0, 8, 1047552},
		{"Standard_E8s_v5", 8, 65536, 0, 16, 1047552},
	}
}

// populated are the sizes Populate gives its VMs.
func populated() []sim.TypeSpec {
	return []sim.TypeSpec{
		{Name: "Standard_B2s", VCPUs: 2, MemoryMB: 4096},
		{Name: "Standard_D4s_v5", VCPUs: 4, MemoryMB: 16384},
		{Name: "Standard_E8s_v5", VCPUs: 8, MemoryMB: 65536},
	}
}

// Images Populate uses, as URNs (publisher:offer:sku:version).
const (
	ubuntuImage  = "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest"
	windowsImage = "MicrosoftWindowsServer:WindowsServer:2022-datacenter-azure-edition:latest"
)

// Populate adds n VMs spread over the two subscriptions, resource groups
// rg-web and rg-data, locations westeurope and eastus (zones 1 and 2), with
// sizes Standard_B2s, Standard_D4s_v5 and Standard_E8s_v5; one in five runs
// Windows. Names continue from the fleet's size, so calling it twice adds
// more VMs rather than replacing them.
func Populate(f *sim.Fleet, n int, seed uint64) {
	start := f.Len()
	gen := sim.NewFleet()
	gen.Generate(sim.Spec{
		N:       start + n,
		Regions: Locations(),
		Groups:  ResourceGroups(),
		Types:   populated(),
		Seed:    seed,
	})
	subs := Subscriptions()
	for i, vm := range gen.List(nil)[start:] {
		k := start + i
		vm.ID = VMID(subs[k%len(subs)], vm.Group, vm.Name)
		vm.Zone = []string{"1", "2"}[k/len(Locations())%2]
		vm.OS, vm.Image = "Linux", ubuntuImage
		if k%5 == 4 {
			vm.OS, vm.Image = "Windows", windowsImage
			vm.DiskGB = 127 // Windows Server images come with a 127 GB OS disk
		}
		f.Add(vm)
	}
}

// physicalLocations are the Azure regions the locations list reports, with
// their display names; logical ones ("europe") are geographies, not places
// to put a VM.
func physicalLocations() [][2]string {
	return [][2]string{
		{"eastus", "East US"}, {"eastus2", "East US 2"}, {"westus2", "West US 2"},
		{"northeurope", "North Europe"}, {"westeurope", "West Europe"}, {"uksouth", "UK South"},
		{"germanywestcentral", "Germany West Central"}, {"swedencentral", "Sweden Central"},
		{"southeastasia", "Southeast Asia"}, {"japaneast", "Japan East"}, {"australiaeast", "Australia East"},
	}
}

func logicalLocations() [][2]string {
	return [][2]string{{"europe", "Europe"}, {"unitedstates", "United States"}}
}
