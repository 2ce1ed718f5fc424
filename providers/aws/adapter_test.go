package aws

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/neogenesys/console/providers"
	"github.com/neogenesys/console/providers/sim"
	"github.com/neogenesys/console/providers/sim/ec2sim"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func listAll(t *testing.T, p *provider) map[string]providers.VM {
	t.Helper()
	got := map[string]providers.VM{}
	if err := p.List(testCtx(t), func(vm providers.VM) error { got[vm.ID] = vm; return nil }); err != nil {
		t.Fatalf("List: %v", err)
	}
	return got
}

func TestAssumeRole(t *testing.T) {
	env := newSimEnv(t, 12, ec2sim.Options{ExternalID: "ext-42"})
	const role = "arn:aws:iam::210987654321:role/ops/neoconsole-read"
	p := env.provider(t, func(c *Config) { c.RoleARN, c.ExternalID = role, "ext-42" })
	info, err := p.Check(testCtx(t))
	if err != nil {
		t.Fatalf("Check through AssumeRole: %v", err)
	}
	if info.Identity != "210987654321" {
		t.Errorf("identity %q, want the role's account 210987654321", info.Identity)
	}
	if got := listAll(t, p); len(got) != 12 {
		t.Errorf("List with assumed-role credentials emitted %d VMs, want 12", len(got))
	}

	// Without the role, the same keys are the key's own account.
	info, err = env.provider(t, nil).Check(testCtx(t))
	if err != nil || info.Identity != ec2sim.DefaultAccountID {
		t.Errorf("Check with the long-term key = %+v, %v; want account %s", info, err, ec2sim.DefaultAccountID)
	}

	// A wrong external id is refused by STS: the credentials are at fault.
	bad := env.provider(t, func(c *Config) { c.RoleARN, c.ExternalID = role, "ext-wrong" })
	_, err = bad.Check(testCtx(t))
	if !errors.Is(err, providers.ErrAuth) || !strings.Contains(err.Error(), "credentials") || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("Check with a wrong external id = %v, want ErrAuth naming AccessDenied", err)
	}
	err = bad.List(testCtx(t), func(providers.VM) error { return nil })
	if !errors.Is(err, providers.ErrAuth) {
		t.Errorf("List with a wrong external id = %v, want ErrAuth", err)
	}
}

