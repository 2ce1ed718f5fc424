package gcp

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/providers"
	"github.com/neogenesys/console/providers/sim"
	"github.com/neogenesys/console/providers/sim/gcesim"
)

// Every listed VM carries what the fleet holds, read off the wire.
func TestListFields(t *testing.T) {
	env := newSimEnv(t, 24, gcesim.Options{PageSize: 5}, true)
	got, err := listAll(t, newProv(t, env.config(t)), 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 24 {
		t.Fatalf("listed %d VMs, want 24", len(got))
	}
	for id, vm := range got {
		f, err := env.fleet.Get(env.ids[id])
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		wantState := map[sim.State]providers.State{sim.Running: providers.StateRunning, sim.Stopped: providers.StateStopped}[f.State]
		wantPublic := []string{}
		if f.PublicIP != "" {
			wantPublic = []string{f.PublicIP}
		}
		switch {
		case vm.Name != f.Name, vm.Zone != f.Zone, vm.Region != f.Region, vm.Type != f.Type:
			t.Errorf("%s: name/zone/region/type %q %q %q %q, want %q %q %q %q", id, vm.Name, vm.Zone, vm.Region, vm.Type, f.Name, f.Zone, f.Region, f.Type)
		case vm.VCPUs != f.VCPUs || vm.MemoryMB != f.MemoryMB || vm.DiskGB != f.DiskGB:
			t.Errorf("%s: sizes %d/%d/%d, want %d/%d/%d", id, vm.VCPUs, vm.MemoryMB, vm.DiskGB, f.VCPUs, f.MemoryMB, f.DiskGB)
		case vm.State != wantState:
			t.Errorf("%s: state %s, fleet %s", id, vm.State, f.State)
		case len(vm.PrivateIPs) != 1 || vm.PrivateIPs[0] != f.PrivateIP || strings.Join(vm.PublicIPs, ",") != strings.Join(wantPublic, ","):
			t.Errorf("%s: addresses %v %v, want %s %v", id, vm.PrivateIPs, vm.PublicIPs, f.PrivateIP, wantPublic)
		case vm.Image != f.Image || vm.OS != f.OS:
			t.Errorf("%s: image/os %q %q, want %q %q", id, vm.Image, vm.OS, f.Image, f.OS)
		case !vm.CreatedAt.Equal(f.Created):
			t.Errorf("%s: created %v, want %v", id, vm.CreatedAt, f.Created)
		case vm.Tags["env"] != f.Tags["env"] || vm.Tags["team"] != f.Tags["team"]:
			t.Errorf("%s: tags %v, want %v", id, vm.Tags, f.Tags)
		case !strings.HasSuffix(vm.ConsoleURL, "/zones/"+f.Zone+"/instances/"+f.Name+"?project="+f.Group):
			t.Errorf("%s: console URL %s", id, vm.ConsoleURL)
		}
	}
}

// Machine types are looked up once per name, not once per List.
func TestMachineTypesCached(t *testing.T) {
	env := newSimEnv(t, 30, gcesim.Options{PageSize: 10}, true)
	p := newProv(t, env.config(t))
	count := func() int64 {
		before := env.srv.Faults.Requests()
		if _, err := listAll(t, p, 30*time.Second); err != nil {
			t.Fatal(err)
		}
		return env.srv.Faults.Requests() - before
	}
	first, second := count(), count()
	// Two projects of 15 VMs at 10 a page: 4 list requests; three types.
	if first != 4+3 || second != 4 {
		t.Errorf("requests per List: first %d, second %d; want 7 then 4", first, second)
	}
}

func TestThrottling(t *testing.T) {
	env := newSimEnv(t, 20, gcesim.Options{PageSize: 4, ThrottleStatus: http.StatusForbidden}, true)
	p := newProv(t, env.config(t))
	if _, err := listAll(t, p, 30*time.Second); err != nil { // token and types fetched
		t.Fatal(err)
	}
	env.srv.Faults.Throttle(3)
	if got, err := listAll(t, p, 30*time.Second); err != nil || len(got) != 20 {
		t.Errorf("List through 3 throttled requests (403 rateLimitExceeded) = %d VMs, %v", len(got), err)
	}
	// More than the budget: every request is refused.
	env.srv.Faults.Throttle(1000)
	defer env.srv.Faults.Throttle(0)
	_, err := listAll(t, p, 30*time.Second)
	if !errors.Is(err, providers.ErrThrottled) {
		t.Errorf("List under endless throttling = %v, want ErrThrottled", err)
	}
	if n := env.srv.Faults.Throttled(); n < 3+maxAttempts || n > 3+2*maxAttempts {
		t.Errorf("%d throttled answers: want one project's full budget (%d) beside the 3, at most both projects'", n, maxAttempts)
	}
}

func TestServerErrorsRetried(t *testing.T) {
	env := newSimEnv(t, 10, gcesim.Options{}, true)
	p := newProv(t, env.config(t))
	env.srv.Faults.Fail(2)
	if got, err := listAll(t, p, 30*time.Second); err != nil || len(got) != 10 {
		t.Errorf("List through two 503s = %d VMs, %v", len(got), err)
	}
}

func TestDeniedProject(t *testing.T) {
	env := newSimEnv(t, 10, gcesim.Options{Denied: []string{"acme-secret"}}, true)
	p := newProv(t, env.config(t)) // AccountConfig lists acme-secret too
	if _, err := p.Check(context.Background()); !errors.Is(err, providers.ErrAuth) || !strings.Contains(err.Error(), "acme-secret") {
		t.Errorf("Check with a denied project = %v, want ErrAuth naming it", err)
	}
	if _, err := listAll(t, p, 30*time.Second); !errors.Is(err, providers.ErrAuth) {
		t.Errorf("List with a denied project = %v, want ErrAuth", err)
	}
}

func TestUnknownProject(t *testing.T) {
	env := newSimEnv(t, 10, gcesim.Options{}, true)
	cfg := env.config(t)
	cfg.Projects = append(cfg.Projects, "acme-nowhere")
	_, err := newProv(t, cfg).Check(context.Background())
	if err == nil || errors.Is(err, providers.ErrAuth) || !strings.Contains(err.Error(), "acme-nowhere: project or zone not found") {
		t.Errorf("Check with an unknown project = %v", err)
	}
}

// A token the API does not know (issued by another sim) is a 401.
func TestTokenRejectedByAPI(t *testing.T) {
	issuer, api := newSimEnv(t, 4, gcesim.Options{}, true), newSimEnv(t, 4, gcesim.Options{}, true)
	cfg := issuer.config(t)
	cfg.Endpoint = api.ts.URL
	_, err := newProv(t, cfg).Check(context.Background())
	if !errors.Is(err, providers.ErrAuth) || !strings.Contains(err.Error(), "401") {
		t.Errorf("Check with a token the API never issued = %v, want ErrAuth from a 401", err)
	}
}

func TestUnreachable(t *testing.T) {
	env := newSimEnv(t, 4, gcesim.Options{}, true)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	for name, cfg := range map[string]*Config{
		"api":   {Projects: []string{"acme-prod"}, CredentialsJSON: env.config(t).CredentialsJSON, Endpoint: dead},
		"token": {Projects: []string{"acme-prod"}, CredentialsJSON: string(env.srv.ServiceAccountJSON(dead)), Endpoint: env.ts.URL},
	} {
		_, err := newProv(t, cfg).Check(context.Background())
		if !errors.Is(err, providers.ErrUnreachable) {
			t.Errorf("%s down: Check = %v, want ErrUnreachable", name, err)
		}
	}
}

func TestPower(t *testing.T) {
	env := newSimEnv(t, 12, gcesim.Options{}, true)
	env.fleet.Transition = 300 * time.Millisecond
	p := newProv(t, env.config(t))
	var running, stopped string
	for id, fid := range env.ids {
		switch vm, _ := env.fleet.Get(fid); vm.State {
		case sim.Running:
			running = id
		case sim.Stopped:
			stopped = id
		}
	}
	ctx := context.Background()
	// Power returns once the operation is DONE: the transition is over.
	start := time.Now()
	if err := p.Power(ctx, running, providers.Stop); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < env.fleet.Transition {
		t.Errorf("Power(stop) returned after %v, before the %v transition", took, env.fleet.Transition)
	}
	if vm, _ := env.fleet.Get(env.ids[running]); vm.State != sim.Stopped {
		t.Errorf("after Power(stop) the VM is %s", vm.State)
	}
	// Actions the state forbids: a reset of a stopped VM, anything mid-transition.
	if err := p.Power(ctx, stopped, providers.Reboot); !errors.Is(err, providers.ErrInvalidState) {
		t.Errorf("Power(reboot) of a stopped VM = %v, want ErrInvalidState", err)
	}
	if _, _, err := env.fleet.Power(env.ids[stopped], sim.Start); err != nil {
		t.Fatal(err)
	}
	if err := p.Power(ctx, stopped, providers.Stop); !errors.Is(err, providers.ErrInvalidState) {
		t.Errorf("Power(stop) of a starting VM = %v, want ErrInvalidState", err)
	}
	// The operation wait honours the context.
	env.fleet.Transition = time.Minute
	c, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := p.Power(c, running, providers.Start); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Power with a deadline before the operation ends = %v, want DeadlineExceeded", err)
	}
	for _, id := range []string{"acme-other/us-central1-a/x", "garbage"} {
		if err := p.Power(ctx, id, providers.Start); !errors.Is(err, providers.ErrNotFound) {
			t.Errorf("Power(%s) = %v, want ErrNotFound", id, err)
		}
	}
}

