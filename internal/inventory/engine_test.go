package inventory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/internal/clouds"
	"github.com/neogenesys/console/internal/secrets"
	"github.com/neogenesys/console/internal/store"
	"github.com/neogenesys/console/providers"
)

// fakeCloud is the provider behind the "invtest" kind: a fleet per account
// name that tests change between syncs.
type fakeCloud struct {
	mu      sync.Mutex
	vms     []providers.VM
	fail    error // List fails with it after emitting failAfter VMs
	after   int
	powered []string
	lists   atomic.Int64
	delay   time.Duration
	perVM   time.Duration // pause before each VM: a slow listing
}

var (
	fakes      sync.Map     // account name → *fakeCloud
	listing    atomic.Int64 // Lists running now, every account
	listingMax atomic.Int64
)

type fakeConfig struct {
	Fleet string `json:"fleet"`
	Token string `json:"token,omitempty" secret:"true"`
}

func (c *fakeConfig) Kind() string    { return "invtest" }
func (c *fakeConfig) Validate() error { return nil }
func (c *fakeConfig) New(account string) (providers.Provider, error) {
	f, ok := fakes.Load(c.Fleet)
	if !ok {
		return nil, fmt.Errorf("no fleet %q", c.Fleet)
	}
	return &fakeProvider{f.(*fakeCloud), account}, nil
}

type fakeProvider struct {
	c       *fakeCloud
	account string
}

func (p *fakeProvider) Check(context.Context) (providers.AccountInfo, error) {
	return providers.AccountInfo{Identity: "fake"}, nil
}

func (p *fakeProvider) List(ctx context.Context, emit func(providers.VM) error) error {
	c := p.c
	c.lists.Add(1)
	n := listing.Add(1)
	defer listing.Add(-1)
	for {
		peak := listingMax.Load()
		if n <= peak || listingMax.CompareAndSwap(peak, n) {
			break
		}
	}
	c.mu.Lock()
	vms := append([]providers.VM(nil), c.vms...)
	fail, after, delay, perVM := c.fail, c.after, c.delay, c.perVM
	c.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for i, vm := range vms {
		if fail != nil && i == after {
			return fail
		}
		if perVM > 0 {
			select {
			case <-time.After(perVM):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		vm.Provider, vm.AccountID = "invtest", p.account
		if err := emit(vm); err != nil {
			return err
		}
	}
	if fail != nil && after >= len(vms) {
		return fail
	}
	return nil
}

func (p *fakeProvider) Power(_ context.Context, id string, a providers.Action) error {
	c := p.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.vms {
		if c.vms[i].ID == id {
			c.powered = append(c.powered, string(a)+" "+id)
			switch a {
			case providers.Stop:
				c.vms[i].State = providers.StateStopped
			case providers.Start, providers.Reboot:
				c.vms[i].State = providers.StateRunning
			}
			return nil
		}
	}
	return providers.ErrNotFound
}

func (c *fakeCloud) set(f func(c *fakeCloud)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(c)
}

func init() {
	providers.Register(providers.Kind{Name: "invtest", NewConfig: func() providers.Config { return &fakeConfig{} }})
}

type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) Publish(typ string, _ any) {
	r.mu.Lock()
	r.events = append(r.events, typ)
	r.mu.Unlock()
}

func (r *recorder) count(typ string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if e == typ {
			n++
		}
	}
	return n
}

type env struct {
	t      *testing.T
	st     *store.DB
	clouds *clouds.Service
	pub    *recorder
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "inv.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	box, err := secrets.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, st: st, clouds: &clouds.Service{Store: st, Sealer: box}, pub: &recorder{}}
}

