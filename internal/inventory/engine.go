package inventory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/internal/store"
	"github.com/neogenesys/console/providers"
)

// Errors the engine returns; the HTTP layer maps them.
var (
	ErrUnknownVM = fmt.Errorf("no such vm in the inventory: %w", providers.ErrNotFound)
)

// Accounts is where the engine finds the cloud accounts and their providers
// (clouds.Service).
type Accounts interface {
	Accounts(ctx context.Context) ([]store.CloudAccount, error)
	ProviderOf(a store.CloudAccount) (providers.Provider, error)
}

// Store persists the inventory.
type Store interface {
	SaveVMs(ctx context.Context, vms []store.StoredVM) ([]store.StoredVM, error)
	DeleteVMs(ctx context.Context, ids []int64) error
	ListVMs(ctx context.Context) ([]store.StoredVM, error)
	AppendSyncRun(ctx context.Context, r store.SyncRun, keep int) (store.SyncRun, error)
	ListSyncRuns(ctx context.Context, cloudID int64, limit int) ([]store.SyncRun, error)
}

// Publisher receives change events (events.Hub).
type Publisher interface {
	Publish(typ string, data any)
}

// Options tune the engine; zero values are the defaults.
type Options struct {
	Interval    time.Duration // between syncs of an account (60 s)
	CallTimeout time.Duration // one List or Power (5 min)
	Parallel    int           // accounts synced at once (4)
	GoneGrace   time.Duration // a gone VM is removed after this (1 h)
	FollowEvery time.Duration // sync cadence after a power action (1 s)
	FollowFor   time.Duration // how long to follow a power action at most (3 min)
	History     int           // sync runs kept per account (100)
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Interval, 60*time.Second)
	def(&o.CallTimeout, 5*time.Minute)
	def(&o.GoneGrace, time.Hour)
	def(&o.FollowEvery, time.Second)
	def(&o.FollowFor, 3*time.Minute)
	if o.Parallel <= 0 {
		o.Parallel = 4
	}
	if o.History <= 0 {
		o.History = 100
	}
}

// Engine keeps the inventory: it syncs every account on its schedule, all
// in parallel within a bound, persists what changed, joins VMs to nodes,
// and publishes an immutable Snapshot for readers.
type Engine struct {
	accounts Accounts
	store    Store
	pub      Publisher
	log      *slog.Logger
	opts     Options
	nodes    func() ([]headscale.Node, error)
	metrics  *metrics
	now      func() time.Time

	snap    atomic.Pointer[Snapshot]
	nodeVMs atomic.Pointer[map[uint64]NodeVM] // node id → the VM it runs on
	dirty   atomic.Bool
	kick    chan struct{}

	writeMu sync.Mutex // one fold writes to the store at a time

	mu        sync.Mutex
	vms       map[int64]*VM              // by Key
	byCloud   map[int64]map[string]int64 // cloud → provider id → Key
	status    map[int64]*AccountStatus
	due       map[int64]time.Time  // next sync per account
	follow    map[int64]followSpec // cloud → the VMs being followed after a power action
	keyVM     map[uint64]int64     // pre-auth key id → VM Key (keys minted for a VM)
	lastNodes []headscale.Node     // the tailnet's nodes when last seen
	running   map[int64]bool
	again     map[int64]bool // a sync was asked for while one ran
	throttled map[int64]uint // throttled syncs in a row, per account
}

type followSpec struct {
	until time.Time
	vms   map[int64]followed
}

// followed is a VM whose power action the engine follows.
type followed struct {
	before providers.State // state when the action was asked
	asked  time.Time
	reboot bool
}

// New returns an engine. nodes returns the tailnet's nodes (tailnet.View);
// reg may be nil.
func New(accounts Accounts, st Store, pub Publisher, nodes func() ([]headscale.Node, error), log *slog.Logger, reg metricsRegisterer, opts Options) *Engine {
	opts.defaults()
	e := &Engine{
		accounts: accounts, store: st, pub: pub, nodes: nodes, log: log, opts: opts,
		metrics: newMetrics(reg), now: time.Now,
		kick: make(chan struct{}, 1),
		vms:  map[int64]*VM{}, byCloud: map[int64]map[string]int64{},
		status: map[int64]*AccountStatus{}, due: map[int64]time.Time{},
		follow: map[int64]followSpec{}, keyVM: map[uint64]int64{}, running: map[int64]bool{},
		throttled: map[int64]uint{}, again: map[int64]bool{},
	}
	e.snap.Store(NewSnapshot(nil, nil, time.Time{}))
	return e
}

// Snapshot is the current inventory. Never nil; do not modify it.
func (e *Engine) Snapshot() *Snapshot { return e.snap.Load() }

