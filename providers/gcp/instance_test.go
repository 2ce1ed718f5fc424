package gcp

import (
	"testing"
	"time"

	"cloud.google.com/go/compute/apiv1/computepb"
	"github.com/google/go-cmp/cmp"

	"github.com/neogenesys/console/providers"
)

func TestStateOf(t *testing.T) {
	for status, want := range map[string]providers.State{
		"PROVISIONING": providers.StatePending,
		"STAGING":      providers.StatePending,
		"RUNNING":      providers.StateRunning,
		"STOPPING":     providers.StateStopping,
		"SUSPENDING":   providers.StateStopping,
		"SUSPENDED":    providers.StateStopped,
		"TERMINATED":   providers.StateStopped,
		"REPAIRING":    providers.StateUnknown,
		"HIBERNATING":  providers.StateUnknown,
		"":             providers.StateUnknown,
		"running":      providers.StateUnknown,
	} {
		if got := stateOf(status); got != want {
			t.Errorf("stateOf(%q) = %q, want %q", status, got, want)
		}
	}
}

func TestRegionOf(t *testing.T) {
	for zone, want := range map[string]string{
		"us-central1-a":             "us-central1",
		"europe-west1-b":            "europe-west1",
		"northamerica-northeast2-c": "northamerica-northeast2",
		"zone":                      "zone",
	} {
		if got := regionOf(zone); got != want {
			t.Errorf("regionOf(%q) = %q, want %q", zone, got, want)
		}
	}
}

func TestParseCustom(t *testing.T) {
	for name, want := range map[string]typeSizes{
		"custom-4-16384":         {4, 16384},
		"n2-custom-8-32768":      {8, 32768},
		"n2d-custom-2-10240-ext": {2, 10240},
		"e2-custom-medium-4096":  {2, 4096},
	} {
		got, ok := parseCustom(name)
		if !ok || got != want {
			t.Errorf("parseCustom(%q) = %v, %v; want %v", name, got, ok, want)
		}
	}
	for _, name := range []string{"e2-small", "n2-standard-4", "custom-x-1", "customer-4-1"} {
		if got, ok := parseCustom(name); ok {
			t.Errorf("parseCustom(%q) = %v, want no match", name, got)
		}
	}
}

const link = "https://www.googleapis.com/compute/v1/projects/"

func TestToVM(t *testing.T) {
	in := &computepb.Instance{
		Id:                ptr(uint64(4242424242424242424)),
		Name:              ptr("web-prod-00001"),
		Status:            ptr("RUNNING"),
		Zone:              ptr(link + "acme-prod/zones/europe-west1-b"),
		MachineType:       ptr(link + "acme-prod/zones/europe-west1-b/machineTypes/n2-standard-4"),
		CreationTimestamp: ptr("2026-01-15T10:23:45.123-08:00"),
		Labels:            map[string]string{"env": "prod"},
		NetworkInterfaces: []*computepb.NetworkInterface{
			{NetworkIP: ptr("10.0.0.2"), AccessConfigs: []*computepb.AccessConfig{{NatIP: ptr("203.0.113.7")}, {}}},
			{NetworkIP: ptr("10.1.0.2"), Ipv6Address: ptr("fd20::2"),
				Ipv6AccessConfigs: []*computepb.AccessConfig{{ExternalIpv6: ptr("2600:1900::2")}}},
		},
		Disks: []*computepb.AttachedDisk{
			{Boot: ptr(true), DiskSizeGb: ptr(int64(20)), Licenses: []string{link + "debian-cloud/global/licenses/debian-12-bookworm"}},
			{DiskSizeGb: ptr(int64(100))},
		},
	}
	got, ok := toVM("acct", "acme-prod", "zones/europe-west1-b", in, typeSizes{4, 16384})
	if !ok {
		t.Fatal("toVM refused a complete record")
	}
	want := providers.VM{
		Provider: "gcp", AccountID: "acct", ID: "acme-prod/europe-west1-b/web-prod-00001", Name: "web-prod-00001",
		State: providers.StateRunning, Region: "europe-west1", Zone: "europe-west1-b", Type: "n2-standard-4",
		VCPUs: 4, MemoryMB: 16384, DiskGB: 120,
		PrivateIPs: []string{"10.0.0.2", "10.1.0.2", "fd20::2"}, PublicIPs: []string{"203.0.113.7", "2600:1900::2"},
		OS: "linux", Image: "debian-12-bookworm", Tags: map[string]string{"env": "prod"},
		CreatedAt:  time.Date(2026, 1, 15, 18, 23, 45, 123e6, time.UTC),
		ConsoleURL: "https://console.cloud.google.com/compute/instancesDetail/zones/europe-west1-b/instances/web-prod-00001?project=acme-prod",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("toVM (-want +got):\n%s", d)
	}
}

