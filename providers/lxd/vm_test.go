package lxd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/neogenesys/console/providers"
)

// decodeFile runs the adapter's decoding over a recorded answer.
func decodeFile(t *testing.T, p *Provider, path string, info *serverInfo) (map[string]providers.VM, []string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	vms := map[string]providers.VM{}
	var skipped []string
	skip := func(format string, args ...any) { skipped = append(skipped, format) }
	dec := json.NewDecoder(bytes.NewReader(raw))
	err = p.decode(context.Background(), dec, "", info, skip, func(vm providers.VM) error {
		vms[vm.ID] = vm
		return nil
	})
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return vms, skipped
}

func TestDecodeRecorded(t *testing.T) {
	p := &Provider{accountID: "acct-1", ep: endpoint{socket: "/var/lib/lxd/unix.socket"}}
	vms, skipped := decodeFile(t, p, recordedInstances, &serverInfo{name: "vm"})
	if len(skipped) > 0 || len(vms) != 6 {
		t.Fatalf("decoded %d VMs, skipped %v; want 6, none", len(vms), skipped)
	}
	web1 := vms["default/web1"]
	created := web1.CreatedAt
	if created.IsZero() {
		t.Error("web1: no created time")
	}
	want := providers.VM{
		Provider: "lxd", AccountID: "acct-1", ID: "default/web1", Name: "web1", State: providers.StateRunning,
		Region: "vm", Host: "vm", Type: "container", VCPUs: 2, MemoryMB: 256,
		PrivateIPs: web1.PrivateIPs, PublicIPs: []string{},
		OS: "busybox static", Image: "busybox-static test image", Tags: map[string]string{"team": "web"},
		CreatedAt: created,
	}
	if diff := cmp.Diff(want, web1); diff != "" {
		t.Errorf("web1 (-want +got):\n%s", diff)
	}
	if len(web1.PrivateIPs) != 1 || !strings.HasPrefix(web1.PrivateIPs[0], "10.201.") {
		t.Errorf("web1 private IPs %v, want one 10.201.x.y", web1.PrivateIPs)
	}
	app2 := vms["team/app2"]
	if !slices.Equal(app2.PrivateIPs, []string{"10.201.9.9", "fd42::7"}) || !slices.Equal(app2.PublicIPs, []string{"203.0.113.7"}) {
		t.Errorf("app2: private %v public %v", app2.PrivateIPs, app2.PublicIPs)
	}
	if db1 := vms["default/db1"]; db1.State != providers.StateStopped || len(db1.PrivateIPs) != 0 || db1.PrivateIPs == nil {
		t.Errorf("db1: state %s, private %#v; want stopped, empty non-nil", db1.State, db1.PrivateIPs)
	}
}