// A bad status word or timestamp keeps the VM, with what could be read.
func TestCorruptFields(t *testing.T) {
	env := newSimEnv(t, 12, gcesim.Options{PageSize: 5}, true)
	var a, b string
	for id := range env.ids {
		if a == "" {
			a = id
		} else if b == "" {
			b = id
		}
	}
	env.srv.Corrupt(env.ids[a], gcesim.CorruptStatus)
	env.srv.Corrupt(env.ids[b], gcesim.CorruptTimestamp)
	got, err := listAll(t, newProv(t, env.config(t)), 30*time.Second)
	if err != nil {
		t.Fatalf("List = %v, want nil", err)
	}
	if len(got) != 12 {
		t.Errorf("listed %d VMs, want 12", len(got))
	}
	if got[a].State != providers.StateUnknown {
		t.Errorf("VM with an unknown status word is %q", got[a].State)
	}
	if !got[b].CreatedAt.IsZero() || got[b].State == providers.StateUnknown {
		t.Errorf("VM with a bad timestamp: created %v, state %s", got[b].CreatedAt, got[b].State)
	}
}

func TestEmitErrorStopsList(t *testing.T) {
	env := newSimEnv(t, 40, gcesim.Options{PageSize: 3}, true)
	p := newProv(t, env.config(t))
	stop := errors.New("enough")
	n := 0
	err := p.List(context.Background(), func(providers.VM) error {
		n++
		if n == 5 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 5 {
		t.Errorf("List = %v after %d emits, want emit's error after 5", err, n)
	}
}

func TestCheck(t *testing.T) {
	env := newSimEnv(t, 6, gcesim.Options{PageSize: 1}, true) // zones one a page
	info, err := newProv(t, env.config(t)).Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Identity != "acme-dev,acme-prod" || strings.Join(info.Regions, ",") != "europe-west1,us-central1" {
		t.Errorf("Check = %+v", info)
	}
}