// account connects a fake account with n running VMs named name-i.
func (e *env) account(name string, n int) (store.CloudAccount, *fakeCloud) {
	e.t.Helper()
	fc := &fakeCloud{}
	for i := range n {
		fc.vms = append(fc.vms, providers.VM{ID: fmt.Sprintf("%s-%d", name, i), Name: fmt.Sprintf("%s-%d", name, i),
			State: providers.StateRunning, Region: "r1", PrivateIPs: []string{}, PublicIPs: []string{}, Tags: map[string]string{}})
	}
	fakes.Store(name, fc)
	e.t.Cleanup(func() { fakes.Delete(name) })
	if _, err := e.clouds.Create(context.Background(), name, "invtest", json.RawMessage(`{"fleet":"`+name+`","token":"t"}`), "test"); err != nil {
		e.t.Fatal(err)
	}
	accts, _ := e.clouds.Accounts(context.Background())
	for _, a := range accts {
		if a.Name == name {
			return a, fc
		}
	}
	e.t.Fatal("account not stored")
	return store.CloudAccount{}, nil
}

func (e *env) engine(opts Options) *Engine {
	return New(e.clouds, e.st, e.pub, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, opts)
}

func byID(s *Snapshot) map[string]VM {
	out := map[string]VM{}
	for _, vm := range s.All() {
		out[vm.ID] = vm
	}
	return out
}

func TestSyncAddsChangesMarksGoneAndRemoves(t *testing.T) {
	e := newEnv(t)
	a, fc := e.account("alpha", 3)
	eng := e.engine(Options{GoneGrace: time.Hour})
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	eng.now = func() time.Time { return now }
	ctx := context.Background()

	if err := eng.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	eng.Refresh()
	vms := byID(eng.Snapshot())
	if len(vms) != 3 || vms["alpha-0"].Key == 0 || vms["alpha-0"].CloudName != "alpha" {
		t.Fatalf("after the first sync: %+v", vms)
	}
	key0 := vms["alpha-0"].Key

	// One changes state, one vanishes.
	fc.set(func(c *fakeCloud) {
		c.vms[0].State = providers.StateStopped
		c.vms = c.vms[:2]
	})
	now = now.Add(time.Minute)
	if err := eng.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	eng.Refresh()
	vms = byID(eng.Snapshot())
	if vms["alpha-0"].State != providers.StateStopped || vms["alpha-0"].Key != key0 {
		t.Errorf("changed VM = %+v", vms["alpha-0"])
	}
	if !vms["alpha-2"].GoneAt.Equal(now) {
		t.Errorf("vanished VM not marked gone: %+v", vms["alpha-2"])
	}
	if e.pub.count("vm.state") != 1 {
		t.Errorf("vm.state events = %d, want 1", e.pub.count("vm.state"))
	}
	st := eng.Snapshot().Accounts()[0]
	if st.VMs != 2 || st.Stale || st.LastSuccess != now {
		t.Errorf("account status = %+v", st)
	}

	// After the grace period it is removed, from memory and the store.
	now = now.Add(2 * time.Hour)
	if err := eng.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	eng.Refresh()
	if _, ok := byID(eng.Snapshot())["alpha-2"]; ok {
		t.Error("gone VM not removed after the grace period")
	}
	stored, _ := e.st.ListVMs(ctx)
	if len(stored) != 2 {
		t.Errorf("store holds %d VMs, want 2", len(stored))
	}
	runs, _ := eng.SyncRuns(ctx, a.ID, 10)
	if len(runs) != 3 {
		t.Errorf("sync history has %d runs, want 3", len(runs))
	}

	// A new engine over the same store starts from the stored inventory.
	eng2 := e.engine(Options{})
	if err := eng2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if got := byID(eng2.Snapshot()); len(got) != 2 || got["alpha-0"].Key != key0 || got["alpha-0"].State != providers.StateStopped {
		t.Errorf("reloaded inventory = %+v", got)
	}
}

