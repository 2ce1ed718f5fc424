// Package providertest is the conformance suite every provider adapter
// passes: LXD against a real daemon, the clouds against providers/sim. Each
// adapter's test builds a Target (its provider pointed at a server it can
// steer) and calls Run.
package providertest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/neogenesys/console/providers"
)

// Target is one provider under test with the knobs the suite needs. Optional
// knobs left nil make the suite log what it could not check and why.
type Target struct {
	// Kind is the provider kind every VM must carry ("aws", …).
	Kind string
	// Provider has good credentials for the account.
	Provider providers.Provider
	// BadAuth is the same account with credentials the provider rejects.
	BadAuth providers.Provider
	// WantIDs are the provider's VM ids List must emit, each exactly once.
	WantIDs []string
	// MinRegions is how many distinct regions (or zones, nodes, projects)
	// the listed VMs must span, proving every scope is covered.
	MinRegions int
	// Running is a running VM the suite may stop, start and reboot.
	Running string
	// MissingID is a well-formed id of a VM that does not exist.
	MissingID string
	// Settle bounds how long a power transition may take to show in List
	// (default 30 s).
	Settle time.Duration

	// Requests counts the requests the server answered (nil: not checked).
	Requests func() int64
	// MinListRequests is how many requests one List must take at least
	// (pages × regions), proving pagination is followed.
	MinListRequests int64
	// Throttle makes the server throttle the next n requests (nil when the
	// API has no throttling; NoThrottleReason says why).
	Throttle         func(n int)
	NoThrottleReason string
	// SetLatency delays every request (nil: cancellation is checked with a
	// context canceled before the call).
	SetLatency func(d time.Duration)
	// Corrupt makes the server send VM id's record malformed (nil when the
	// server cannot; NoCorruptReason says why).
	Corrupt         func(id string)
	NoCorruptReason string
}

// Run runs the suite. Subtests run in order; power transitions change the
// Running VM and leave it running.
func Run(t *testing.T, tg Target) {
	t.Helper()
	if tg.Settle == 0 {
		tg.Settle = 30 * time.Second
	}
	leaks := goleak.IgnoreCurrent()
	t.Run("Check", func(t *testing.T) { testCheck(t, tg) })
	t.Run("List", func(t *testing.T) { testList(t, tg) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, tg) })
	t.Run("BadCredentials", func(t *testing.T) { testBadAuth(t, tg) })
	t.Run("Throttling", func(t *testing.T) { testThrottle(t, tg) })
	t.Run("Cancellation", func(t *testing.T) { testCancel(t, tg) })
	t.Run("Power", func(t *testing.T) { testPower(t, tg) })
	t.Run("MalformedRecord", func(t *testing.T) { testCorrupt(t, tg) })
	t.Run("NoGoroutineLeaks", func(t *testing.T) {
		err := goleak.Find(leaks,
			// Idle keep-alive connections (the client's pool and the test
			// server's side of them) are pooled, not leaked.
			goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
			goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
			goleak.IgnoreAnyFunction("net/http.(*Transport).dialConnFor"),
			goleak.IgnoreAnyFunction("net/http.(*conn).serve"),
		)
		if err != nil {
			t.Error(err)
		}
	})
}

func ctx(t *testing.T, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return c
}

func testCheck(t *testing.T, tg Target) {
	info, err := tg.Provider.Check(ctx(t, 30*time.Second))
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if info.Identity == "" {
		t.Error("Check: empty identity")
	}
	if len(info.Regions) == 0 {
		t.Error("Check: no regions")
	}
}

