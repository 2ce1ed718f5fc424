// Package sim holds what the provider simulators share: a stateful fleet of
// VMs whose power transitions take simulated time, and fault injection
// (latency, throttling, server errors). Each simulator lives in a subpackage
// (ec2sim, gcesim, armsim, pvesim) and speaks its API's real wire format over
// this fleet, so the real SDK clients can be pointed at it.
package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Power states of a simulated VM. Simulators map them to their API's words.
type State string

const (
	Running    State = "running"
	Stopped    State = "stopped"
	Pending    State = "pending"  // starting
	Stopping   State = "stopping" // stopping or deallocating
	Rebooting  State = "rebooting"
	Terminated State = "terminated"
)

// Errors the fleet returns; simulators turn them into their API's errors.
var (
	ErrNotFound     = errors.New("no such vm")
	ErrInvalidState = errors.New("vm is not in a state that allows this")
)

// VM is one simulated machine. Fields are what every API has some form of;
// simulators derive their own ids and URLs from them.
type VM struct {
	ID        string // unique in the fleet
	Name      string
	Region    string
	Zone      string
	Host      string // node or member
	Group     string // resource group, project or pool
	Type      string // instance type / machine type / size
	Kind      string // "qemu" or "lxc" for Proxmox, else ""
	VCPUs     int
	MemoryMB  int64
	DiskGB    int64
	PrivateIP string
	PublicIP  string // "" when none
	Image     string
	OS        string
	Tags      map[string]string
	Created   time.Time
	State     State

	until  time.Time // when a transition ends
	target State     // state after the transition
}

// Fleet is a set of VMs, safe for concurrent use.
type Fleet struct {
	// Transition is how long start, stop and reboot take (pending, stopping,
	// rebooting); 0 makes them instant.
	Transition time.Duration

	mu    sync.Mutex
	vms   map[string]*VM
	order []string
	now   func() time.Time
}

// NewFleet returns an empty fleet.
func NewFleet() *Fleet {
	return &Fleet{vms: map[string]*VM{}, now: time.Now}
}

// Spec describes a generated fleet.
type Spec struct {
	N       int      // number of VMs
	Regions []string // spread round-robin; each VM's zone is region+"-a" or "-b"
	Hosts   []string // optional; spread round-robin
	Groups  []string // optional; spread round-robin
	Types   []TypeSpec
	Seed    uint64 // same seed, same fleet
	IDFunc  func(i int) string
	Prefix  string // name prefix, default "vm"
	Kinds   []string
}

// TypeSpec is an instance type with its size.
type TypeSpec struct {
	Name     string
	VCPUs    int
	MemoryMB int64
}

// Generate adds spec.N VMs: about two in three running, the rest stopped,
// one in five with a public address, tags env/team.
func (f *Fleet) Generate(s Spec) {
	if len(s.Regions) == 0 {
		s.Regions = []string{"region-1"}
	}
	if len(s.Types) == 0 {
		s.Types = []TypeSpec{{"small", 2, 2048}, {"medium", 4, 8192}, {"large", 8, 32768}}
	}
	if s.Prefix == "" {
		s.Prefix = "vm"
	}
	rng := rand.New(rand.NewPCG(s.Seed, s.Seed^0x9e3779b97f4a7c15))
	envs := []string{"prod", "staging", "dev"}
	teams := []string{"web", "data", "ops", "ml"}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.mu.Lock()
	defer f.mu.Unlock()
	start := len(f.order)
	for j := range s.N {
		i := start + j
		id := fmt.Sprintf("%s-%06d", s.Prefix, i)
		if s.IDFunc != nil {
			id = s.IDFunc(i)
		}
		t := s.Types[rng.IntN(len(s.Types))]
		region := s.Regions[i%len(s.Regions)]
		vm := &VM{
			ID:        id,
			Name:      fmt.Sprintf("%s-%s-%05d", s.Prefix, envs[i%len(envs)], i),
			Region:    region,
			Zone:      region + []string{"-a", "-b"}[i/len(s.Regions)%2],
			Type:      t.Name,
			VCPUs:     t.VCPUs,
			MemoryMB:  t.MemoryMB,
			DiskGB:    int64(10 * (1 + rng.IntN(10))),
			PrivateIP: fmt.Sprintf("10.%d.%d.%d", i>>16&0xff, i>>8&0xff, i&0xff),
			Image:     "debian-12",
			OS:        "linux",
			Tags:      map[string]string{"env": envs[i%len(envs)], "team": teams[rng.IntN(len(teams))]},
			Created:   base.Add(time.Duration(i) * time.Minute),
			State:     Running,
		}
		if len(s.Hosts) > 0 {
			vm.Host = s.Hosts[i%len(s.Hosts)]
		}
		if len(s.Groups) > 0 {
			vm.Group = s.Groups[i%len(s.Groups)]
		}
		if len(s.Kinds) > 0 {
			vm.Kind = s.Kinds[i%len(s.Kinds)]
		}
		if rng.IntN(3) == 0 {
			vm.State = Stopped
		}
		if rng.IntN(5) == 0 {
			vm.PublicIP = fmt.Sprintf("203.0.%d.%d", i>>8&0xff, i&0xff)
		}
		f.add(vm)
	}
}

