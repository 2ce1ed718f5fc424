package azure

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/providers"
	"github.com/neogenesys/console/providers/providertest"
	"github.com/neogenesys/console/providers/sim"
	"github.com/neogenesys/console/providers/sim/armsim"
)

// simAccount is an armsim server and configs pointing at it.
type simAccount struct {
	fleet *sim.Fleet
	srv   *armsim.Server
	ts    *httptest.Server
	raw   map[string]any // the sim's AccountConfig
}

// startSim serves n VMs, pageSize to a page. Keep-alives are off unless
// keepAlive: the conformance suite's leak check would otherwise count the
// server's goroutines for pooled connections.
func startSim(t testing.TB, n, pageSize int, keepAlive bool) *simAccount {
	t.Helper()
	fleet := sim.NewFleet()
	armsim.Populate(fleet, n, 1)
	fleet.Transition = 200 * time.Millisecond
	srv := armsim.New(fleet, armsim.Options{PageSize: pageSize})
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.SetKeepAlivesEnabled(keepAlive)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	return &simAccount{fleet: fleet, srv: srv, ts: ts, raw: srv.AccountConfig(ts.URL, ca)}
}

// config decodes the sim's account config the way the console does, then
// applies change.
func (a *simAccount) config(t testing.TB, change func(map[string]any)) *Config {
	t.Helper()
	raw := map[string]any{}
	for k, v := range a.raw {
		raw[k] = v
	}
	if change != nil {
		change(raw)
	}
	b, err := json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	cfg := NewConfig()
	if err := json.Unmarshal(b, cfg); err != nil {
		t.Fatal(err)
	}
	cfg.PollInterval = 50 * time.Millisecond
	return cfg
}

func (a *simAccount) provider(t testing.TB, change func(map[string]any)) *Provider {
	t.Helper()
	p, err := a.config(t, change).New("acct-azure")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = p.(*Provider).Close() })
	return p.(*Provider)
}

