package azure

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/neogenesys/console/providers"
)

// vmRef is a VM's place in ARM, parsed from its resource id.
type vmRef struct {
	subscription, group, name string
}

// parseVMID reads /subscriptions/{s}/resourceGroups/{rg}/providers/
// Microsoft.Compute/virtualMachines/{name}. ARM compares ids without case.
func parseVMID(id string) (vmRef, error) {
	p := strings.Split(id, "/")
	if len(p) != 9 || p[0] != "" || !strings.EqualFold(p[1], "subscriptions") ||
		!strings.EqualFold(p[3], "resourceGroups") || !strings.EqualFold(p[5], "providers") ||
		!strings.EqualFold(p[6], "Microsoft.Compute") || !strings.EqualFold(p[7], "virtualMachines") ||
		p[2] == "" || p[4] == "" || p[8] == "" {
		return vmRef{}, fmt.Errorf("%w: %q is not a VM resource id "+
			"(/subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{name})",
			providers.ErrNotFound, id)
	}
	return vmRef{subscription: p[2], group: p[4], name: p[8]}, nil
}

// powerState reads the instance view's PowerState/… status code.
// Deallocated and stopped (allocated, still billed) are both stopped; a VM
// with no power status, or one this code does not know, is unknown.
func powerState(codes []string) providers.State {
	for _, code := range codes {
		word, ok := strings.CutPrefix(strings.ToLower(code), "powerstate/")
		if !ok {
			continue
		}
		switch word {
		case "running":
			return providers.StateRunning
		case "starting":
			return providers.StatePending
		case "stopping", "deallocating":
			return providers.StateStopping
		case "stopped", "deallocated":
			return providers.StateStopped
		}
		return providers.StateUnknown
	}
	return providers.StateUnknown
}

// errNoID marks a record that cannot be listed: without an id, the VM
// cannot be told apart or acted on.
var errNoID = errors.New("no id")

// toVM converts one VM of the model listing. state comes from the
// statusOnly listing, sizes from the location's size list (nil when it
// could not be had: vCPUs and memory stay 0).
func (p *Provider) toVM(rec *armVM, state providers.State, sizes map[string]vmSize) (providers.VM, error) {
	if rec.ID == "" {
		name := rec.Name
		if name == "" {
			name = "?"
		}
		return providers.VM{}, fmt.Errorf("vm %q: %w", name, errNoID)
	}
	ref, err := parseVMID(rec.ID)
	if err != nil {
		return providers.VM{}, err
	}
	vm := providers.VM{
		Provider:   Kind,
		AccountID:  p.accountID,
		ID:         rec.ID,
		Name:       rec.Name,
		State:      state,
		Region:     rec.Location,
		PrivateIPs: []string{},
		PublicIPs:  []string{},
		Tags:       make(map[string]string, len(rec.Tags)),
		ConsoleURL: p.consoleURL(rec.ID),
	}
	if vm.Name == "" {
		vm.Name = ref.name
	}
	for k, v := range rec.Tags {
		vm.Tags[k] = v
	}
	if len(rec.Zones) > 0 && rec.Zones[0] != "" {
		vm.Zone = vm.Region + "-" + rec.Zones[0]
	}
	props := &rec.Properties
	if t, err := time.Parse(time.RFC3339Nano, props.TimeCreated); err == nil {
		vm.CreatedAt = t.UTC()
	}
	if props.Host != nil && props.Host.ID != "" {
		vm.Host = lastSegment(props.Host.ID) // dedicated host
	}
	if hw := props.HardwareProfile; hw != nil && hw.VMSize != "" {
		vm.Type = hw.VMSize
		if z, ok := sizes[strings.ToLower(vm.Type)]; ok {
			vm.VCPUs, vm.MemoryMB = z.vcpus, z.memoryMB
		}
		// A VM may run with fewer vCPUs than its size has (constrained cores).
		if sp := hw.VMSizeProperties; sp != nil && sp.VCPUsAvailable > 0 {
			vm.VCPUs = sp.VCPUsAvailable
		}
	}
	if sp := props.StorageProfile; sp != nil {
		if d := sp.OSDisk; d != nil {
			vm.OS = strings.ToLower(d.OSType)
			vm.DiskGB = d.DiskSizeGB
		}
		vm.Image = imageName(sp.ImageReference)
	}
	return vm, nil
}

// imageName is the image URN publisher:offer:sku:version for marketplace
// images, or the gallery or custom image's id.
func imageName(ref *imageReference) string {
	switch {
	case ref == nil:
		return ""
	case ref.Publisher != "" && ref.Offer != "" && ref.SKU != "":
		v := ref.Version
		if v == "" {
			v = "latest"
		}
		return ref.Publisher + ":" + ref.Offer + ":" + ref.SKU + ":" + v
	case ref.SharedGalleryImageID != "":
		return ref.SharedGalleryImageID
	case ref.CommunityGalleryImageID != "":
		return ref.CommunityGalleryImageID
	}
	return ref.ID
}

// consoleURL opens the VM's overview in the portal, in the account's
// directory when the tenant is known.
func (p *Provider) consoleURL(id string) string {
	if p.tenant != "" {
		return p.portal + "/#@" + p.tenant + "/resource" + id + "/overview"
	}
	return p.portal + "/#resource" + id + "/overview"
}

func lastSegment(id string) string {
	return id[strings.LastIndex(id, "/")+1:]
}