// Add puts one VM in the fleet (replacing one with the same ID).
func (f *Fleet) Add(vm VM) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.add(&vm)
}

func (f *Fleet) add(vm *VM) {
	if _, ok := f.vms[vm.ID]; !ok {
		f.order = append(f.order, vm.ID)
	}
	if vm.Tags == nil {
		vm.Tags = map[string]string{}
	}
	f.vms[vm.ID] = vm
}

// settle finishes a transition whose time has come. Callers hold f.mu.
func (f *Fleet) settle(vm *VM) {
	if vm.target != "" && !f.now().Before(vm.until) {
		vm.State, vm.target = vm.target, ""
	}
}

func (f *Fleet) snapshot(vm *VM) VM {
	f.settle(vm)
	c := *vm
	c.Tags = make(map[string]string, len(vm.Tags))
	for k, v := range vm.Tags {
		c.Tags[k] = v
	}
	return c
}

// Get returns one VM as it is now.
func (f *Fleet) Get(id string) (VM, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	vm, ok := f.vms[id]
	if !ok {
		return VM{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return f.snapshot(vm), nil
}

// List returns the VMs keep selects (all when keep is nil), in insertion order.
func (f *Fleet) List(keep func(*VM) bool) []VM {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []VM
	if keep == nil {
		out = make([]VM, 0, len(f.order))
	}
	for _, id := range f.order {
		vm := f.vms[id]
		if keep == nil || keep(vm) {
			out = append(out, f.snapshot(vm))
		}
	}
	return out
}

// Len is the number of VMs.
func (f *Fleet) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.order)
}

// Action is a power action on a simulated VM.
type Action string

const (
	Start  Action = "start"
	Stop   Action = "stop"   // graceful or forced, deallocate
	Reboot Action = "reboot" // reboot, reset, restart
)

// Power applies an action and returns the state before and after it. Start
// on a running VM and stop on a stopped one are accepted and change nothing
// (the real APIs are idempotent there); anything during a transition, or on
// a terminated VM, is ErrInvalidState.
func (f *Fleet) Power(id string, a Action) (prev, cur State, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	vm, ok := f.vms[id]
	if !ok {
		return "", "", fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	f.settle(vm)
	prev = vm.State
	begin := func(during, after State) {
		if f.Transition <= 0 {
			vm.State = after
			return
		}
		vm.State, vm.target, vm.until = during, after, f.now().Add(f.Transition)
	}
	switch {
	case vm.target != "" || vm.State == Terminated:
		return prev, prev, fmt.Errorf("%w: %s is %s", ErrInvalidState, id, vm.State)
	case a == Start && vm.State == Stopped:
		begin(Pending, Running)
	case a == Stop && vm.State == Running:
		begin(Stopping, Stopped)
	case a == Reboot && vm.State == Running:
		begin(Rebooting, Running)
	case a == Start && vm.State == Running, a == Stop && vm.State == Stopped:
		// idempotent
	case a == Reboot:
		return prev, prev, fmt.Errorf("%w: cannot reboot %s while %s", ErrInvalidState, id, vm.State)
	default:
		return prev, prev, fmt.Errorf("unknown action %q", a)
	}
	return prev, vm.State, nil
}

// Regions lists the distinct regions, sorted.
func (f *Fleet) Regions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]bool{}
	for _, vm := range f.vms {
		seen[vm.Region] = true
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// Mutate changes one VM in place (for tests that corrupt a record).
func (f *Fleet) Mutate(id string, change func(*VM)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	vm, ok := f.vms[id]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	change(vm)
	return nil
}
