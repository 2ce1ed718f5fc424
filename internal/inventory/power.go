package inventory

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/neogenesys/console/internal/store"
	"github.com/neogenesys/console/providers"
)

// Power runs a power action on a VM of the inventory, then follows its
// account closely (a sync every FollowEvery) until the VM settles, so the
// transition shows within a couple of seconds of the provider reporting it.
// An action that does not fit the VM's known state is refused with
// providers.ErrInvalidState before the provider is asked.
func (e *Engine) Power(ctx context.Context, key int64, a providers.Action) (VM, error) {
	if !a.Valid() {
		return VM{}, fmt.Errorf("%w: unknown action %q (start, stop or reboot)", providers.ErrInvalidState, a)
	}
	e.mu.Lock()
	vm, ok := e.vms[key]
	if !ok {
		e.mu.Unlock()
		return VM{}, fmt.Errorf("vm %d: %w", key, ErrUnknownVM)
	}
	cur := *vm
	e.mu.Unlock()
	if !cur.GoneAt.IsZero() {
		return cur, fmt.Errorf("vm %q is gone from %s: %w", cur.Name, cur.CloudName, providers.ErrNotFound)
	}
	if !cur.State.Allows(a) {
		return cur, fmt.Errorf("%w: cannot %s vm %q while it is %s", providers.ErrInvalidState, a, cur.Name, cur.State)
	}
	p, acct, err := e.providerOf(ctx, cur.CloudID)
	if err != nil {
		return cur, err
	}
	if c, ok := p.(io.Closer); ok {
		defer c.Close()
	}
	pctx, cancel := context.WithTimeout(ctx, e.opts.CallTimeout)
	defer cancel()
	if err := p.Power(pctx, cur.ID, a); err != nil {
		return cur, fmt.Errorf("%s vm %q on %s: %w", a, cur.Name, acct.Name, err)
	}

	e.mu.Lock()
	f := e.follow[cur.CloudID]
	if f.vms == nil {
		f.vms = map[int64]followed{}
	}
	f.vms[key] = followed{before: cur.State, asked: e.now(), reboot: a == providers.Reboot}
	f.until = e.now().Add(e.opts.FollowFor)
	e.follow[cur.CloudID] = f
	e.requestSync(cur.CloudID) // sync at once
	e.mu.Unlock()
	e.wake()
	return cur, nil
}

// settleFollow ends the follow-up of the VMs that reached a stable state
// other than the one they had (a reboot: running, in a listing begun after
// it), and of the whole account when time is up.
// Callers hold e.mu.
func (e *Engine) settleFollow(cloudID int64) {
	f, ok := e.follow[cloudID]
	if !ok {
		return
	}
	// A listing that began before the action may show the VM as it was.
	var listedAfter time.Time
	if st := e.status[cloudID]; st != nil {
		listedAfter = st.LastStart
	}
	for key, fv := range f.vms {
		vm, ok := e.vms[key]
		if !ok {
			delete(f.vms, key)
			continue
		}
		stable := vm.State == providers.StateRunning || vm.State == providers.StateStopped || vm.State == providers.StateTerminated
		// A reboot starts and ends running: it has settled once a listing
		// made after it shows the VM running.
		if stable && (vm.State != fv.before || fv.reboot && listedAfter.After(fv.asked)) {
			delete(f.vms, key)
		}
	}
	if len(f.vms) == 0 || !e.now().Before(f.until) {
		delete(e.follow, cloudID)
		return
	}
	e.follow[cloudID] = f
}

// providerOf builds the provider of a cloud account.
func (e *Engine) providerOf(ctx context.Context, cloudID int64) (providers.Provider, store.CloudAccount, error) {
	accts, err := e.accounts.Accounts(ctx)
	if err != nil {
		return nil, store.CloudAccount{}, err
	}
	for _, a := range accts {
		if a.ID == cloudID {
			p, err := e.accounts.ProviderOf(a)
			return p, a, err
		}
	}
	return nil, store.CloudAccount{}, fmt.Errorf("cloud account %d is gone: %w", cloudID, ErrUnknownVM)
}

// Exec runs argv in a VM's guest when its provider can (providers.Executor);
// ok is false when it cannot.
func (e *Engine) Exec(ctx context.Context, key int64, argv []string, stdin []byte) (res providers.ExecResult, ok bool, err error) {
	vm, found := e.Snapshot().VM(key)
	if !found {
		return res, false, fmt.Errorf("vm %d: %w", key, ErrUnknownVM)
	}
	p, _, err := e.providerOf(ctx, vm.CloudID)
	if err != nil {
		return res, false, err
	}
	if c, ok := p.(io.Closer); ok {
		defer c.Close()
	}
	x, can := p.(providers.Executor)
	if !can {
		return res, false, nil
	}
	xctx, cancel := context.WithTimeout(ctx, e.opts.CallTimeout)
	defer cancel()
	res, err = x.Exec(xctx, vm.ID, argv, stdin)
	return res, true, err
}

// SetBootScript hands a VM's guest a script for its next boot when its
// provider can (providers.BootScripter); ok is false when it cannot.
func (e *Engine) SetBootScript(ctx context.Context, key int64, script string) (note string, ok bool, err error) {
	vm, found := e.Snapshot().VM(key)
	if !found {
		return "", false, fmt.Errorf("vm %d: %w", key, ErrUnknownVM)
	}
	p, _, err := e.providerOf(ctx, vm.CloudID)
	if err != nil {
		return "", false, err
	}
	if c, ok := p.(io.Closer); ok {
		defer c.Close()
	}
	bs, can := p.(providers.BootScripter)
	if !can {
		return "", false, nil
	}
	bctx, cancel := context.WithTimeout(ctx, e.opts.CallTimeout)
	defer cancel()
	note, err = bs.SetBootScript(bctx, vm.ID, script)
	return note, true, err
}