func TestConformance(t *testing.T) {
	a := startSim(t, 60, 7, false)
	var ids []string
	running := ""
	for _, vm := range a.fleet.List(nil) {
		ids = append(ids, vm.ID)
		if running == "" && vm.State == sim.Running {
			running = vm.ID
		}
	}
	// 30 VMs a subscription in pages of 7: 5 pages, twice (model and
	// status), in each of 2 subscriptions.
	providertest.Run(t, providertest.Target{
		Kind:            Kind,
		Provider:        a.provider(t, nil),
		BadAuth:         a.provider(t, func(m map[string]any) { m["clientSecret"] = "wrong-secret" }),
		WantIDs:         ids,
		MinRegions:      2,
		Running:         running,
		MissingID:       armsim.VMID(armsim.Subscriptions()[0], "rg-web", "vm-does-not-exist"),
		Settle:          10 * time.Second,
		Requests:        a.srv.Faults.Requests,
		MinListRequests: 20,
		Throttle:        a.srv.Faults.Throttle,
		SetLatency:      a.srv.Faults.SetLatency,
		Corrupt:         a.srv.Corrupt,
	})
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func listAll(t *testing.T, p providers.Provider) map[string]providers.VM {
	t.Helper()
	got := map[string]providers.VM{}
	if err := p.List(ctxT(t), func(vm providers.VM) error { got[vm.ID] = vm; return nil }); err != nil {
		t.Fatalf("List: %v", err)
	}
	return got
}

// TestListFields checks every field of the unified VM against the fleet.
func TestListFields(t *testing.T) {
	a := startSim(t, 10, 3, false)
	p := a.provider(t, nil)
	got := listAll(t, p)
	if len(got) != 10 {
		t.Fatalf("listed %d VMs, want 10", len(got))
	}
	sizes := map[string][2]int64{"Standard_B2s": {2, 4096}, "Standard_D4s_v5": {4, 16384}, "Standard_E8s_v5": {8, 65536}}
	for _, want := range a.fleet.List(nil) {
		vm, ok := got[want.ID]
		if !ok {
			t.Errorf("%s not listed", want.ID)
			continue
		}
		name := want.ID[strings.LastIndex(want.ID, "/")+1:]
		wantState := map[sim.State]providers.State{sim.Running: providers.StateRunning, sim.Stopped: providers.StateStopped}[want.State]
		checks := []struct {
			field    string
			got, exp any
		}{
			{"Provider", vm.Provider, "azure"},
			{"AccountID", vm.AccountID, "acct-azure"},
			{"Name", vm.Name, name},
			{"State", vm.State, wantState},
			{"Region", vm.Region, want.Region},
			{"Zone", vm.Zone, want.Region + "-" + want.Zone},
			{"Type", vm.Type, want.Type},
			{"VCPUs", int64(vm.VCPUs), sizes[want.Type][0]},
			{"MemoryMB", vm.MemoryMB, sizes[want.Type][1]},
			{"DiskGB", vm.DiskGB, want.DiskGB},
			{"OS", vm.OS, strings.ToLower(want.OS)},
			{"Image", vm.Image, want.Image},
			{"CreatedAt", vm.CreatedAt, want.Created.UTC()},
			{"Tags[env]", vm.Tags["env"], want.Tags["env"]},
			{"ConsoleURL", vm.ConsoleURL, "https://portal.azure.com/#@" + armsim.DefaultTenantID + "/resource" + want.ID + "/overview"},
		}
		for _, c := range checks {
			if c.got != c.exp {
				t.Errorf("%s: %s = %v, want %v", name, c.field, c.got, c.exp)
			}
		}
		if vm.PrivateIPs == nil || vm.PublicIPs == nil || len(vm.PrivateIPs)+len(vm.PublicIPs) != 0 {
			t.Errorf("%s: IPs %v %v, want empty non-nil slices (ARM VMs carry none)", name, vm.PrivateIPs, vm.PublicIPs)
		}
	}
}

func TestPowerErrors(t *testing.T) {
	a := startSim(t, 10, 100, false)
	p := a.provider(t, nil)
	var stopped string
	for _, vm := range a.fleet.List(nil) {
		if vm.State == sim.Stopped {
			stopped = vm.ID
			break
		}
	}
	other := "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/x"
	cases := []struct {
		name   string
		id     string
		action providers.Action
		want   error
	}{
		{"reboot a deallocated VM", stopped, providers.Reboot, providers.ErrInvalidState},
		{"missing resource group", armsim.VMID(armsim.Subscriptions()[1], "rg-nope", "vm-1"), providers.Start, providers.ErrNotFound},
		{"malformed id", "vm-prod-00001", providers.Start, providers.ErrNotFound},
		{"not a VM id", "/subscriptions/" + armsim.Subscriptions()[0] + "/resourceGroups/rg-web", providers.Stop, providers.ErrNotFound},
		{"subscription of another account", other, providers.Start, providers.ErrNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := p.Power(ctxT(t), c.id, c.action); !errors.Is(err, c.want) {
				t.Errorf("Power(%s, %s) = %v, want %v", c.id, c.action, err, c.want)
			}
		})
	}
	// Starting a running VM is accepted, as Azure does.
	if err := p.Power(ctxT(t), stopped, providers.Start); err != nil {
		t.Fatalf("start: %v", err)
	}
	if err := p.Power(ctxT(t), stopped, providers.Start); err != nil {
		t.Errorf("start of a running VM: %v", err)
	}
}

func TestPowerWaitsForOperation(t *testing.T) {
	a := startSim(t, 4, 100, false)
	a.fleet.Transition = 400 * time.Millisecond
	p := a.provider(t, nil)
	var id string
	for _, vm := range a.fleet.List(nil) {
		if vm.State == sim.Running {
			id = vm.ID
		}
	}
	begin := time.Now()
	if err := p.Power(ctxT(t), id, providers.Stop); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if took := time.Since(begin); took < 400*time.Millisecond {
		t.Errorf("Power returned after %v, before the operation could be done", took)
	}
	if vm, _ := a.fleet.Get(id); vm.State != sim.Stopped {
		t.Errorf("after Power(stop) the VM is %s, want stopped", vm.State)
	}
}

