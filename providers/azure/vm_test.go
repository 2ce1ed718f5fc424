package azure

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/neogenesys/console/providers"
)

func TestPowerState(t *testing.T) {
	cases := []struct {
		codes []string
		want  providers.State
	}{
		{[]string{"ProvisioningState/succeeded", "PowerState/running"}, providers.StateRunning},
		{[]string{"PowerState/starting"}, providers.StatePending},
		{[]string{"PowerState/stopping"}, providers.StateStopping},
		{[]string{"PowerState/deallocating"}, providers.StateStopping},
		{[]string{"PowerState/stopped"}, providers.StateStopped},
		{[]string{"PowerState/deallocated"}, providers.StateStopped},
		{[]string{"powerstate/Running"}, providers.StateRunning}, // ARM codes are not case-sensitive
		{[]string{"PowerState/unknown"}, providers.StateUnknown},
		{[]string{"PowerState/hibernating"}, providers.StateUnknown},
		{[]string{"ProvisioningState/updating"}, providers.StateUnknown},
		{nil, providers.StateUnknown},
	}
	for _, c := range cases {
		if got := powerState(c.codes); got != c.want {
			t.Errorf("powerState(%v) = %s, want %s", c.codes, got, c.want)
		}
	}
}

func TestParseVMID(t *testing.T) {
	good := "/subscriptions/" + sub1 + "/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/web-1"
	cases := []struct {
		id   string
		want vmRef
		ok   bool
	}{
		{good, vmRef{sub1, "rg-web", "web-1"}, true},
		{"/subscriptions/" + sub1 + "/resourcegroups/RG/providers/microsoft.compute/virtualmachines/VM", vmRef{sub1, "RG", "VM"}, true},
		{"", vmRef{}, false},
		{"web-1", vmRef{}, false},
		{good + "/extensions/x", vmRef{}, false},
		{strings.Replace(good, "virtualMachines", "disks", 1), vmRef{}, false},
		{strings.Replace(good, "rg-web", "", 1), vmRef{}, false},
		{strings.TrimSuffix(good, "web-1"), vmRef{}, false},
	}
	for _, c := range cases {
		got, err := parseVMID(c.id)
		if c.ok != (err == nil) || got != c.want {
			t.Errorf("parseVMID(%q) = %+v, %v; want %+v ok=%v", c.id, got, err, c.want, c.ok)
		}
		if err != nil && !errors.Is(err, providers.ErrNotFound) {
			t.Errorf("parseVMID(%q) error %v does not wrap ErrNotFound", c.id, err)
		}
	}
}

func TestImageName(t *testing.T) {
	cases := []struct {
		ref  *imageReference
		want string
	}{
		{nil, ""},
		{&imageReference{Publisher: "Canonical", Offer: "ubuntu-24_04-lts", SKU: "server", Version: "latest"}, "Canonical:ubuntu-24_04-lts:server:latest"},
		{&imageReference{Publisher: "Canonical", Offer: "o", SKU: "s"}, "Canonical:o:s:latest"},
		{&imageReference{ID: "/subscriptions/x/resourceGroups/g/providers/Microsoft.Compute/images/golden"},
			"/subscriptions/x/resourceGroups/g/providers/Microsoft.Compute/images/golden"},
		{&imageReference{SharedGalleryImageID: "/SharedGalleries/g/Images/i/Versions/1.0.0"}, "/SharedGalleries/g/Images/i/Versions/1.0.0"},
		{&imageReference{CommunityGalleryImageID: "/CommunityGalleries/c/Images/i/Versions/latest"}, "/CommunityGalleries/c/Images/i/Versions/latest"},
	}
	for _, c := range cases {
		if got := imageName(c.ref); got != c.want {
			t.Errorf("imageName(%+v) = %q, want %q", c.ref, got, c.want)
		}
	}
}

func TestToVM(t *testing.T) {
	p := &Provider{accountID: "a", portal: "https://portal.azure.com"}
	id := "/subscriptions/" + sub1 + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/db-1"
	rec, err := decodeVM(json.RawMessage(`{
		"id": "` + id + `", "name": "db-1", "location": "eastus",
		"tags": {"env": "prod", "empty": null}, "zones": ["3"],
		"properties": {
			"timeCreated": "2026-03-04T05:06:07.1234567+00:00",
			"host": {"id": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/hostGroups/hg/hosts/host-7"},
			"hardwareProfile": {"vmSize": "Standard_E8s_v5", "vmSizeProperties": {"vCPUsAvailable": 4}},
			"storageProfile": {"osDisk": {"osType": "Windows", "diskSizeGB": 127},
				"imageReference": {"publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2022-datacenter", "version": "latest"}}
		}}`))
	if err != nil {
		t.Fatal(err)
	}
	vm, err := p.toVM(&rec, providers.StateRunning, map[string]vmSize{"standard_e8s_v5": {8, 65536}})
	if err != nil {
		t.Fatal(err)
	}
	want := providers.VM{
		Provider: "azure", AccountID: "a", ID: id, Name: "db-1", State: providers.StateRunning,
		Region: "eastus", Zone: "eastus-3", Host: "host-7", Type: "Standard_E8s_v5",
		VCPUs: 4, MemoryMB: 65536, DiskGB: 127, OS: "windows",
		Image:      "MicrosoftWindowsServer:WindowsServer:2022-datacenter:latest",
		PrivateIPs: []string{}, PublicIPs: []string{}, Tags: map[string]string{"env": "prod", "empty": ""},
		CreatedAt:  time.Date(2026, 3, 4, 5, 6, 7, 123456700, time.UTC),
		ConsoleURL: "https://portal.azure.com/#resource" + id + "/overview",
	}
	if diff := cmp.Diff(want, vm); diff != "" {
		t.Errorf("toVM (-want +got):\n%s", diff)
	}

	// Only the id is indispensable: a bare record, or one with a time that
	// does not parse, still makes a VM.
	bare, err := p.toVM(&armVM{ID: id}, providers.StateUnknown, nil)
	if err != nil || bare.Name != "db-1" || bare.Tags == nil || bare.PrivateIPs == nil {
		t.Errorf("toVM(bare) = %+v, %v", bare, err)
	}
	odd := armVM{ID: id}
	odd.Properties.TimeCreated = "yesterday"
	if vm, err := p.toVM(&odd, providers.StateUnknown, nil); err != nil || !vm.CreatedAt.IsZero() {
		t.Errorf("toVM(bad time) = %v, %v; want the VM without CreatedAt", vm.CreatedAt, err)
	}
	for _, bad := range []armVM{{Name: "x"}, {ID: "/subscriptions/x"}} {
		if _, err := p.toVM(&bad, providers.StateRunning, nil); err == nil {
			t.Errorf("toVM(%+v) accepted a record without a VM id", bad)
		}
	}
}

func TestDecodeVM(t *testing.T) {
	if _, err := decodeVM(json.RawMessage(`{"id": "/subscriptions/s/x", "name": 7}`)); err == nil || !strings.Contains(err.Error(), "/subscriptions/s/x") {
		t.Errorf("decodeVM(name: 7) = %v, want an error naming the VM", err)
	}
	vm, err := decodeVM(json.RawMessage(`{"id": "i", "properties": {"instanceView": {"statuses": [{"code": "ProvisioningState/succeeded"}, {"code": "PowerState/running"}]}}}`))
	if err != nil || powerState(vm.statusCodes()) != providers.StateRunning {
		t.Errorf("decodeVM(status) = %+v, %v", vm, err)
	}
}