// list returns every VM by id, failing on duplicates or an error.
func list(t *testing.T, p providers.Provider) map[string]providers.VM {
	t.Helper()
	got := map[string]providers.VM{}
	err := p.List(ctx(t, 60*time.Second), func(vm providers.VM) error {
		if _, dup := got[vm.ID]; dup {
			return fmt.Errorf("vm %s emitted twice", vm.ID)
		}
		got[vm.ID] = vm
		return nil
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return got
}

var validStates = []providers.State{providers.StateRunning, providers.StateStopped, providers.StatePending,
	providers.StateStopping, providers.StateTerminated, providers.StateUnknown}

func testList(t *testing.T, tg Target) {
	var before int64
	if tg.Requests != nil {
		before = tg.Requests()
	}
	got := list(t, tg.Provider)
	if tg.Requests != nil {
		if n := tg.Requests() - before; n < tg.MinListRequests {
			t.Errorf("List took %d requests, want at least %d (pages × regions)", n, tg.MinListRequests)
		}
	}
	for _, id := range tg.WantIDs {
		if _, ok := got[id]; !ok {
			t.Errorf("List did not emit %s", id)
		}
	}
	if len(got) != len(tg.WantIDs) {
		t.Errorf("List emitted %d VMs, want %d", len(got), len(tg.WantIDs))
	}
	regions := map[string]bool{}
	for id, vm := range got {
		regions[vm.Region] = true
		switch {
		case vm.Provider != tg.Kind:
			t.Errorf("%s: provider %q, want %q", id, vm.Provider, tg.Kind)
		case vm.AccountID == "":
			t.Errorf("%s: no account id", id)
		case vm.Name == "":
			t.Errorf("%s: no name", id)
		case !slices.Contains(validStates, vm.State):
			t.Errorf("%s: state %q is not one of %v", id, vm.State, validStates)
		case vm.PrivateIPs == nil || vm.PublicIPs == nil || vm.Tags == nil:
			t.Errorf("%s: nil PrivateIPs, PublicIPs or Tags (they encode as null)", id)
		}
	}
	if len(regions) < tg.MinRegions {
		t.Errorf("VMs span regions %v, want at least %d", regions, tg.MinRegions)
	}
	if vm, ok := got[tg.Running]; ok && vm.State != providers.StateRunning {
		t.Errorf("Running VM %s is %s", tg.Running, vm.State)
	}
}

func testNotFound(t *testing.T, tg Target) {
	err := tg.Provider.Power(ctx(t, 30*time.Second), tg.MissingID, providers.Start)
	if !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("Power(%s) = %v, want ErrNotFound", tg.MissingID, err)
	}
	if err := tg.Provider.Power(ctx(t, 30*time.Second), tg.Running, providers.Action("explode")); err == nil {
		t.Error("Power with an unknown action succeeded")
	}
}

func testBadAuth(t *testing.T, tg Target) {
	_, err := tg.BadAuth.Check(ctx(t, 30*time.Second))
	if !errors.Is(err, providers.ErrAuth) {
		t.Errorf("Check with bad credentials = %v, want ErrAuth", err)
	} else if !strings.Contains(err.Error(), "credentials") {
		t.Errorf("Check error %q does not say the credentials are at fault", err)
	}
	err = tg.BadAuth.List(ctx(t, 30*time.Second), func(providers.VM) error { return nil })
	if !errors.Is(err, providers.ErrAuth) {
		t.Errorf("List with bad credentials = %v, want ErrAuth", err)
	}
}

func testThrottle(t *testing.T, tg Target) {
	if tg.Throttle == nil {
		t.Skipf("not checked: %s", tg.NoThrottleReason)
	}
	tg.Throttle(2)
	defer tg.Throttle(0)
	got := list(t, tg.Provider)
	if len(got) != len(tg.WantIDs) {
		t.Errorf("List after throttling emitted %d VMs, want %d", len(got), len(tg.WantIDs))
	}
}

func testCancel(t *testing.T, tg Target) {
	c, cancel := context.WithCancel(context.Background())
	if tg.SetLatency == nil {
		cancel()
	} else {
		tg.SetLatency(3 * time.Second)
		defer tg.SetLatency(0)
		time.AfterFunc(200*time.Millisecond, cancel)
	}
	defer cancel()
	start := time.Now()
	err := tg.Provider.List(c, func(providers.VM) error { return nil })
	took := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("List after cancel = %v, want context.Canceled", err)
	}
	if took > 2*time.Second {
		t.Errorf("List took %v to notice the cancellation", took)
	}
}

func waitState(t *testing.T, tg Target, want providers.State) {
	t.Helper()
	deadline := time.Now().Add(tg.Settle)
	var last providers.State
	for time.Now().Before(deadline) {
		vm, ok := list(t, tg.Provider)[tg.Running]
		if !ok {
			t.Fatalf("%s vanished from List", tg.Running)
		}
		if last = vm.State; last == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s is %s after %v, want %s", tg.Running, last, tg.Settle, want)
}

func testPower(t *testing.T, tg Target) {
	for _, step := range []struct {
		a    providers.Action
		want providers.State
	}{
		{providers.Stop, providers.StateStopped},
		{providers.Start, providers.StateRunning},
		{providers.Reboot, providers.StateRunning},
	} {
		if err := tg.Provider.Power(ctx(t, tg.Settle), tg.Running, step.a); err != nil {
			t.Fatalf("Power(%s, %s): %v", tg.Running, step.a, err)
		}
		waitState(t, tg, step.want)
	}
}

func testCorrupt(t *testing.T, tg Target) {
	if tg.Corrupt == nil {
		t.Skipf("not checked: %s", tg.NoCorruptReason)
	}
	bad := tg.WantIDs[len(tg.WantIDs)-1]
	tg.Corrupt(bad)
	got := map[string]bool{}
	err := tg.Provider.List(ctx(t, 60*time.Second), func(vm providers.VM) error {
		got[vm.ID] = true
		return nil
	})
	if err != nil && !providers.IsPartial(err) {
		t.Fatalf("List with one malformed record = %v, want nil or a PartialError", err)
	}
	for _, id := range tg.WantIDs {
		if id != bad && !got[id] {
			t.Errorf("one malformed record dropped %s", id)
		}
	}
	if err == nil && !got[bad] {
		t.Errorf("malformed record %s was dropped without a PartialError", bad)
	}
}
