package proxmox

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/neogenesys/console/providers"
	"github.com/neogenesys/console/providers/sim"
	"github.com/neogenesys/console/providers/sim/pvesim"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func listAll(t *testing.T, p providers.Provider) map[string]providers.VM {
	t.Helper()
	got := map[string]providers.VM{}
	if err := p.List(testCtx(t), func(vm providers.VM) error { got[vm.ID] = vm; return nil }); err != nil {
		t.Fatalf("List: %v", err)
	}
	return got
}

func fingerprintOf(h *harness) string {
	return formatFingerprint(sha256.Sum256(h.srv.Certificate().Raw))
}

// The pinned fingerprint alone decides: no CA is configured, and the right
// pin works while a wrong one fails with a TLS error naming the mismatch.
func TestFingerprintPinning(t *testing.T) {
	h := newHarness(t, 6, pvesim.Options{})
	pin := fingerprintOf(h)
	pinned := func(fp string) *Provider {
		return h.provider(t, func(m map[string]any) { delete(m, "caCert"); m["fingerprint"] = fp })
	}

	if _, err := pinned(pin).Check(testCtx(t)); err != nil {
		t.Fatalf("Check with the right pin: %v", err)
	}
	if _, err := pinned(strings.ToLower(strings.ReplaceAll(pin, ":", ""))).Check(testCtx(t)); err != nil {
		t.Fatalf("Check with the pin in lower case without colons: %v", err)
	}

	wrong := "00" + pin[2:]
	if wrong == pin {
		wrong = "11" + pin[2:]
	}
	_, err := pinned(wrong).Check(testCtx(t))
	if !errors.Is(err, providers.ErrUnreachable) {
		t.Fatalf("Check with a wrong pin = %v, want ErrUnreachable", err)
	}
	var pe *PinError
	if !errors.As(err, &pe) || pe.Got != pin || pe.Want != wrong {
		t.Errorf("error %v does not carry a PinError with got %s, want %s", err, pin, wrong)
	}
	if !strings.Contains(err.Error(), "fingerprint") || !strings.Contains(err.Error(), "TLS") {
		t.Errorf("error %q does not name the TLS fingerprint mismatch", err)
	}
}

