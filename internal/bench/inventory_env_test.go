package bench

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/internal/clouds"
	"github.com/neogenesys/console/internal/events"
	"github.com/neogenesys/console/internal/inventory"
	"github.com/neogenesys/console/internal/secrets"
	"github.com/neogenesys/console/internal/store"
	"github.com/neogenesys/console/providers"
	_ "github.com/neogenesys/console/providers/all"
	"github.com/neogenesys/console/providers/sim"
	"github.com/neogenesys/console/providers/sim/armsim"
	"github.com/neogenesys/console/providers/sim/ec2sim"
	"github.com/neogenesys/console/providers/sim/gcesim"
)

// invStack is a console's inventory over a temporary SQLite store: the
// store, the cloud-account service over it and the secrets box.
type invStack struct {
	st     *store.DB
	clouds *clouds.Service
	box    *secrets.Box
	hub    *events.Hub
	log    *slog.Logger
}

func newInvStack(b *testing.B) *invStack {
	b.Helper()
	dir := b.TempDir()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(dir, "console.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	key, err := secrets.LoadKey("", filepath.Join(dir, "secret.key"))
	if err != nil {
		b.Fatal(err)
	}
	box, err := secrets.New(key)
	if err != nil {
		b.Fatal(err)
	}
	return &invStack{st: st, clouds: &clouds.Service{Store: st, Sealer: box}, box: box,
		hub: events.NewHub(), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// engine returns a new engine over the stack; nodes may be nil.
func (s *invStack) engine(nodes func() ([]headscale.Node, error), opts inventory.Options) *inventory.Engine {
	return inventory.New(s.clouds, s.st, s.hub, nodes, s.log, nil, opts)
}

// create adds a cloud account through clouds.Service.Create.
func (s *invStack) create(b *testing.B, name, kind string, cfg map[string]any) store.CloudAccount {
	b.Helper()
	raw, err := json.Marshal(cfg)
	if err != nil {
		b.Fatal(err)
	}
	a, err := s.clouds.Create(context.Background(), name, kind, raw, "bench")
	if err != nil {
		b.Fatalf("create account %s: %v", name, err)
	}
	sa, err := s.st.GetCloudAccount(context.Background(), a.ID)
	if err != nil {
		b.Fatal(err)
	}
	return sa
}

// simAccount is one simulated cloud account with its scopes (regions,
// projects or subscriptions: what the adapter lists in parallel).
type simAccount struct {
	name, kind string
	cfg        map[string]any
	scopeField string   // the config field that narrows the scopes
	scopes     []string // the account's scopes
	faults     *sim.Faults
	vms        int
}

// narrowed is the account's config narrowed to one scope.
func (a simAccount) narrowed(scope string) map[string]any {
	c := make(map[string]any, len(a.cfg)+1)
	for k, v := range a.cfg {
		c[k] = v
	}
	c[a.scopeField] = []string{scope}
	return c
}

// provider builds the adapter of cfg as clouds.Service.ProviderOf does
// (decode, Validate, New), without a store.
func providerOf(kind string, cfg map[string]any) (providers.Provider, error) {
	k, err := providers.Lookup(kind)
	if err != nil {
		return nil, err
	}
	c := k.NewConfig()
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, c); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c.New("bench")
}

// listOnce lists cfg with a fresh adapter, as one sync does, and counts VMs.
func listOnce(ctx context.Context, kind string, cfg map[string]any) (int, error) {
	p, err := providerOf(kind, cfg)
	if err != nil {
		return 0, err
	}
	if c, ok := p.(io.Closer); ok {
		defer c.Close()
	}
	n := 0
	err = p.List(ctx, func(providers.VM) error { n++; return nil })
	return n, err
}

// Scopes of the simulated accounts: four each.
var (
	invAWSRegions  = []string{"us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"}
	invGCPProjects = [][]string{
		{"acme-prod", "acme-dev", "acme-data", "acme-edge"},
		{"globex-prod", "globex-dev", "globex-data", "globex-edge"},
	}
	invAzureSubs = []string{
		"8f3c2a61-4b7e-4d2a-9c15-3e6f0a7b9d21", "c5a1e9d4-2f86-4b3c-a7e0-91d4b6f2c358",
		"0b7d4e2a-6c31-4f8e-b2a9-5d1c7e3f9a04", "e2f9a6c3-1d45-4b7a-8e06-c3b5d9f1a7e2",
	}
)

// serveSim serves a simulator on 127.0.0.1 (TLS when it needs it) and
// returns its account config.
func serveSim(b *testing.B, h interface {
	http.Handler
	NeedsTLS() bool
	AccountConfig(string, []byte) map[string]any
}) map[string]any {
	b.Helper()
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ErrorLog = slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)
	var ca []byte
	if h.NeedsTLS() {
		ts.StartTLS()
		ca = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	} else {
		ts.Start()
	}
	b.Cleanup(ts.Close)
	if !strings.HasPrefix(ts.URL, "http://127.0.0.1:") && !strings.HasPrefix(ts.URL, "https://127.0.0.1:") {
		b.Fatalf("simulator not on 127.0.0.1: %s", ts.URL)
	}
	return h.AccountConfig(ts.URL, ca)
}

// startInvSims starts the five simulated accounts of BenchmarkInventorySync,
// perAccount VMs each spread evenly over four scopes: two AWS accounts
// (different fleets, regions us-east-1, eu-west-1, ap-southeast-2,
// us-west-2), two GCP accounts (four projects each) and one Azure account
// (four subscriptions). Every simulator adds latency to every request and
// serves pages of pageSize.
func startInvSims(b *testing.B, perAccount, pageSize int, latency time.Duration) []simAccount {
	b.Helper()
	var out []simAccount
	for i, seed := range []uint64{11, 12} {
		f := sim.NewFleet()
		ec2sim.Populate(f, perAccount, seed)
		for j, vm := range f.List(nil) {
			r := invAWSRegions[j%len(invAWSRegions)]
			_ = f.Mutate(vm.ID, func(v *sim.VM) {
				v.Region, v.Zone, v.Group = r, r+"a", v.Group+"-"+r
			})
		}
		s := ec2sim.New(f, ec2sim.Options{PageSize: pageSize, Regions: invAWSRegions})
		s.Faults.SetLatency(latency)
		out = append(out, simAccount{name: fmt.Sprintf("aws-%d", i+1), kind: "aws", cfg: serveSim(b, s),
			scopeField: "regions", scopes: invAWSRegions, faults: s.Faults, vms: perAccount})
	}
	for i, seed := range []uint64{21, 22} {
		projects := invGCPProjects[i]
		f := sim.NewFleet()
		gcesim.Populate(f, perAccount, seed)
		for j, vm := range f.List(nil) {
			_ = f.Mutate(vm.ID, func(v *sim.VM) { v.Group = projects[j%len(projects)] })
		}
		s := gcesim.New(f, gcesim.Options{PageSize: pageSize, Projects: projects, DefaultProject: projects[0]})
		s.Faults.SetLatency(latency)
		out = append(out, simAccount{name: fmt.Sprintf("gcp-%d", i+1), kind: "gcp", cfg: serveSim(b, s),
			scopeField: "projects", scopes: projects, faults: s.Faults, vms: perAccount})
	}
	{
		gen := sim.NewFleet()
		armsim.Populate(gen, perAccount, 31)
		f := sim.NewFleet()
		for j, vm := range gen.List(nil) {
			vm.ID = armsim.VMID(invAzureSubs[j%len(invAzureSubs)], vm.Group, vm.Name)
			f.Add(vm)
		}
		s := armsim.New(f, armsim.Options{PageSize: pageSize, Subscriptions: invAzureSubs})
		s.Faults.SetLatency(latency)
		out = append(out, simAccount{name: "azure-1", kind: "azure", cfg: serveSim(b, s),
			scopeField: "subscriptions", scopes: invAzureSubs, faults: s.Faults, vms: perAccount})
	}
	return out
}

// envInt reads an integer variable, def when unset.
func envInt(b *testing.B, name string, def int) int {
	b.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive integer", name, s)
	}
	return n
}