// Load reads the stored inventory; call it once before Run.
func (e *Engine) Load(ctx context.Context) error {
	stored, err := e.store.ListVMs(ctx)
	if err != nil {
		return err
	}
	accts, err := e.accounts.Accounts(ctx)
	if err != nil {
		return err
	}
	names := map[int64]store.CloudAccount{}
	for _, a := range accts {
		names[a.ID] = a
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range stored {
		var pv providers.VM
		if err := json.Unmarshal([]byte(s.Data), &pv); err != nil {
			e.log.Warn("stored vm unreadable; it will come back with the next sync", "vm", s.ID, "error", err)
			continue
		}
		vm := &VM{VM: pv, Key: s.ID, CloudID: s.CloudID, CloudName: names[s.CloudID].Name,
			FirstSeen: s.FirstSeen, LastSeen: s.LastSeen, GoneAt: s.GoneAt}
		e.index(vm)
	}
	e.dirty.Store(true)
	e.publishSnapshot()
	return nil
}

func (e *Engine) index(vm *VM) {
	e.vms[vm.Key] = vm
	m := e.byCloud[vm.CloudID]
	if m == nil {
		m = map[string]int64{}
		e.byCloud[vm.CloudID] = m
	}
	m[vm.ID] = vm.Key
}

// Run syncs until ctx ends.
func (e *Engine) Run(ctx context.Context) {
	sem := make(chan struct{}, e.opts.Parallel)
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		e.schedule(ctx, sem, &wg)
		if e.dirty.Load() {
			e.mu.Lock()
			e.publishSnapshot()
			e.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-e.kick:
		}
	}
}

// schedule starts the syncs that are due, within the bound.
func (e *Engine) schedule(ctx context.Context, sem chan struct{}, wg *sync.WaitGroup) {
	accts, err := e.accounts.Accounts(ctx)
	if err != nil {
		if ctx.Err() == nil {
			e.log.Warn("inventory: list cloud accounts", "error", err)
		}
		return
	}
	now := e.now()
	e.mu.Lock()
	seen := map[int64]bool{}
	var start []store.CloudAccount
	for _, a := range accts {
		seen[a.ID] = true
		st := e.statusOf(a)
		if e.running[a.ID] {
			continue
		}
		next, ok := e.due[a.ID]
		if f, following := e.follow[a.ID]; following && now.Before(f.until) {
			if soon := st.LastEnd.Add(e.opts.FollowEvery); soon.Before(next) {
				next = soon
			}
		}
		if !ok || !now.Before(next) {
			e.running[a.ID] = true
			start = append(start, a)
		}
	}
	// Accounts that were removed: forget them (their VMs went with them).
	for id := range e.status {
		if !seen[id] {
			e.forget(id)
		}
	}
	e.mu.Unlock()
	for _, a := range start {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			e.mu.Lock()
			e.running[a.ID] = false
			e.mu.Unlock()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			e.sync(ctx, a)
		}()
	}
}

func (e *Engine) statusOf(a store.CloudAccount) *AccountStatus {
	st := e.status[a.ID]
	if st == nil {
		st = &AccountStatus{CloudID: a.ID}
		e.status[a.ID] = st
		e.dirty.Store(true)
	}
	if st.Name != a.Name || st.Kind != a.Kind {
		st.Name, st.Kind = a.Name, a.Kind
		for _, key := range e.byCloud[a.ID] {
			e.vms[key].CloudName = a.Name
		}
		e.dirty.Store(true)
	}
	return st
}

func (e *Engine) forget(cloudID int64) {
	for _, key := range e.byCloud[cloudID] {
		delete(e.vms, key)
	}
	delete(e.byCloud, cloudID)
	delete(e.status, cloudID)
	delete(e.due, cloudID)
	delete(e.follow, cloudID)
	delete(e.throttled, cloudID)
	delete(e.again, cloudID)
	e.metrics.forget(cloudID)
	e.dirty.Store(true)
}

// SyncNow asks for a sync of one account (0: every account) as soon as
// possible.
func (e *Engine) SyncNow(cloudID int64) {
	e.mu.Lock()
	if cloudID == 0 {
		for id := range e.due {
			e.requestSync(id)
		}
	} else {
		e.requestSync(cloudID)
	}
	e.mu.Unlock()
	e.wake()
}

// requestSync makes an account due now; one asked for while it syncs runs
// again right after (that listing may have begun before the request).
// Callers hold e.mu.
func (e *Engine) requestSync(id int64) {
	e.due[id] = time.Time{}
	if e.running[id] {
		e.again[id] = true
	}
}

