package lxd

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/providers"
)

// replayProvider is a provider for r with a short retry budget.
func replayProvider(t *testing.T, r *replay, edit func(*Config)) *Provider {
	t.Helper()
	cfg := r.config(t)
	if edit != nil {
		edit(cfg)
	}
	p, err := cfg.New("acct-1")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = p.(*Provider).Close() })
	pp := p.(*Provider)
	pp.backoff = backoff{attempts: 5, first: 10 * time.Millisecond, most: 50 * time.Millisecond}
	return pp
}

func collect(t *testing.T, p providers.Provider) ([]string, error) {
	t.Helper()
	var ids []string
	err := p.List(testCtx(t), func(vm providers.VM) error { ids = append(ids, vm.ID); return nil })
	slices.Sort(ids)
	return ids, err
}

var recordedIDs = []string{"default/db1", "default/web1", "default/web2", "team/app1", "team/app2", "team/app3"}

func TestListScopes(t *testing.T) {
	recs := loadRecords(t, recordedInstances)
	for _, c := range []struct {
		name        string
		allProjects bool
		projects    []string
		want        []string
		requests    int64 // for one List after the first (GET /1.0 is cached)
	}{
		{"all projects in one call", true, nil, recordedIDs, 1},
		{"per project without the extension", false, nil, recordedIDs, 3}, // projects + default + team
		{"configured projects", true, []string{"team"}, recordedIDs[3:], 1},
		{"configured projects in parallel", true, []string{"team", "default"}, recordedIDs, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newReplay(t, recs, c.allProjects)
			p := replayProvider(t, r, func(cfg *Config) { cfg.Projects = c.projects })
			if _, err := collect(t, p); err != nil {
				t.Fatalf("first List: %v", err)
			}
			before := r.requests.Load()
			got, err := collect(t, p)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("List = %v, want %v", got, c.want)
			}
			if n := r.requests.Load() - before; n != c.requests {
				t.Errorf("List took %d requests, want %d", n, c.requests)
			}
		})
	}
}

func TestListPartial(t *testing.T) {
	r := newReplay(t, loadRecords(t, "testdata/instances-shapes.json"), true)
	got, err := collect(t, replayProvider(t, r, nil))
	var pe *providers.PartialError
	if !errors.As(err, &pe) || pe.Skipped != 1 || !strings.Contains(pe.Reasons[0], "no name") {
		t.Fatalf("List with a nameless record = %v, want a PartialError skipping one", err)
	}
	want := []string{"default/c-badtime", "default/c-frozen", "default/c-new", "default/c-odd", "default/c-offline",
		"default/c-old", "default/c-stopping", "prod/vm1"}
	if !slices.Equal(got, want) {
		t.Errorf("List emitted %v, want %v", got, want)
	}
}

func TestListErrors(t *testing.T) {
	recs := loadRecords(t, recordedInstances)
	for _, c := range []struct {
		name  string
		setup func(*replay)
		want  error
	}{
		{"throttled twice then served", func(r *replay) { r.throttle.Store(2) }, nil},
		{"a proxy's 429 twice", func(r *replay) { r.throttle.Store(2); r.plain429.Store(true) }, nil},
		{"throttled past the budget", func(r *replay) { r.throttle.Store(100) }, providers.ErrThrottled},
		{"certificate not trusted", func(r *replay) { r.forbid.Store(true) }, providers.ErrAuth},
		{"answer cut short", func(r *replay) { r.cut.Store(true) }, errMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newReplay(t, recs, true)
			c.setup(r)
			got, err := collect(t, replayProvider(t, r, nil))
			if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
				t.Fatalf("List = %v, want %v", err, c.want)
			}
			if c.want == nil && !slices.Equal(got, recordedIDs) {
				t.Errorf("List = %v, want %v", got, recordedIDs)
			}
			if c.want == providers.ErrAuth && !strings.Contains(err.Error(), "credentials") {
				t.Errorf("error %q does not name the credentials", err)
			}
		})
	}
}

func TestListCancelledMidRequest(t *testing.T) {
	r := newReplay(t, loadRecords(t, recordedInstances), false)
	p := replayProvider(t, r, nil)
	if _, err := collect(t, p); err != nil {
		t.Fatal(err)
	}
	r.latency.Store(int64(3 * time.Second))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	begin := time.Now()
	err := p.List(ctx, func(providers.VM) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("List cancelled mid-request = %v, want context.Canceled", err)
	}
	if took := time.Since(begin); took > time.Second {
		t.Errorf("List took %v to notice", took)
	}
}

func TestListStopsOnEmitError(t *testing.T) {
	stop := errors.New("enough")
	for _, projects := range [][]string{nil, {"default", "team"}} {
		r := newReplay(t, loadRecords(t, recordedInstances), true)
		p := replayProvider(t, r, func(c *Config) { c.Projects = projects })
		n := 0
		err := p.List(testCtx(t), func(providers.VM) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("projects %v: List = %v after %d emits, want emit's error after 1", projects, err, n)
		}
	}
}

func TestCheckReplay(t *testing.T) {
	r := newReplay(t, loadRecords(t, recordedInstances), true)
	info, err := replayProvider(t, r, nil).Check(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.Identity != "vm (projects: default, team)" || !slices.Equal(info.Regions, []string{"vm"}) {
		t.Errorf("Check = %+v", info)
	}
}

func TestClusterWithUI(t *testing.T) {
	r := newReplay(t, loadRecords(t, recordedInstances), true, clustered(t), func(r *replay) { r.ui = true })
	p := replayProvider(t, r, nil)
	info, err := p.Check(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := "cluster of 3 members (projects: default, team)"; info.Identity != want {
		t.Errorf("identity %q, want %q", info.Identity, want)
	}
	if want := []string{"node1", "node2", "node3"}; !slices.Equal(info.Regions, want) {
		t.Errorf("regions %v, want %v", info.Regions, want)
	}
	vm := listVMs(t, p)["team/app2"]
	// The recorded location is "none" (a standalone server), so the member
	// answering stands in.
	if vm.Host != "node1" || vm.Cluster != "127.0.0.1" {
		t.Errorf("host %q cluster %q, want node1 and the endpoint's host", vm.Host, vm.Cluster)
	}
	if want := r.url + "/ui/project/team/instance/app2"; vm.ConsoleURL != want {
		t.Errorf("console URL %q, want %q", vm.ConsoleURL, want)
	}
}
