package proxmox

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/neogenesys/console/providers"
)

func TestMapState(t *testing.T) {
	for in, want := range map[string]providers.State{
		"running":   providers.StateRunning,
		"Running":   providers.StateRunning,
		"stopped":   providers.StateStopped,
		"paused":    providers.StateStopped,
		"suspended": providers.StateStopped,
		"prelaunch": providers.StatePending,
		"stopping":  providers.StateStopping,
		"unknown":   providers.StateUnknown,
		"":          providers.StateUnknown,
		"migrating": providers.StateUnknown,
	} {
		if got := mapState(in); got != want {
			t.Errorf("mapState(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseTags(t *testing.T) {
	for _, tc := range []struct {
		tags, pool string
		want       map[string]string
	}{
		{"", "", map[string]string{}},
		{"prod;web", "", map[string]string{"prod": "", "web": ""}},
		{"prod,web db ;; ", "infra", map[string]string{"prod": "", "web": "", "db": "", "pool": "infra"}},
		{"", "dev", map[string]string{"pool": "dev"}},
	} {
		if diff := cmp.Diff(tc.want, parseTags(tc.tags, tc.pool)); diff != "" {
			t.Errorf("parseTags(%q, %q) (-want +got):\n%s", tc.tags, tc.pool, diff)
		}
	}
}

func TestDecodeGuest(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     guest // r is not compared
		hint     string
		err      string // substring; "" for success
	}{
		{name: "qemu", in: `{"id":"qemu/100","type":"qemu","vmid":100,"node":"pve1","maxcpu":2}`,
			want: guest{typ: "qemu", vmid: 100, node: "pve1"}, hint: "qemu/100"},
		{name: "quoted numbers", in: `{"id":"lxc/101","type":"lxc","vmid":"101","node":"pve2","template":"1","maxmem":"1024"}`,
			want: guest{typ: "lxc", vmid: 101, node: "pve2", template: true}, hint: "lxc/101"},
		{name: "numeric name", in: `{"id":"qemu/102","type":"qemu","vmid":102,"node":"pve1","name":2024}`,
			want: guest{typ: "qemu", vmid: 102, node: "pve1"}, hint: "qemu/102"},
		{name: "vmid from id", in: `{"id":"qemu/103","node":"pve1"}`,
			want: guest{typ: "qemu", vmid: 103, node: "pve1"}, hint: "qemu/103"},
		{name: "bad vmid", in: `{"id":"qemu/104","type":"qemu","vmid":"corrupt-104","node":"pve1"}`, hint: "qemu/104", err: "not a number"},
		{name: "small vmid", in: `{"id":"qemu/7","type":"qemu","vmid":7,"node":"pve1"}`, hint: "qemu/7", err: "not a PVE guest id"},
		{name: "fraction", in: `{"id":"qemu/100","type":"qemu","vmid":100.5,"node":"pve1"}`, hint: "qemu/100", err: "not a PVE guest id"},
		{name: "storage", in: `{"id":"storage/pve1/local","type":"storage","node":"pve1"}`, hint: "storage/pve1/local", err: "not a guest"},
		{name: "no node", in: `{"id":"lxc/105","type":"lxc","vmid":105}`, hint: "lxc/105", err: "no node"},
		{name: "no id", in: `{"type":"qemu","node":"pve1"}`, err: "no vmid"},
		{name: "not an object", in: `[1]`, err: "cannot unmarshal"},
		{name: "bad maxmem", in: `{"id":"qemu/106","type":"qemu","vmid":106,"node":"pve1","maxmem":"lots"}`, hint: "qemu/106", err: "not a number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, hint, err := decodeGuest(json.RawMessage(tc.in))
			if hint != tc.hint {
				t.Errorf("hint %q, want %q", hint, tc.hint)
			}
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("decodeGuest(%s) error %v, want %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeGuest(%s): %v", tc.in, err)
			}
			g.r = resource{}
			if g != tc.want {
				t.Errorf("decodeGuest(%s) = %+v, want %+v", tc.in, g, tc.want)
			}
		})
	}
}