func TestRegionNarrowing(t *testing.T) {
	env := newSimEnv(t, 30, ec2sim.Options{PageSize: 5})
	want := map[string]bool{}
	for _, vm := range env.fleet.List(nil) {
		if vm.Region != "us-east-1" {
			want[vm.ID] = true
		}
	}
	p := env.provider(t, func(c *Config) { c.Regions = []string{"eu-west-1", "ap-southeast-2"} })
	info, err := p.Check(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(info.Regions, []string{"eu-west-1", "ap-southeast-2"}) {
		t.Errorf("Check regions %v, want the two configured", info.Regions)
	}
	got := listAll(t, p)
	for id, vm := range got {
		if !want[id] {
			t.Errorf("List emitted %s of %s, outside the configured regions", id, vm.Region)
		}
	}
	if len(got) != len(want) {
		t.Errorf("List emitted %d VMs, want %d", len(got), len(want))
	}

	// Unnarrowed, every enabled region is listed, the empty us-west-2 too.
	info, err = env.provider(t, nil).Check(testCtx(t))
	if err != nil || !slices.Equal(info.Regions, []string{"ap-southeast-2", "eu-west-1", "us-east-1", "us-west-2"}) {
		t.Errorf("Check = %v, %v; want the four enabled regions", info.Regions, err)
	}

	// A configured region the account has not enabled fails Check, by name;
	// List still lists the others.
	p = env.provider(t, func(c *Config) { c.Regions = []string{"eu-west-1", "af-south-1"} })
	if _, err := p.Check(testCtx(t)); err == nil || !strings.Contains(err.Error(), "af-south-1") {
		t.Errorf("Check with a disabled region = %v, want an error naming af-south-1", err)
	}
	if got := listAll(t, p); len(got) != 10 {
		t.Errorf("List emitted %d VMs, want eu-west-1's 10", len(got))
	}
}

func TestListFields(t *testing.T) {
	env := newSimEnv(t, 45, ec2sim.Options{PageSize: 7})
	p := env.provider(t, nil)
	before := env.sim.Faults.Requests()
	got := listAll(t, p)
	first := env.sim.Faults.Requests() - before
	// Regions and types are looked up once: a second listing only pages.
	before = env.sim.Faults.Requests()
	listAll(t, p)
	second := env.sim.Faults.Requests() - before
	// 1 DescribeRegions + 3 regions × 3 pages (15 each, 7 a page) + 1 empty region.
	if second != 1+3*3+1 {
		t.Errorf("second List took %d requests, want %d", second, 1+3*3+1)
	}
	pairs := map[string]bool{}
	for _, vm := range env.fleet.List(nil) {
		pairs[vm.Region+" "+vm.Type] = true
	}
	if n := first - second; n < 3 || n > int64(len(pairs)) {
		t.Errorf("first List made %d DescribeInstanceTypes calls, want one to %d per region", n, len(pairs))
	}

	for _, want := range env.fleet.List(nil) {
		vm, ok := got[want.ID]
		if !ok {
			t.Errorf("%s not listed", want.ID)
			continue
		}
		if vm.Name != want.Name || vm.Region != want.Region || vm.Zone != want.Zone || vm.Type != want.Type ||
			vm.VCPUs != want.VCPUs || vm.MemoryMB != want.MemoryMB || vm.Image != want.Image || vm.OS != want.OS ||
			!vm.CreatedAt.Equal(want.Created) || vm.Tags["team"] != want.Tags["team"] ||
			vm.Tags["cost-center"] != want.Tags["cost-center"] || vm.Tags["Name"] != want.Name {
			t.Errorf("%s listed as %+v, fleet has %+v", want.ID, vm, want)
		}
		if want.PrivateIP != "" && (len(vm.PrivateIPs) == 0 || vm.PrivateIPs[0] != want.PrivateIP) {
			t.Errorf("%s private IPs %v, want %s", want.ID, vm.PrivateIPs, want.PrivateIP)
		}
		if want.PublicIP != "" && (len(vm.PublicIPs) == 0 || vm.PublicIPs[0] != want.PublicIP) {
			t.Errorf("%s public IPs %v, want %s first", want.ID, vm.PublicIPs, want.PublicIP)
		}
		states := map[sim.State]providers.State{sim.Running: providers.StateRunning, sim.Stopped: providers.StateStopped,
			sim.Terminated: providers.StateTerminated}
		if vm.State != states[want.State] {
			t.Errorf("%s state %s, fleet %s", want.ID, vm.State, want.State)
		}
	}
}

func TestUnknownStateIsKept(t *testing.T) {
	env := newSimEnv(t, 6, ec2sim.Options{})
	id := env.ids()[2]
	if err := env.fleet.Mutate(id, func(vm *sim.VM) { vm.State = "hibernating" }); err != nil {
		t.Fatal(err)
	}
	got := listAll(t, env.provider(t, nil))
	if vm, ok := got[id]; !ok || vm.State != providers.StateUnknown {
		t.Errorf("VM with an undefined state code = %+v (listed %v), want state unknown", vm, ok)
	}
}

func TestMalformedRecordReason(t *testing.T) {
	env := newSimEnv(t, 9, ec2sim.Options{})
	env.sim.Corrupt(env.ids()[4])
	n := 0
	err := env.provider(t, nil).List(testCtx(t), func(providers.VM) error { n++; return nil })
	var pe *providers.PartialError
	if !errors.As(err, &pe) || pe.Skipped != 1 || !strings.Contains(pe.Error(), "no instanceId") {
		t.Fatalf("List = %v, want a PartialError for one record without an instanceId", err)
	}
	if n != 8 {
		t.Errorf("emitted %d VMs, want the 8 good ones", n)
	}
}

func TestEmitSerializedAndStops(t *testing.T) {
	env := newSimEnv(t, 90, ec2sim.Options{PageSize: 5})
	env.sim.Faults.SetLatency(2 * time.Millisecond)
	p := env.provider(t, nil)
	var inside, overlaps atomic.Int32
	n := 0
	err := p.List(testCtx(t), func(providers.VM) error {
		if inside.Add(1) > 1 {
			overlaps.Add(1)
		}
		time.Sleep(100 * time.Microsecond)
		inside.Add(-1)
		n++
		return nil
	})
	if err != nil || n != 90 || overlaps.Load() != 0 {
		t.Errorf("List = %v after %d VMs with %d overlapping emit calls; want 90 and none", err, n, overlaps.Load())
	}

	stop := errors.New("enough")
	n = 0
	err = p.List(testCtx(t), func(providers.VM) error {
		n++
		if n == 7 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 7 {
		t.Errorf("List = %v after %d emits, want emit's error after 7", err, n)
	}
}

func TestPower(t *testing.T) {
	env := newSimEnv(t, 30, ec2sim.Options{})
	env.fleet.Transition = time.Hour // transitions never end in this test
	var running, stopped, terminated string
	for _, vm := range env.fleet.List(nil) {
		switch {
		case vm.State == sim.Running && running == "":
			running = vm.ID
		case vm.State == sim.Stopped && stopped == "":
			stopped = vm.ID
		case vm.State == sim.Terminated:
			terminated = vm.ID
		}
	}
	if terminated == "" {
		terminated = env.ids()[29]
		env.fleet.Mutate(terminated, func(vm *sim.VM) { vm.State = sim.Terminated })
	}
	p := env.provider(t, nil)

	// Without a List first, the region is found by asking every region;
	// afterwards it is remembered.
	before := env.sim.Faults.Requests()
	if err := p.Power(testCtx(t), running, providers.Start); err != nil {
		t.Fatalf("start of a running VM (accepted as is by EC2): %v", err)
	}
	located := env.sim.Faults.Requests() - before
	if located < 3 {
		t.Errorf("first Power took %d requests, want DescribeRegions, a lookup and the call", located)
	}
	before = env.sim.Faults.Requests()
	if err := p.Power(testCtx(t), running, providers.Stop); err != nil {
		t.Fatal(err)
	}
	if n := env.sim.Faults.Requests() - before; n != 1 {
		t.Errorf("second Power took %d requests, want 1", n)
	}
	if vm, _ := env.fleet.Get(running); vm.State != sim.Stopping {
		t.Errorf("after Stop the VM is %s, want stopping", vm.State)
	}

	for _, tc := range []struct {
		name string
		id   string
		a    providers.Action
		want error
	}{
		{"stop while stopping", running, providers.Stop, providers.ErrInvalidState},
		{"reboot a stopped VM", stopped, providers.Reboot, providers.ErrInvalidState},
		{"start a terminated VM", terminated, providers.Start, providers.ErrInvalidState},
		{"unknown instance", "i-0123456789abcdef0", providers.Stop, providers.ErrNotFound},
		{"short-form unknown instance", "i-01234567", providers.Stop, providers.ErrNotFound},
		{"not an instance id", "vm-000001", providers.Start, providers.ErrNotFound},
	} {
		err := p.Power(testCtx(t), tc.id, tc.a)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: Power(%s, %s) = %v, want %v", tc.name, tc.id, tc.a, err, tc.want)
		}
	}
	if err := p.Power(testCtx(t), stopped, "hibernate"); err == nil {
		t.Error("an unknown action was accepted")
	}
}

func TestThrottlingOutlastsBudget(t *testing.T) {
	t.Parallel() // waits out retry backoffs
	env := newSimEnv(t, 3, ec2sim.Options{})
	p := env.provider(t, nil)
	env.sim.Faults.Throttle(1000)
	defer env.sim.Faults.Throttle(0)
	before := env.sim.Faults.Requests()
	err := p.List(testCtx(t), func(providers.VM) error { return nil })
	if !errors.Is(err, providers.ErrThrottled) || !strings.Contains(err.Error(), "RequestLimitExceeded") {
		t.Errorf("List while throttled = %v, want ErrThrottled", err)
	}
	if n := env.sim.Faults.Requests() - before; n != maxAttempts {
		t.Errorf("throttled call was tried %d times, want %d", n, maxAttempts)
	}
	_, err = p.Check(testCtx(t))
	if !errors.Is(err, providers.ErrThrottled) || !strings.Contains(err.Error(), "Throttling") {
		t.Errorf("Check while throttled = %v, want ErrThrottled from STS", err)
	}
}

func TestServerErrorsRetried(t *testing.T) {
	t.Parallel() // waits out retry backoffs
	env := newSimEnv(t, 15, ec2sim.Options{PageSize: 5})
	p := env.provider(t, nil)
	env.sim.Faults.Fail(3)
	if got := listAll(t, p); len(got) != 15 {
		t.Errorf("List after three 500s emitted %d VMs, want 15", len(got))
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel() // waits out retry backoffs
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now: connections are refused
	c := NewConfig()
	c.AccessKeyID, c.SecretAccessKey, c.Endpoint = "AKIAEXAMPLE", "secret", "http://"+addr
	pv, err := c.New("acct")
	if err != nil {
		t.Fatal(err)
	}
	p := pv.(*provider)
	defer p.Close()
	if _, err := p.Check(testCtx(t)); !errors.Is(err, providers.ErrUnreachable) {
		t.Errorf("Check = %v, want ErrUnreachable", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.List(ctx, func(providers.VM) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("List with a canceled context = %v, want context.Canceled", err)
	}
}