func TestUnreachable(t *testing.T) {
	a := startSim(t, 2, 100, false)
	dead := httptest.NewTLSServer(nil)
	deadURL := dead.URL
	dead.Close() // nothing listens there any more
	cases := []struct {
		name   string
		change func(map[string]any)
	}{
		{"ARM endpoint refuses connections", func(m map[string]any) { m["endpoint"] = deadURL }},
		{"login host refuses connections", func(m map[string]any) { m["authorityHost"] = deadURL }},
		{"certificate not trusted", func(m map[string]any) { delete(m, "caCert") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := a.provider(t, c.change)
			begin := time.Now()
			_, err := p.Check(ctxT(t))
			if !errors.Is(err, providers.ErrUnreachable) {
				t.Errorf("Check = %v, want ErrUnreachable", err)
			}
			if took := time.Since(begin); took > 5*time.Second {
				t.Errorf("Check took %v to give up on an unreachable server", took)
			}
		})
	}
}

func TestThrottlingOutlastsRetries(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out four Retry-After delays")
	}
	a := startSim(t, 4, 100, false)
	p := a.provider(t, nil)
	a.srv.Faults.Throttle(1000)
	defer a.srv.Faults.Throttle(0)
	err := p.List(ctxT(t), func(providers.VM) error { return nil })
	if !errors.Is(err, providers.ErrThrottled) {
		t.Errorf("List under endless throttling = %v, want ErrThrottled", err)
	}
}

func TestExpiredToken(t *testing.T) {
	a := startSim(t, 2, 100, false)
	p := a.provider(t, nil)
	if _, err := p.Check(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	a.srv.ExpireTokens()
	_, err := p.Check(ctxT(t))
	if !errors.Is(err, providers.ErrAuth) || !strings.Contains(err.Error(), "ExpiredAuthenticationToken") {
		t.Errorf("Check with an expired token = %v, want ErrAuth with ExpiredAuthenticationToken", err)
	}
}

func TestCheck(t *testing.T) {
	a := startSim(t, 2, 100, false)
	info, err := a.provider(t, nil).Check(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(armsim.Subscriptions(), ", "); info.Identity != want {
		t.Errorf("Identity = %q, want %q", info.Identity, want)
	}
	for _, r := range []string{"eastus", "westeurope"} {
		if !strings.Contains(strings.Join(info.Regions, " "), r) {
			t.Errorf("Regions %v lack %s", info.Regions, r)
		}
	}
	for _, r := range info.Regions {
		if r == "europe" {
			t.Errorf("Regions %v include the logical location europe", info.Regions)
		}
	}
}

func TestBadAuthMessage(t *testing.T) {
	a := startSim(t, 2, 100, false)
	p := a.provider(t, func(m map[string]any) { m["clientSecret"] = "nope" })
	_, err := p.Check(ctxT(t))
	if !errors.Is(err, providers.ErrAuth) || !strings.Contains(err.Error(), "AADSTS7000215") || strings.Contains(err.Error(), "Trace ID") {
		t.Errorf("Check = %q, want ErrAuth with the AADSTS code on one line", err)
	}
}

// TestListSkipsUndecodableRecord breaks one record's JSON types on the wire:
// that VM alone is skipped, with a PartialError.
func TestListSkipsUndecodableRecord(t *testing.T) {
	fleet := sim.NewFleet()
	armsim.Populate(fleet, 6, 1)
	srv := armsim.New(fleet, armsim.Options{PageSize: 2})
	victim := fleet.List(nil)[3]
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		body := strings.ReplaceAll(rec.Body.String(), `"name":"`+victim.Name+`"`, `"name":3`)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = io.WriteString(w, body)
	}))
	ts.Config.SetKeepAlivesEnabled(false)
	ts.StartTLS()
	defer ts.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	a := &simAccount{fleet: fleet, srv: srv, ts: ts, raw: srv.AccountConfig(ts.URL, ca)}
	got := map[string]bool{}
	err := a.provider(t, nil).List(ctxT(t), func(vm providers.VM) error { got[vm.ID] = true; return nil })
	var pe *providers.PartialError
	if !errors.As(err, &pe) || pe.Skipped != 1 || !strings.Contains(err.Error(), victim.ID) {
		t.Errorf("List = %v, want a PartialError naming %s", err, victim.ID)
	}
	if len(got) != 5 || got[victim.ID] {
		t.Errorf("listed %d VMs (victim listed: %v), want the 5 others", len(got), got[victim.ID])
	}
}