// --- A synthetic fleet for the 100,000-VM benchmarks ---------------------

// The "benchfleet" kind lists a generated fleet: VMs shaped as the real
// adapters report them, without the cost of an SDK. It exists only in this
// test binary; accounts of it go through clouds.Service and the engine as
// any other.
func init() {
	providers.Register(providers.Kind{Name: "benchfleet", NewConfig: func() providers.Config { return &fleetConfig{} }})
}

type fleetConfig struct {
	Index int `json:"index"` // which account: VMs Index*N+1 … (Index+1)*N
	N     int `json:"n"`
}

func (c *fleetConfig) Kind() string { return "benchfleet" }
func (c *fleetConfig) Validate() error {
	if c.N <= 0 || c.Index < 0 {
		return fmt.Errorf("n must be positive, index not negative")
	}
	return nil
}
func (c *fleetConfig) New(account string) (providers.Provider, error) {
	return fleetProvider{*c, account}, nil
}

type fleetProvider struct {
	c       fleetConfig
	account string
}

func (p fleetProvider) Check(context.Context) (providers.AccountInfo, error) {
	return providers.AccountInfo{Identity: "benchfleet"}, nil
}

func (p fleetProvider) Power(context.Context, string, providers.Action) error {
	return providers.ErrNotFound
}

func (p fleetProvider) List(ctx context.Context, emit func(providers.VM) error) error {
	for i := p.c.Index * p.c.N; i < (p.c.Index+1)*p.c.N; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		vm := fleetVM(i)
		vm.AccountID = p.account
		if err := emit(vm); err != nil {
			return err
		}
	}
	return nil
}

// tailnetIP is the tailnet address the VM with index i reports, for the
// VMs that run tailscale and report its address (one in twenty: 5,000 of
// 100,000), "" otherwise. Even node j has tailnetIP(j/2*20).
func tailnetIP(i int) string {
	if i%20 != 0 {
		return ""
	}
	j := i / 20
	return fmt.Sprintf("100.%d.%d.%d", 64+j>>16&0x3f, j>>8&0xff, j&0xff)
}