func (e *Engine) wake() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// Sync runs one sync of an account now, in the caller's goroutine (tests,
// the CLI). It fails when the account is already syncing.
func (e *Engine) Sync(ctx context.Context, a store.CloudAccount) error {
	e.mu.Lock()
	e.statusOf(a)
	if e.running[a.ID] {
		e.mu.Unlock()
		return fmt.Errorf("cloud account %q is syncing already", a.Name)
	}
	e.running[a.ID] = true
	e.mu.Unlock()
	return e.sync(ctx, a)
}

// progressEvery is how often a running sync reports how many VMs it has
// listed (sync.progress events).
const progressEvery = 250 * time.Millisecond

// sync lists one account and folds the result into the inventory.
func (e *Engine) sync(ctx context.Context, a store.CloudAccount) error {
	start := e.now()
	e.mu.Lock()
	st := e.statusOf(a)
	st.Syncing, st.LastStart = true, start
	e.dirty.Store(true)
	e.mu.Unlock()
	e.pub.Publish("sync.started", map[string]any{"cloudId": a.ID, "name": a.Name})

	var listed []providers.VM
	err := func() error {
		p, err := e.accounts.ProviderOf(a)
		if err != nil {
			return err
		}
		if c, ok := p.(io.Closer); ok {
			defer c.Close()
		}
		lctx, cancel := context.WithTimeout(ctx, e.opts.CallTimeout)
		defer cancel()
		lastProgress := time.Now()
		return p.List(lctx, func(vm providers.VM) error {
			listed = append(listed, vm)
			if now := time.Now(); now.Sub(lastProgress) >= progressEvery {
				lastProgress = now
				e.pub.Publish("sync.progress", map[string]any{"cloudId": a.ID, "name": a.Name, "vms": len(listed)})
			}
			return nil
		})
	}()
	complete := err == nil || providers.IsPartial(err)
	end := e.now()
	changes, werr := e.fold(ctx, a, listed, complete, end)
	if werr != nil && (err == nil || providers.IsPartial(err)) {
		err = werr // the store did not take it: not a success
	}

	e.mu.Lock()
	e.running[a.ID] = false
	if e.status[a.ID] != st { // the account was removed while it synced
		e.mu.Unlock()
		return err
	}
	st.Syncing, st.LastEnd = false, end
	st.Partial = ""
	switch {
	case err == nil || providers.IsPartial(err):
		st.LastSuccess, st.Error, st.ErrorAt, st.Stale = end, "", time.Time{}, false
		if err != nil {
			st.Partial = err.Error()
		}
	default:
		st.Error, st.ErrorAt, st.Stale = err.Error(), end, true
	}
	st.VMs = 0
	regions := map[string]bool{}
	for _, key := range e.byCloud[a.ID] {
		if vm := e.vms[key]; vm.GoneAt.IsZero() {
			st.VMs++
			if vm.Region != "" {
				regions[vm.Region] = true
			}
		}
	}
	st.Regions = slices.Sorted(maps.Keys(regions))
	e.due[a.ID] = end.Add(e.backoff(err, a.ID))
	if e.again[a.ID] {
		e.due[a.ID] = time.Time{}
		delete(e.again, a.ID)
	}
	e.settleFollow(a.ID)
	e.dirty.Store(true)
	status := *st
	e.mu.Unlock()
	e.wake()

	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return err // shutting down: no history, no alarm
	}
	e.metrics.observe(a, status, end.Sub(start), err)
	errText := ""
	if err != nil {
		errText = err.Error()
		e.log.Warn("inventory: sync failed; keeping the last good data", "cloud", a.Name, "kind", a.Kind, "error", err)
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, herr := e.store.AppendSyncRun(rctx, store.SyncRun{CloudID: a.ID, StartedAt: start, EndedAt: end, VMs: len(listed), Error: errText}, e.opts.History); herr != nil {
		e.log.Warn("inventory: record sync run", "cloud", a.Name, "error", herr)
	}
	e.pub.Publish("sync.finished", map[string]any{"cloudId": a.ID, "name": a.Name, "vms": len(listed),
		"error": errText, "stale": status.Stale, "tookMs": end.Sub(start).Milliseconds(), "changes": changes})
	return err
}

// backoff is how long until the next sync: the interval, doubled for each
// throttled sync in a row, up to 16 intervals.
func (e *Engine) backoff(err error, cloudID int64) time.Duration {
	if !errors.Is(err, providers.ErrThrottled) {
		e.throttled[cloudID] = 0
		return e.opts.Interval
	}
	n := min(e.throttled[cloudID]+1, 4)
	e.throttled[cloudID] = n
	return e.opts.Interval << n
}