func TestFailingSyncKeepsLastGoodDataMarkedStale(t *testing.T) {
	e := newEnv(t)
	a, fc := e.account("beta", 4)
	eng := e.engine(Options{})
	ctx := context.Background()
	if err := eng.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	// The provider fails half way: what it emitted is updated, the rest
	// is kept and marked stale; nothing is gone.
	fc.set(func(c *fakeCloud) {
		c.vms[0].Name = "renamed"
		c.vms = c.vms[:3]
		c.fail, c.after = fmt.Errorf("eu-west-1: %w", providers.ErrUnreachable), 1
	})
	if err := eng.Sync(ctx, a); !errors.Is(err, providers.ErrUnreachable) {
		t.Fatalf("Sync = %v", err)
	}
	eng.Refresh()
	vms := byID(eng.Snapshot())
	if len(vms) != 4 {
		t.Fatalf("a failing sync changed the VM count to %d", len(vms))
	}
	if vms["beta-0"].Name != "renamed" {
		t.Errorf("emitted VM not updated: %+v", vms["beta-0"])
	}
	for _, id := range []string{"beta-1", "beta-2", "beta-3"} {
		if !vms[id].Stale || !vms[id].GoneAt.IsZero() {
			t.Errorf("%s = stale %v, gone %v; want stale, not gone", id, vms[id].Stale, vms[id].GoneAt)
		}
	}
	st := eng.Snapshot().Accounts()[0]
	if !st.Stale || st.Error == "" || st.ErrorAt.IsZero() {
		t.Errorf("account status = %+v", st)
	}
	runs, _ := eng.SyncRuns(ctx, a.ID, 1)
	if len(runs) != 1 || runs[0].Error == "" {
		t.Errorf("history = %+v", runs)
	}
	// A partial listing (malformed records skipped) is a success.
	fc.set(func(c *fakeCloud) {
		c.fail, c.after = &providers.PartialError{Skipped: 1, Reasons: []string{"bad"}}, 99
	})
	if err := eng.Sync(ctx, a); !providers.IsPartial(err) {
		t.Fatalf("partial Sync = %v", err)
	}
	eng.Refresh()
	st = eng.Snapshot().Accounts()[0]
	if st.Stale || st.Partial == "" {
		t.Errorf("after a partial sync: %+v", st)
	}
	if byID(eng.Snapshot())["beta-3"].GoneAt.IsZero() {
		t.Error("beta-3 was missing from a complete (partial) listing but is not marked gone")
	}
}

