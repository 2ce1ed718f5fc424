package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neogenesys/console/headscale/headscaletest"
	"github.com/neogenesys/console/internal/consoletest"
	"github.com/neogenesys/console/providers/lxd/lxdtest"
	"github.com/neogenesys/console/providers/sim"
	"github.com/neogenesys/console/providers/sim/pvesim"
	"github.com/neogenesys/console/providers/sim/simrun"
)

// eventLog reads the console's Server-Sent Events into a list of types.
type eventLog struct {
	mu    sync.Mutex
	types []string
}

func watchEvents(t *testing.T, c *consoletest.Console) *eventLog {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", c.URL+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+c.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	l := &eventLog{}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if typ, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
				l.mu.Lock()
				l.types = append(l.types, typ)
				l.mu.Unlock()
			}
		}
	}()
	return l
}

func (l *eventLog) seen(typ string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, t := range l.types {
		if t == typ {
			return true
		}
	}
	return false
}

type vmOut struct {
	Key        int64
	ID         string
	Name       string
	State      string
	CloudID    int64
	Stale      bool
	Enrollment string
	NodeID     uint64
	NodeLink   string
	OS         string
}

type vmPage struct {
	VMs   []vmOut
	Total int
}

func queryVMs(t *testing.T, c *consoletest.Console, query string) vmPage {
	t.Helper()
	r := c.Do(t, "GET", "/api/v1/vms?"+query, c.AdminToken, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/vms?%s = %d %s", query, r.Status, r.Body)
	}
	var p vmPage
	r.JSON(t, &p)
	return p
}