// Without a CA or a pin the simulator's self-signed certificate is refused;
// insecureSkipVerify accepts it.
func TestCertificateTrust(t *testing.T) {
	h := newHarness(t, 6, pvesim.Options{})
	_, err := h.provider(t, func(m map[string]any) { delete(m, "caCert") }).Check(testCtx(t))
	if !errors.Is(err, providers.ErrUnreachable) || !strings.Contains(err.Error(), "TLS") {
		t.Errorf("Check of an untrusted certificate = %v, want a TLS ErrUnreachable", err)
	}
	insecure := h.provider(t, func(m map[string]any) { delete(m, "caCert"); m["insecureSkipVerify"] = true })
	if _, err := insecure.Check(testCtx(t)); err != nil {
		t.Errorf("Check with insecureSkipVerify: %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	h := newHarness(t, 6, pvesim.Options{})
	url := h.srv.URL
	h.srv.Close()
	p := h.provider(t, func(m map[string]any) { m["endpoint"] = url })
	if _, err := p.Check(testCtx(t)); !errors.Is(err, providers.ErrUnreachable) {
		t.Errorf("Check of a closed port = %v, want ErrUnreachable", err)
	}
}

// A ticket login: reads, writes (which need the CSRF token), a refused
// password, and a new login when the cluster forgets the ticket.
func TestTicketLogin(t *testing.T) {
	h := newHarness(t, 12, pvesim.Options{})
	login := func(password string) *Provider {
		return h.provider(t, func(m map[string]any) {
			delete(m, "tokenId")
			delete(m, "tokenSecret")
			m["username"], m["password"] = "root@pam", password
		})
	}
	p := login("pvesim-password")
	info, err := p.Check(testCtx(t))
	if err != nil || info.Identity != "homelab" {
		t.Fatalf("Check = %+v, %v; want identity homelab", info, err)
	}
	ids, _ := h.guests()
	if got := listAll(t, p); len(got) != len(ids) {
		t.Errorf("List emitted %d guests, want %d", len(got), len(ids))
	}
	ct := h.firstGuest(t, func(vm sim.VM) bool { return vm.Kind == "lxc" && vm.State == sim.Running })
	if err := p.Power(testCtx(t), "lxc/"+ct.ID, providers.Stop); err != nil {
		t.Fatalf("Power(stop) with a ticket: %v", err)
	}

	h.sim.ExpireSessions()
	if err := p.Power(testCtx(t), "lxc/"+ct.ID, providers.Start); err != nil {
		t.Fatalf("Power(start) after the tickets were forgotten: %v", err)
	}

	_, err = login("wrong").Check(testCtx(t))
	if !errors.Is(err, providers.ErrAuth) || !strings.Contains(err.Error(), "credentials") {
		t.Errorf("Check with a wrong password = %v, want ErrAuth saying credentials", err)
	}
}

// A secret given as env:NAME is read from the environment.
func TestSecretReference(t *testing.T) {
	h := newHarness(t, 6, pvesim.Options{})
	secret := h.sim.AccountConfig(h.srv.URL, nil)["tokenSecret"].(string)
	t.Setenv("PVE_TEST_TOKEN_SECRET", secret)
	p := h.provider(t, func(m map[string]any) { m["tokenSecret"] = "env:PVE_TEST_TOKEN_SECRET" })
	if _, err := p.Check(testCtx(t)); err != nil {
		t.Errorf("Check with an env: secret: %v", err)
	}
	if _, err := h.config(t, func(m map[string]any) { m["tokenSecret"] = "env:PVE_TEST_UNSET" }).New("a"); err == nil {
		t.Error("New with an unset env: secret succeeded")
	}
}

// Every field of a listed guest, against the fleet it came from.
func TestListFields(t *testing.T) {
	h := newHarness(t, 30, pvesim.Options{})
	got := listAll(t, h.provider(t, nil))

	web := h.srv.URL
	hosts := map[string]bool{}
	for _, fvm := range h.sim.Fleet.List(nil) {
		id := fvm.Kind + "/" + fvm.ID
		vm, ok := got[id]
		if fvm.Tags[pvesim.TagTemplate] != "" {
			if ok {
				t.Errorf("template %s was listed", id)
			}
			continue
		}
		if !ok {
			t.Errorf("%s not listed", id)
			continue
		}
		hosts[vm.Host] = true
		tags := map[string]string{fvm.Tags["env"]: "", fvm.Tags["team"]: ""}
		if fvm.Group != "" {
			tags["pool"] = fvm.Group
		}
		want := providers.VM{
			Provider: Kind, AccountID: "acct-pve", ID: id, Name: fvm.Name,
			State:  map[sim.State]providers.State{sim.Running: providers.StateRunning, sim.Stopped: providers.StateStopped}[fvm.State],
			Region: "homelab", Host: fvm.Host, Cluster: "homelab", Type: fvm.Kind,
			VCPUs: fvm.VCPUs, MemoryMB: fvm.MemoryMB, DiskGB: fvm.DiskGB,
			PrivateIPs: []string{}, PublicIPs: []string{}, Tags: tags,
			ConsoleURL: fmt.Sprintf("%s/#v1:0:=%s%%2F%s:4::::::", web, fvm.Kind, fvm.ID),
		}
		if fvm.State == sim.Running && fvm.Tags[pvesim.TagNoAgent] == "" {
			want.PrivateIPs = []string{fvm.PrivateIP}
			if fvm.PublicIP != "" {
				want.PublicIPs = []string{fvm.PublicIP}
			}
		}
		if diff := cmp.Diff(want, vm); diff != "" {
			t.Errorf("%s (-want +got):\n%s", id, diff)
		}
	}
	if len(hosts) != 3 {
		t.Errorf("guests span nodes %v, want pve1..pve3", slices.Sorted(maps.Keys(hosts)))
	}
}

// A standalone host: the node is the identity and the region.
func TestStandaloneHost(t *testing.T) {
	fleet := sim.NewFleet()
	fleet.Add(sim.VM{ID: "100", Name: "web", Kind: "qemu", Host: "pve", State: sim.Running, VCPUs: 2,
		MemoryMB: 2048, DiskGB: 32, PrivateIP: "192.168.1.50"})
	h := serve(t, fleet, pvesim.Options{Standalone: true})
	p := h.provider(t, nil)
	info, err := p.Check(testCtx(t))
	if err != nil || info.Identity != "pve" || !slices.Equal(info.Regions, []string{"pve"}) {
		t.Fatalf("Check = %+v, %v; want identity and region pve", info, err)
	}
	vm := listAll(t, p)["qemu/100"]
	if vm.Region != "pve" || vm.Cluster != "" || vm.Host != "pve" {
		t.Errorf("standalone guest region %q cluster %q host %q, want pve, empty, pve", vm.Region, vm.Cluster, vm.Host)
	}
}

// Guests on an offline node are unknown and get no address look-ups;
// powering one is unreachable (PVE's 595).
func TestOfflineNode(t *testing.T) {
	h := newHarness(t, 30, pvesim.Options{})
	p := h.provider(t, nil)
	h.sim.SetOffline("pve3", true)

	info, err := p.Check(testCtx(t))
	if err != nil || len(info.Regions) != 3 {
		t.Fatalf("Check with pve3 offline = %+v, %v; want its three nodes", info, err)
	}
	before := h.sim.Faults.Requests()
	got := listAll(t, p)
	lookups := 0
	for _, vm := range got {
		if vm.Host == "pve3" && vm.State != providers.StateUnknown {
			t.Errorf("%s on offline pve3 is %s, want unknown", vm.ID, vm.State)
		}
		if vm.Host != "pve3" && vm.State == providers.StateRunning {
			lookups++
		}
	}
	if n := h.sim.Faults.Requests() - before; n != int64(2+lookups) {
		t.Errorf("List took %d requests, want %d (no look-ups on pve3)", n, 2+lookups)
	}
	off := h.firstGuest(t, func(vm sim.VM) bool { return vm.Host == "pve3" && vm.State == sim.Running })
	err = p.Power(testCtx(t), off.Kind+"/"+off.ID, providers.Stop)
	if !errors.Is(err, providers.ErrUnreachable) {
		t.Errorf("Power on offline pve3 = %v, want ErrUnreachable", err)
	}
}

func TestPowerErrors(t *testing.T) {
	h := newHarness(t, 30, pvesim.Options{})
	p := h.provider(t, nil)
	up := h.firstGuest(t, func(vm sim.VM) bool { return vm.State == sim.Running })
	down := h.firstGuest(t, func(vm sim.VM) bool { return vm.State == sim.Stopped })
	for _, tc := range []struct {
		id   string
		a    providers.Action
		want error
	}{
		{up.Kind + "/" + up.ID, providers.Start, providers.ErrInvalidState},
		{down.Kind + "/" + down.ID, providers.Reboot, providers.ErrInvalidState},
		{"qemu/424242", providers.Stop, providers.ErrNotFound},
		{"vm-100", providers.Stop, providers.ErrNotFound},
		{"qemu/12", providers.Stop, providers.ErrNotFound},
	} {
		if err := p.Power(testCtx(t), tc.id, tc.a); !errors.Is(err, tc.want) {
			t.Errorf("Power(%s, %s) = %v, want %v", tc.id, tc.a, err, tc.want)
		}
	}
	// A guest's type is part of its id: lxc/N is not qemu/N.
	wrongType := map[string]string{"qemu": "lxc", "lxc": "qemu"}[up.Kind] + "/" + up.ID
	if err := p.Power(testCtx(t), wrongType, providers.Stop); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("Power(%s) = %v, want ErrNotFound", wrongType, err)
	}
}

// A guest that migrated after the last listing is found on its new node.
func TestPowerAfterMigration(t *testing.T) {
	h := newHarness(t, 30, pvesim.Options{})
	p := h.provider(t, nil)
	vm := h.firstGuest(t, func(vm sim.VM) bool { return vm.State == sim.Running })
	id := vm.Kind + "/" + vm.ID
	if got := listAll(t, p)[id].Host; got != vm.Host {
		t.Fatalf("%s listed on %s, want %s", id, got, vm.Host)
	}
	to := map[string]string{"pve1": "pve2", "pve2": "pve3", "pve3": "pve1"}[vm.Host]
	if err := h.sim.Fleet.Mutate(vm.ID, func(v *sim.VM) { v.Host = to }); err != nil {
		t.Fatal(err)
	}
	if err := p.Power(testCtx(t), id, providers.Stop); err != nil {
		t.Fatalf("Power after migration to %s: %v", to, err)
	}
	if got := listAll(t, p)[id]; got.Host != to || got.State != providers.StateStopped {
		t.Errorf("%s is %s on %s, want stopped on %s", id, got.State, got.Host, to)
	}
}

// Throttling past the retry budget is ErrThrottled, 503 and 429 alike.
func TestThrottleBudget(t *testing.T) {
	for _, code := range []int{503, 429} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			h := newHarness(t, 6, pvesim.Options{ThrottleStatus: code})
			p := h.provider(t, nil)
			p.http.Transport.(*apiTransport).retry = retryPolicy{attempts: 3, base: time.Millisecond, max: 5 * time.Millisecond}

			h.sim.Faults.Throttle(2)
			if _, err := p.Check(testCtx(t)); err != nil {
				t.Errorf("Check after 2 throttled answers: %v", err)
			}
			h.sim.Faults.Throttle(100)
			defer h.sim.Faults.Throttle(0)
			before := h.sim.Faults.Requests()
			_, err := p.Check(testCtx(t))
			if !errors.Is(err, providers.ErrThrottled) {
				t.Errorf("Check while throttled = %v, want ErrThrottled", err)
			}
			if n := h.sim.Faults.Requests() - before; n != 3 {
				t.Errorf("Check made %d attempts, want 3", n)
			}
		})
	}
}

// emit's error stops the listing and comes back as it is.
func TestListStopsOnEmitError(t *testing.T) {
	h := newHarness(t, 60, pvesim.Options{})
	p := h.provider(t, nil)
	stop := errors.New("enough")
	n := 0
	err := p.List(testCtx(t), func(providers.VM) error {
		n++
		if n == 30 { // past the guests without look-ups, into the parallel part
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 30 {
		t.Errorf("List = %v after %d emits, want the emit error after 30", err, n)
	}
}

// skipAddresses lists with the two cluster requests only.
func TestSkipAddresses(t *testing.T) {
	h := newHarness(t, 30, pvesim.Options{})
	p := h.provider(t, func(m map[string]any) { m["skipAddresses"] = true })
	before := h.sim.Faults.Requests()
	for id, vm := range listAll(t, p) {
		if len(vm.PrivateIPs)+len(vm.PublicIPs) != 0 {
			t.Errorf("%s has addresses %v %v", id, vm.PrivateIPs, vm.PublicIPs)
		}
	}
	if n := h.sim.Faults.Requests() - before; n != 2 {
		t.Errorf("List took %d requests, want 2", n)
	}
}