func TestRunSyncsAccountsInParallelAndFollowsPowerActions(t *testing.T) {
	e := newEnv(t)
	var fleets []*fakeCloud
	for i := range 4 {
		_, fc := e.account(fmt.Sprintf("acct%d", i), 5)
		fc.delay = 300 * time.Millisecond
		fleets = append(fleets, fc)
	}
	eng := e.engine(Options{Interval: time.Hour, Parallel: 3, FollowEvery: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	listingMax.Store(0)
	done := make(chan struct{})
	go func() { eng.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	waitFor(t, 5*time.Second, "every account synced", func() bool { return len(eng.Snapshot().All()) == 20 })
	if peak := listingMax.Load(); peak < 2 || peak > 3 {
		t.Errorf("%d accounts listed at once, want 2 or 3 (parallel, bounded by 3)", peak)
	}
	total := int64(0)
	for _, fc := range fleets {
		total += fc.lists.Load()
	}
	if total != 4 {
		t.Errorf("%d lists for 4 accounts with an hour's interval", total)
	}

	vm := byID(eng.Snapshot())["acct1-2"]
	if _, err := eng.Power(ctx, vm.Key, providers.Start); !errors.Is(err, providers.ErrInvalidState) {
		t.Errorf("start of a running VM = %v, want ErrInvalidState", err)
	}
	start := time.Now()
	if _, err := eng.Power(ctx, vm.Key, providers.Stop); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "the stop to show", func() bool {
		got, _ := eng.Snapshot().VM(vm.Key)
		return got.State == providers.StateStopped
	})
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the stop showed after %v", took)
	}
	if fleets[1].lists.Load() < 2 {
		t.Error("no follow-up sync after the power action")
	}
	if _, err := eng.Power(ctx, 999999, providers.Stop); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("power on an unknown key = %v", err)
	}
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSyncMetrics(t *testing.T) {
	e := newEnv(t)
	a, fc := e.account("gamma", 2)
	reg := prometheus.NewRegistry()
	eng := New(e.clouds, e.st, e.pub, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), reg, Options{})
	ctx := context.Background()
	if err := eng.Sync(ctx, a); err != nil {
		t.Fatal(err)
	}
	fc.set(func(c *fakeCloud) { c.fail, c.after = providers.ErrUnreachable, 0 })
	_ = eng.Sync(ctx, a)
	got := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["provider"] != "invtest" || labels["cloud"] != strconv.FormatInt(a.ID, 10) {
				t.Errorf("%s labels = %v", mf.GetName(), labels)
			}
			switch {
			case m.Gauge != nil:
				got[mf.GetName()] = m.GetGauge().GetValue()
			case m.Counter != nil:
				got[mf.GetName()] = m.GetCounter().GetValue()
			case m.Histogram != nil:
				got[mf.GetName()] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	want := map[string]float64{
		"neoconsole_inventory_vms":                   2,
		"neoconsole_inventory_sync_errors_total":     1,
		"neoconsole_inventory_sync_duration_seconds": 2,
	}
	for name, v := range want {
		if got[name] != v {
			t.Errorf("%s = %v, want %v", name, got[name], v)
		}
	}
	if got["neoconsole_inventory_last_success_timestamp_seconds"] < 1e9 {
		t.Errorf("last success timestamp = %v", got["neoconsole_inventory_last_success_timestamp_seconds"])
	}
}

func TestLinksSurviveAHeadscaleOutage(t *testing.T) {
	e := newEnv(t)
	a, _ := e.account("delta", 1)
	nodes := []headscale.Node{{ID: 9, Name: "delta-0", Hostname: "delta-0", Online: true, IPAddresses: []string{"100.64.0.9"}}}
	var down atomic.Bool
	eng := New(e.clouds, e.st, e.pub, func() ([]headscale.Node, error) {
		if down.Load() {
			return nil, headscale.ErrUnavailable
		}
		return nodes, nil
	}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, Options{})
	if err := eng.Sync(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	eng.Refresh()
	if vm := eng.Snapshot().All()[0]; vm.NodeID != 9 || vm.Enrollment != EnrolledOnline {
		t.Fatalf("before the outage: %+v", vm)
	}
	down.Store(true)
	eng.Refresh()
	if vm := eng.Snapshot().All()[0]; vm.NodeID != 9 {
		t.Errorf("Headscale down unlinked the VM: %+v", vm)
	}
	if nv, ok := eng.VMOfNode(9); !ok || nv.Name != "delta-0" {
		t.Errorf("VMOfNode(9) = %+v, %v", nv, ok)
	}
}

// A slow sync reports its progress, and the account's status names the
// regions its VMs are in.
func TestSyncReportsProgressAndRegions(t *testing.T) {
	e := newEnv(t)
	a, fc := e.account("slow", 6)
	fc.set(func(c *fakeCloud) {
		c.perVM = 100 * time.Millisecond // 600 ms in all: at least two progress events at 250 ms
		c.vms[0].Region, c.vms[1].Region = "r2", "r0"
	})
	eng := e.engine(Options{})
	if err := eng.Sync(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if n := e.pub.count("sync.progress"); n < 1 || n > 3 {
		t.Errorf("sync.progress events = %d, want 1 to 3 for a 600 ms listing", n)
	}
	eng.Refresh()
	st := eng.Snapshot().Accounts()
	if len(st) != 1 || strings.Join(st[0].Regions, ",") != "r0,r1,r2" || st[0].VMs != 6 {
		t.Fatalf("status = %+v", st)
	}
}