// TestInventory syncs five accounts together — a real LXD and the four
// simulators with 2,000 VMs each — through the real binary; one simulator
// fails and keeps its last data marked stale; a container is stopped and
// the change streams out; a container is enrolled through the console, the
// install runs in it through LXD's exec API, and the node that joins with
// the key is linked to it.
func TestInventory(t *testing.T) {
	skipShort(t)
	const perSim = 2000
	sims, err := simrun.Start(simrun.Options{VMs: perSim, Seed: 5, Transition: 500 * time.Millisecond},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer simrun.Stop(sims)

	lxd := lxdtest.Start(t)
	ids := lxd.LaunchAll(t, lxdtest.Spec{Name: "app-1"}, lxdtest.Spec{Name: "app-2"}, lxdtest.Spec{Name: "enrollee"})
	// A stub tailscale in the enrollee records the arguments of `tailscale up`.
	lxd.Lxc(t, "exec", "enrollee", "--", "sh", "-c",
		`printf '#!/bin/sh\necho "$@" > /tmp/tailscale-args\n' > /bin/tailscale && chmod +x /bin/tailscale`)

	c := consoletest.Start(t, consoletest.WithEnv("NEOCONSOLE_INVENTORY_SYNC_INTERVAL=3s"))
	events := watchEvents(t, c)
	cloudIDs := map[string]int64{}
	add := func(name, kind string, cfg map[string]any) {
		r := c.Do(t, "POST", "/api/v1/clouds", c.AdminToken, map[string]any{"name": name, "kind": kind, "config": cfg})
		if r.Status != http.StatusCreated {
			t.Fatalf("add %s: %d %s", name, r.Status, r.Body)
		}
		var out struct{ Cloud struct{ ID int64 } }
		r.JSON(t, &out)
		cloudIDs[kind] = out.Cloud.ID
	}
	for _, s := range sims {
		add("sim-"+s.Kind, s.Kind, s.Account)
	}
	add("lab", "lxd", map[string]any{"endpoint": lxd.UnixEndpoint()})

	// Proxmox templates are not VMs: the adapter leaves them out.
	want := len(ids)
	for _, s := range sims {
		want += len(s.Fleet.List(func(vm *sim.VM) bool { _, tmpl := vm.Tags[pvesim.TagTemplate]; return !tmpl }))
	}
	start := time.Now()
	t.Cleanup(func() {
		if t.Failed() {
			for kind, id := range cloudIDs {
				r := c.Do(t, "GET", fmt.Sprintf("/api/v1/clouds/%d/syncs?limit=2", id), c.AdminToken, nil)
				t.Logf("%s syncs: %s", kind, r.Body)
			}
			t.Logf("total VMs: %d", queryVMs(t, c, "limit=1").Total)
		}
	})
	waitFor(t, 60*time.Second, fmt.Sprintf("%d VMs in the inventory", want), func() bool {
		return queryVMs(t, c, "limit=1").Total == want
	})
	t.Logf("five accounts synced: %d VMs in %v", want, time.Since(start).Round(time.Millisecond))
	if p := queryVMs(t, c, "provider=lxd&sort=name"); p.Total != 3 || p.VMs[0].Name != "app-1" {
		t.Fatalf("lxd VMs: %+v", p)
	}

	// One simulator fails: the others go on, its VMs stay, marked stale.
	var aws *simrun.Running
	for _, s := range sims {
		if s.Kind == "aws" {
			aws = s
		}
	}
	aws.Faults.Fail(1 << 20)
	awsID := cloudIDs["aws"]
	waitFor(t, 30*time.Second, "the aws account to go stale", func() bool {
		return queryVMs(t, c, fmt.Sprintf("cloud=%d&stale=true&limit=1", awsID)).Total == perSim
	})
	if got := queryVMs(t, c, "limit=1").Total; got != want {
		t.Errorf("a failing account changed the inventory to %d VMs", got)
	}
	r := c.Do(t, "GET", fmt.Sprintf("/api/v1/clouds/%d/syncs?limit=1", awsID), c.AdminToken, nil)
	if !strings.Contains(string(r.Body), `"stale":true`) || !strings.Contains(string(r.Body), `"error":"`) {
		t.Errorf("aws sync status: %s", r.Body)
	}
	if p := queryVMs(t, c, fmt.Sprintf("cloud=%d&stale=true&limit=1", cloudIDs["gcp"])); p.Total != 0 {
		t.Errorf("gcp went stale too: %d", p.Total)
	}
	aws.Faults.Fail(0)
	waitFor(t, 30*time.Second, "the aws account to recover", func() bool {
		return queryVMs(t, c, fmt.Sprintf("cloud=%d&stale=true&limit=1", awsID)).Total == 0
	})

	// Stop a container: the transition streams out within a couple of seconds.
	app1 := queryVMs(t, c, "provider=lxd&q=app-1").VMs[0]
	asked := time.Now()
	if r := c.Do(t, "POST", fmt.Sprintf("/api/v1/vms/%d/stop", app1.Key), c.AdminToken, nil); r.Status != http.StatusAccepted {
		t.Fatalf("stop: %d %s", r.Status, r.Body)
	}
	waitFor(t, 20*time.Second, "app-1 stopped", func() bool {
		return queryVMs(t, c, "provider=lxd&q=app-1").VMs[0].State == "stopped"
	})
	t.Logf("stop seen after %v", time.Since(asked).Round(time.Millisecond))
	if r := c.Do(t, "POST", fmt.Sprintf("/api/v1/vms/%d/stop", app1.Key), c.AdminToken, nil); r.Status != http.StatusConflict {
		t.Errorf("stopping a stopped VM = %d %s, want 409", r.Status, r.Body)
	}

	// Enroll the container through the console.
	if r := c.Do(t, "POST", "/api/v1/users", c.AdminToken, map[string]any{"name": "alice"}); r.Status != http.StatusCreated {
		t.Fatalf("create user: %d %s", r.Status, r.Body)
	}
	enrollee := queryVMs(t, c, "provider=lxd&q=enrollee").VMs[0]
	r = c.Do(t, "POST", fmt.Sprintf("/api/v1/vms/%d/enroll", enrollee.Key), c.AdminToken, map[string]any{"user": "alice"})
	if r.Status != http.StatusCreated {
		t.Fatalf("enroll: %d %s", r.Status, r.Body)
	}
	var enrolled struct {
		AuthKey    string
		InstallURL string `json:"installUrl"`
		Exec       struct {
			Ran      bool
			ExitCode int
			Stderr   string
		}
	}
	r.JSON(t, &enrolled)
	if !enrolled.Exec.Ran || enrolled.Exec.ExitCode != 0 {
		t.Fatalf("the install did not run in the container: %s", r.Body)
	}
	args := lxd.Lxc(t, "exec", "enrollee", "--", "cat", "/tmp/tailscale-args")
	if !strings.Contains(args, "--authkey="+enrolled.AuthKey) || !strings.Contains(args, "--login-server="+c.LoginServer) {
		t.Fatalf("tailscale up in the container got %q", args)
	}
	// A real tailscaled joins with that key (standing in for the
	// container's, which has no network here): the node is linked to the VM.
	m := headscaletest.StartMachine(t, "enrollee")
	if out, err := m.Up(c.LoginServer, enrolled.AuthKey); err != nil {
		t.Fatalf("tailscale up: %v\n%s", err, out)
	}
	waitFor(t, 20*time.Second, "the node linked to the container", func() bool {
		vm := queryVMs(t, c, "provider=lxd&q=enrollee").VMs[0]
		return vm.Enrollment == "enrolled-online" && vm.NodeLink == "key" && vm.NodeID != 0
	})
	vm := queryVMs(t, c, "provider=lxd&q=enrollee").VMs[0]
	if p := queryVMs(t, c, "enrollment=enrolled-online&limit=1"); p.Total != 1 {
		t.Errorf("enrolled-online VMs = %d, want 1", p.Total)
	}
	if vm.OS != "" {
		r := c.Do(t, "GET", fmt.Sprintf("/api/v1/nodes/%d", vm.NodeID), c.AdminToken, nil)
		if !strings.Contains(string(r.Body), `"os":"`+vm.OS+`"`) {
			t.Errorf("node does not show its VM's OS %q: %s", vm.OS, r.Body)
		}
	}
	// The install link works once.
	for i, want := range []int{http.StatusOK, http.StatusGone} {
		resp, err := http.Get(enrolled.InstallURL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("install link fetch %d = %d, want %d", i+1, resp.StatusCode, want)
		}
	}

	// Revoke the node: it leaves, the VM is not enrolled any more.
	if r := c.Do(t, "DELETE", fmt.Sprintf("/api/v1/nodes/%d", vm.NodeID), c.AdminToken, nil); r.Status != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	waitFor(t, 10*time.Second, "the VM to be not enrolled", func() bool {
		return queryVMs(t, c, "provider=lxd&q=enrollee").VMs[0].Enrollment == "not-enrolled"
	})

	for _, typ := range []string{"sync.started", "sync.finished", "vm.state", "vm.power", "vm.enroll",
		"preauthkey.created", "node.added", "node.removed", "cloud.created"} {
		if !events.seen(typ) {
			t.Errorf("no %s event on the stream", typ)
		}
	}
}