func TestGuestToVM(t *testing.T) {
	p := &Provider{accountID: "a", web: "https://pve:8006"}
	g, _, err := decodeGuest(json.RawMessage(`{"id":"lxc/250","type":"lxc","vmid":250,"node":"pve2",
		"status":"running","maxcpu":1.5,"maxmem":2147483648,"maxdisk":8589934592,"tags":"dns;infra","pool":"core"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := providers.VM{Provider: "proxmox", AccountID: "a", ID: "lxc/250", Name: "CT 250",
		State: providers.StateRunning, Region: "lab", Host: "pve2", Cluster: "lab", Type: "lxc", VCPUs: 2,
		MemoryMB: 2048, DiskGB: 8, PrivateIPs: []string{}, PublicIPs: []string{},
		Tags:       map[string]string{"dns": "", "infra": "", "pool": "core"},
		ConsoleURL: "https://pve:8006/#v1:0:=lxc%2F250:4::::::"}
	c := clusterInfo{name: "lab", nodes: []string{"pve1", "pve2"}, offline: map[string]bool{}}
	if diff := cmp.Diff(want, p.vm(g, c)); diff != "" {
		t.Errorf("vm (-want +got):\n%s", diff)
	}
	c.offline["pve2"] = true
	if got := p.vm(g, c).State; got != providers.StateUnknown {
		t.Errorf("guest on an offline node is %s, want unknown", got)
	}
}

func TestParseClusterStatus(t *testing.T) {
	var raw []json.RawMessage
	in := `[{"type":"cluster","id":"cluster","name":"homelab","nodes":3,"quorate":1},
		{"type":"node","name":"pve2","online":1},{"type":"node","name":"pve1","online":"1"},
		{"type":"node","name":"pve3","online":0},{"type":"node","name":7,"online":"x"},"garbage"]`
	if err := json.Unmarshal([]byte(in), &raw); err != nil {
		t.Fatal(err)
	}
	got := parseClusterStatus(raw)
	want := clusterInfo{name: "homelab", nodes: []string{"pve1", "pve2", "pve3"}, offline: map[string]bool{"pve3": true}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(clusterInfo{})); diff != "" {
		t.Errorf("parseClusterStatus (-want +got):\n%s", diff)
	}
	if got.identity() != "homelab" {
		t.Errorf("identity %q", got.identity())
	}
	standalone := clusterInfo{nodes: []string{"pve"}}
	if standalone.identity() != "pve" {
		t.Errorf("standalone identity %q, want pve", standalone.identity())
	}
}

func TestSortAddresses(t *testing.T) {
	private, public := sortAddresses([]string{
		"127.0.0.1", "::1", "10.0.0.5/24", "fe80::be24:11ff:fe00:6401%eth0", "169.254.3.4",
		"203.0.113.7", "100.101.102.103", "fd7a:115c:a1e0::1", "2001:db8::10", "10.0.0.5",
		"::ffff:192.168.1.9", "0.0.0.0", "224.0.0.1", "not-an-ip", "",
	})
	if diff := cmp.Diff([]string{"10.0.0.5", "100.101.102.103", "fd7a:115c:a1e0::1", "192.168.1.9"}, private); diff != "" {
		t.Errorf("private (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"203.0.113.7", "2001:db8::10"}, public); diff != "" {
		t.Errorf("public (-want +got):\n%s", diff)
	}
	if p, q := sortAddresses(nil); p == nil || q == nil {
		t.Error("sortAddresses(nil) returned a nil slice")
	}
}

func TestParseID(t *testing.T) {
	for in, ok := range map[string]bool{
		"qemu/100": true, "lxc/999999999": true, "qemu/99": false, "vm/100": false,
		"qemu/": false, "qemu/1e3": false, "100": false, "qemu/100/x": false,
	} {
		if _, _, err := parseID(in); (err == nil) != ok {
			t.Errorf("parseID(%q) error %v, want ok=%v", in, err, ok)
		}
	}
}

func TestParseFingerprint(t *testing.T) {
	fp, err := parseFingerprint(strings.ToLower(testPin))
	if err != nil || formatFingerprint(fp) != testPin {
		t.Errorf("round trip of %s = %s, %v", testPin, formatFingerprint(fp), err)
	}
	for _, bad := range []string{"", "AA", testPin + ":00", strings.Replace(testPin, ":", "", 3), "SHA256:abc"} {
		if _, err := parseFingerprint(bad); err == nil {
			t.Errorf("parseFingerprint(%q) succeeded", bad)
		}
	}
}