func TestToVMDefects(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     *computepb.Instance
		ok     bool
		check  func(providers.VM) bool
		expect string
	}{
		{"no name", &computepb.Instance{Zone: ptr("us-central1-a")}, false, nil, ""},
		{"zone from the scope key", &computepb.Instance{Name: ptr("a")}, true,
			func(vm providers.VM) bool { return vm.Zone == "us-central1-a" && vm.ID == "p/us-central1-a/a" }, "zone from key"},
		{"bad timestamp", &computepb.Instance{Name: ptr("a"), CreationTimestamp: ptr("last tuesday")}, true,
			func(vm providers.VM) bool { return vm.CreatedAt.IsZero() }, "zero CreatedAt"},
		{"nothing but a name", &computepb.Instance{Name: ptr("a")}, true,
			func(vm providers.VM) bool {
				return vm.State == providers.StateUnknown && vm.PrivateIPs != nil && vm.PublicIPs != nil && vm.Tags != nil
			}, "unknown state, non-nil slices and map"},
		{"windows by feature", &computepb.Instance{Name: ptr("a"), Disks: []*computepb.AttachedDisk{{Boot: ptr(true),
			GuestOsFeatures:  []*computepb.GuestOsFeature{{Type: ptr("WINDOWS")}},
			InitializeParams: &computepb.AttachedDiskInitializeParams{SourceImage: ptr(link + "windows-cloud/global/images/windows-server-2022-dc-v20260110")}}}},
			true, func(vm providers.VM) bool {
				return vm.OS == "windows" && vm.Image == "windows-server-2022-dc-v20260110"
			}, "windows image"},
		{"windows by license", &computepb.Instance{Name: ptr("a"), Disks: []*computepb.AttachedDisk{{Boot: ptr(true),
			Licenses: []string{link + "windows-cloud/global/licenses/windows-server-2022-dc"}}}},
			true, func(vm providers.VM) bool { return vm.OS == "windows" && vm.Image == "windows-server-2022-dc" }, "windows license"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vm, ok := toVM("acct", "p", "zones/us-central1-a", tc.in, typeSizes{})
			if ok != tc.ok {
				t.Fatalf("toVM ok = %v, want %v", ok, tc.ok)
			}
			if tc.check != nil && !tc.check(vm) {
				t.Errorf("toVM = %+v, want %s", vm, tc.expect)
			}
		})
	}
}

func TestParseID(t *testing.T) {
	p := &Provider{projects: []string{"acme-prod"}}
	if pr, z, n, err := p.parseID("acme-prod/us-central1-a/web-1"); err != nil || pr != "acme-prod" || z != "us-central1-a" || n != "web-1" {
		t.Errorf("parseID = %q %q %q %v", pr, z, n, err)
	}
	for _, id := range []string{"", "web-1", "acme-prod/web-1", "acme-prod/us-central1-a/Web", "acme-prod/us-central1-a/web-1/x",
		"acme-dev/us-central1-a/web-1", "4242424242"} {
		if _, _, _, err := p.parseID(id); err == nil {
			t.Errorf("parseID(%q) = nil error", id)
		}
	}
}