func TestDecodeShapes(t *testing.T) {
	// A member of a cluster reached over HTTPS whose UI is on.
	p := &Provider{accountID: "acct-1", ep: endpoint{url: "https://lxd.example.com:8443", host: "lxd.example.com"}}
	vms, skipped := decodeFile(t, p, "testdata/instances-shapes.json", &serverInfo{name: "node1", clustered: true, ui: true})
	if len(skipped) != 1 {
		t.Errorf("skipped %v, want the nameless record", skipped)
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	base := func(name string) providers.VM {
		return providers.VM{Provider: "lxd", AccountID: "acct-1", ID: "default/" + name, Name: name,
			Region: "node1", Host: "node1", Cluster: "lxd.example.com", Type: "container",
			PrivateIPs: []string{}, PublicIPs: []string{}, Tags: map[string]string{},
			CreatedAt:  at("2023-11-05T08:09:10Z"),
			ConsoleURL: "https://lxd.example.com:8443/ui/project/default/instance/" + name}
	}
	want := map[string]providers.VM{}
	vm1 := providers.VM{Provider: "lxd", AccountID: "acct-1", ID: "prod/vm1", Name: "vm1", State: providers.StateRunning,
		Region: "node2", Host: "node2", Cluster: "lxd.example.com", Type: "virtual-machine", VCPUs: 4, MemoryMB: 4096,
		DiskGB: 20, PrivateIPs: []string{"10.10.0.5", "100.101.102.103"}, PublicIPs: []string{"2001:db8::5"},
		OS: "Ubuntu jammy", Image: "Ubuntu jammy amd64 (20240301_07:42)",
		Tags: map[string]string{"env": "prod", "owner": "ops"}, CreatedAt: at("2024-03-01T10:00:00.123456789Z"),
		ConsoleURL: "https://lxd.example.com:8443/ui/project/prod/instance/vm1"}
	want["prod/vm1"] = vm1

	offline := base("c-offline")
	offline.State, offline.Region, offline.Host, offline.OS = providers.StateUnknown, "node3", "node3", "Debian bookworm"
	want[offline.ID] = offline

	frozen := base("c-frozen")
	frozen.State, frozen.VCPUs, frozen.MemoryMB, frozen.DiskGB, frozen.Image = providers.StateStopped, 2, 2048, 10, "0123456789ab"
	want[frozen.ID] = frozen

	badtime := base("c-badtime")
	badtime.State, badtime.CreatedAt, badtime.MemoryMB, badtime.Region, badtime.Host = providers.StateRunning,
		time.Time{}, 1, "node1", "node1" // location "none" → the server
	want[badtime.ID] = badtime

	odd := base("c-odd") // wrong types in some fields: the rest is kept
	odd.State, odd.VCPUs = providers.StatePending, 4
	want[odd.ID] = odd

	stopping := base("c-stopping")
	stopping.State, stopping.CreatedAt, stopping.Tags = providers.StateStopping, time.Time{}, map[string]string{"tier": ""}
	want[stopping.ID] = stopping

	unknown := base("c-new")
	unknown.State = providers.StateUnknown
	want[unknown.ID] = unknown

	old := base("c-old") // no project, type or expanded config: an LXD before projects and VMs
	old.State, old.OS, old.MemoryMB, old.Tags, old.CreatedAt = providers.StateRunning, "Alpine 3.13", 62,
		map[string]string{"role": "edge"}, at("2021-06-01T12:00:00Z")
	old.PublicIPs = []string{"192.0.2.10"}
	want[old.ID] = old

	if diff := cmp.Diff(want, vms); diff != "" {
		t.Errorf("decoded VMs (-want +got):\n%s", diff)
	}
}

func TestMapState(t *testing.T) {
	for in, want := range map[string]providers.State{
		"Running": providers.StateRunning, "Freezing": providers.StateRunning, "Thawed": providers.StateRunning,
		"Ready": providers.StateRunning, "Stopped": providers.StateStopped, "Frozen": providers.StateStopped,
		"Starting": providers.StatePending, "Stopping": providers.StateStopping, "Aborting": providers.StateStopping,
		"Error": providers.StateUnknown, "": providers.StateUnknown, "Hibernating": providers.StateUnknown,
	} {
		if got := mapState(in); got != want {
			t.Errorf("mapState(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestVCPUs(t *testing.T) {
	for _, c := range []struct {
		limit, typ string
		want       int
	}{
		{"", "container", 0}, {"", "virtual-machine", 1}, {"4", "container", 4}, {"0-3", "container", 4},
		{"1,3,5-6", "container", 4}, {"0-1,4-5", "virtual-machine", 4}, {"3-1", "container", 0}, {"two", "container", 0},
		{"-2", "container", 0},
	} {
		if got := vcpus(c.limit, c.typ); got != c.want {
			t.Errorf("vcpus(%q, %s) = %d, want %d", c.limit, c.typ, got, c.want)
		}
	}
}

func TestMemoryAndDisk(t *testing.T) {
	st := func(usage, total int64) *wireState {
		s := &wireState{}
		s.Memory.Usage, s.Memory.Total = usage, total
		return s
	}
	for _, c := range []struct {
		limit string
		st    *wireState
		typ   string
		want  int64
	}{
		{"512MiB", nil, "container", 512}, {"1GB", nil, "container", 954}, {"2GiB", st(1, 5), "virtual-machine", 2048},
		{"50%", st(1, 4<<30), "container", 4096}, {"", st(3<<20, 0), "container", 3}, {"", nil, "virtual-machine", 1024},
		{"", nil, "container", 0}, {"bogus", st(0, 0), "container", 0},
	} {
		if got := memoryMB(c.limit, c.st, c.typ); got != c.want {
			t.Errorf("memoryMB(%q, %+v, %s) = %d, want %d", c.limit, c.st, c.typ, got, c.want)
		}
	}
	disk := func(name string, usage, total int64) *wireState {
		s := &wireState{Disk: map[string]struct {
			Usage int64 `json:"usage"`
			Total int64 `json:"total"`
		}{}}
		s.Disk[name] = struct {
			Usage int64 `json:"usage"`
			Total int64 `json:"total"`
		}{usage, total}
		return s
	}
	root := func(name, size string) map[string]map[string]string {
		return map[string]map[string]string{name: {"type": "disk", "path": "/", "pool": "p", "size": size},
			"data": {"type": "disk", "path": "/srv", "size": "1TiB"}}
	}
	for _, c := range []struct {
		devices map[string]map[string]string
		st      *wireState
		want    int64
	}{
		{root("root", "20GiB"), nil, 20}, {root("root", "10GB"), nil, 10}, {root("rootfs", ""), disk("rootfs", 0, 5<<30), 5},
		{root("root", ""), disk("root", 1, 0), 1}, {root("root", ""), disk("other", 1, 0), 0}, {nil, nil, 0},
	} {
		if got := diskGB(c.devices, c.st); got != c.want {
			t.Errorf("diskGB(%v, %+v) = %d, want %d", c.devices, c.st, got, c.want)
		}
	}
}

func TestAddresses(t *testing.T) {
	nics := map[string]wireNIC{}
	if err := json.Unmarshal([]byte(`{
		"lo": {"type": "loopback", "addresses": [{"family": "inet", "address": "127.0.0.1", "scope": "local"}]},
		"eth1": {"type": "broadcast", "addresses": [
			{"family": "inet", "address": "192.168.1.10", "netmask": "24", "scope": "global"},
			{"family": "inet", "address": "198.51.100.4", "netmask": "24", "scope": "global"},
			{"family": "inet6", "address": "fe80::1", "netmask": "64", "scope": "link"},
			{"family": "inet", "address": "169.254.3.3", "netmask": "16", "scope": "global"},
			{"family": "inet", "address": "not-an-ip", "scope": "global"}]},
		"eth0": {"type": "broadcast", "addresses": [
			{"family": "inet", "address": "172.16.0.2", "netmask": "12", "scope": "global"},
			{"family": "inet6", "address": "2a01:4f8::2", "netmask": "64", "scope": "global"},
			{"family": "inet6", "address": "fd00::2", "netmask": "8", "scope": "global"}]},
		"docker0": {"type": "broadcast", "addresses": [{"family": "inet", "address": "172.16.0.2", "scope": "global"}]}
	}`), &nics); err != nil {
		t.Fatal(err)
	}
	private, public := addresses(nics)
	if want := []string{"172.16.0.2", "fd00::2", "192.168.1.10"}; !slices.Equal(private, want) {
		t.Errorf("private = %v, want %v", private, want)
	}
	if want := []string{"2a01:4f8::2", "198.51.100.4"}; !slices.Equal(public, want) {
		t.Errorf("public = %v, want %v", public, want)
	}
	if private, public := addresses(nil); private == nil || public == nil {
		t.Error("addresses(nil) returned nil slices")
	}
}

func TestTagsImage(t *testing.T) {
	cfg := map[string]string{"user.team": "web", "user.": "x", "user.user-data": "#cloud-config", "user.network-config": "v2",
		"limits.cpu": "2", "image.os": "Alpine", "image.release": "3.19", "volatile.base_image": "abc"}
	if got, want := tags(cfg), map[string]string{"team": "web"}; !cmp.Equal(got, want) {
		t.Errorf("tags = %v, want %v", got, want)
	}
	if got := imageName(cfg); got != "abc" {
		t.Errorf("imageName = %q, want the base image fingerprint", got)
	}
}

func TestSplitID(t *testing.T) {
	for _, c := range []struct{ id, project, name string }{
		{"default/web1", "default", "web1"}, {"team/app", "team", "app"}, {"bare", "default", "bare"},
	} {
		p, n, err := splitID(c.id)
		if err != nil || p != c.project || n != c.name {
			t.Errorf("splitID(%q) = %q, %q, %v", c.id, p, n, err)
		}
	}
	for _, id := range []string{"", "/x", "p/", "a/b/c"} {
		if _, _, err := splitID(id); err == nil {
			t.Errorf("splitID(%q) succeeded", id)
		}
	}
}