// fleetVM is VM i of the synthetic fleet: five provider kinds with four
// regions each, names from a few roles, private and some public addresses,
// three tags; the same i always gives the same VM.
func fleetVM(i int) providers.VM {
	r := rand.New(rand.NewPCG(uint64(i), 77))
	kinds := []string{"aws", "gcp", "azure", "lxd", "proxmox"}
	regions := [][]string{
		{"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"},
		{"us-central1-a", "europe-west1-b", "asia-east1-c", "us-east4-b"},
		{"eastus", "westeurope", "northeurope", "southeastasia"},
		{"lxd-a", "lxd-b", "lxd-c", "lxd-d"},
		{"pve1", "pve2", "pve3", "pve4"},
	}
	roles := []string{"web", "api", "db", "cache", "worker", "build", "gateway", "search", "queue", "batch"}
	envs := []string{"prod", "staging", "dev", "test"}
	teams := []string{"edge", "payments", "data", "platform", "ml", "infra", "growth"}
	states := []providers.State{providers.StateRunning, providers.StateRunning, providers.StateRunning,
		providers.StateStopped, providers.StatePending, providers.StateTerminated}
	p := r.IntN(len(kinds))
	role, env := roles[r.IntN(len(roles))], envs[r.IntN(len(envs))]
	name := fmt.Sprintf("%s-%s-%06d", role, env, i)
	var id string
	switch kinds[p] {
	case "aws":
		id = fmt.Sprintf("i-0%016x", r.Uint64())
	case "gcp":
		id = strconv.FormatUint(r.Uint64()>>2, 10)
	case "azure":
		id = fmt.Sprintf("/subscriptions/%08x-0000-4000-8000-%012x/resourceGroups/rg-%s/providers/Microsoft.Compute/virtualMachines/%s",
			r.Uint32(), r.Uint64()&(1<<48-1), env, name)
	default:
		id = fmt.Sprintf("%s-%d", kinds[p], 100+i)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	vm := providers.VM{
		Provider: kinds[p], ID: id, Name: name, State: states[r.IntN(len(states))],
		Region: regions[p][r.IntN(4)], Type: "m6i.large", VCPUs: 2, MemoryMB: 8192, DiskGB: 50,
		PrivateIPs: []string{fmt.Sprintf("10.%d.%d.%d", p, i>>8&0xff, i&0xff)},
		PublicIPs:  []string{},
		Tags:       map[string]string{"env": env, "team": teams[r.IntN(len(teams))], "role": role},
		CreatedAt:  now.Add(-time.Duration(r.IntN(365*24)) * time.Hour),
		OS:         "linux", Image: "debian-12",
	}
	if r.IntN(3) == 0 {
		vm.PublicIPs = []string{fmt.Sprintf("203.0.%d.%d", r.IntN(256), r.IntN(256))}
	}
	if ip := tailnetIP(i); ip != "" {
		vm.PrivateIPs = append(vm.PrivateIPs, ip)
	}
	return vm
}

// fakeNodes is n tailnet nodes: the even ones carry the tailnet address of
// a VM (node j has VM j/2*20's), the odd ones match no VM (laptops, servers
// outside the clouds). Half of them are online.
func fakeNodes(n int) []headscale.Node {
	now := time.Now().UTC()
	nodes := make([]headscale.Node, n)
	for j := range nodes {
		ip := fmt.Sprintf("100.%d.%d.%d", 96+j>>16&0x1f, j>>8&0xff, j&0xff) // not a VM's
		name := fmt.Sprintf("laptop-%05d", j)
		if j%2 == 0 {
			ip, name = tailnetIP(j/2*20), fmt.Sprintf("host-%05d", j)
		}
		nodes[j] = headscale.Node{ID: uint64(j + 1), Name: name, Hostname: name, User: "bench", UserID: 1,
			IPAddresses: []string{ip, fmt.Sprintf("fd7a:115c:a1e0::%x", j+1)}, Online: j%4 < 2,
			LastSeen: now, CreatedAt: now.Add(-time.Hour), Tags: []string{"tag:server"},
			ApprovedRoutes: []string{}, AvailableRoutes: []string{}, SubnetRoutes: []string{},
			RegisterMethod: "authkey", MachineKey: fmt.Sprintf("mkey:%064x", j), NodeKey: fmt.Sprintf("nodekey:%064x", j)}
	}
	return nodes
}

// loadFleet creates accounts accounts of the benchfleet kind holding n VMs
// in all, and syncs each once through the engine (listing, folding into
// the store, snapshot). It returns how long that took.
func loadFleet(b *testing.B, s *invStack, e *inventory.Engine, n, accounts int) time.Duration {
	b.Helper()
	start := time.Now()
	for i := range accounts {
		a := s.create(b, fmt.Sprintf("fleet-%02d", i+1), "benchfleet", map[string]any{"index": i, "n": n / accounts})
		if err := e.Sync(context.Background(), a); err != nil {
			b.Fatalf("sync %s: %v", a.Name, err)
		}
	}
	e.Refresh()
	if got := e.Snapshot().Len(); got != n {
		b.Fatalf("snapshot holds %d VMs, want %d", got, n)
	}
	return time.Since(start)
}
