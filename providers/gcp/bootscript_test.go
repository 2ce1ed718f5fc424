package gcp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/neogenesys/console/providers"
	"github.com/neogenesys/console/providers/sim"
	"github.com/neogenesys/console/providers/sim/gcesim"
)

const testScript = "#!/bin/sh\nset -eu\necho enrolling\n"

// scriptEnv is a gcesim server with two VMs, one running and one stopped,
// whose setMetadata requests pass through onSet first.
type scriptEnv struct {
	srv              *gcesim.Server
	prov             *Provider
	running, stopped string // adapter VM ids
	sets             atomic.Int32
}

func newScriptEnv(t *testing.T, onSet func(e *scriptEnv, r *http.Request)) *scriptEnv {
	t.Helper()
	fleet := sim.NewFleet()
	gcesim.Populate(fleet, 2, 1)
	vms := fleet.List(nil)
	for i, state := range []sim.State{sim.Running, sim.Stopped} {
		if err := fleet.Mutate(vms[i].ID, func(vm *sim.VM) { vm.State = state }); err != nil {
			t.Fatal(err)
		}
	}
	e := &scriptEnv{srv: gcesim.New(fleet, gcesim.Options{})}
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/setMetadata") {
			e.sets.Add(1)
			if onSet != nil {
				onSet(e, r)
			}
		}
		e.srv.ServeHTTP(w, r)
	}))
	ts.Config.SetKeepAlivesEnabled(false)
	ts.Start()
	t.Cleanup(ts.Close)
	e.running, e.stopped = vmID(e.srv.Locate(vms[0])), vmID(e.srv.Locate(vms[1]))
	env := &simEnv{srv: e.srv, ts: ts}
	e.prov = newProv(t, env.config(t))
	return e
}

// metadata is the sim's metadata of an adapter VM id.
func (e *scriptEnv) metadata(id string) map[string]string {
	parts := strings.Split(id, "/")
	return e.srv.Metadata(parts[0], parts[1], parts[2])
}

func (e *scriptEnv) setItem(t *testing.T, id, key, value string) {
	t.Helper()
	parts := strings.Split(id, "/")
	if !e.srv.SetMetadataItem(parts[0], parts[1], parts[2], key, value) {
		t.Fatalf("no instance %s", id)
	}
}

func (e *scriptEnv) set(t *testing.T, id, script string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return e.prov.SetBootScript(ctx, id, script)
}

func TestSetBootScriptRunning(t *testing.T) {
	e := newScriptEnv(t, nil)
	e.setItem(t, e.running, "enable-oslogin", "TRUE")
	note, err := e.set(t, e.running, testScript)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(note, "next boot") || !strings.Contains(note, "neoconsole vms reboot") {
		t.Errorf("note %q does not say to reset the VM", note)
	}
	md := e.metadata(e.running)
	want := "#!/bin/sh\n" + enrollMarker + "\nset -eu\necho enrolling\n"
	if md[startupScriptKey] != want {
		t.Errorf("startup-script = %q, want %q", md[startupScriptKey], want)
	}
	if md["enable-oslogin"] != "TRUE" || len(md) != 2 {
		t.Errorf("other keys not kept: %v", md)
	}
}

func TestSetBootScriptStopped(t *testing.T) {
	e := newScriptEnv(t, nil)
	note, err := e.set(t, e.stopped, "echo no shebang\n")
	if err != nil {
		t.Fatal(err)
	}
	if note != "the install runs when the VM starts" {
		t.Errorf("note %q", note)
	}
	if got := e.metadata(e.stopped)[startupScriptKey]; got != enrollMarker+"\necho no shebang\n" {
		t.Errorf("startup-script = %q", got)
	}
	if len(e.metadata(e.running)) != 0 {
		t.Errorf("the other VM's metadata changed: %v", e.metadata(e.running))
	}
}

func TestSetBootScriptKeepsForeignScript(t *testing.T) {
	e := newScriptEnv(t, nil)
	const theirs = "#!/bin/bash\napt-get install -y nginx\n"
	e.setItem(t, e.running, startupScriptKey, theirs)
	_, err := e.set(t, e.running, testScript)
	if !errors.Is(err, providers.ErrInvalidState) || !strings.Contains(err.Error(), "startup-script the console did not write") {
		t.Fatalf("err = %v, want ErrInvalidState about a foreign startup-script", err)
	}
	if got := e.metadata(e.running)[startupScriptKey]; got != theirs {
		t.Errorf("admin's startup-script overwritten: %q", got)
	}
	if n := e.sets.Load(); n != 0 {
		t.Errorf("%d setMetadata requests, want none", n)
	}
}

func TestSetBootScriptReplacesOwn(t *testing.T) {
	e := newScriptEnv(t, nil)
	e.setItem(t, e.running, "team", "infra")
	if _, err := e.set(t, e.running, "#!/bin/sh\necho first\n"); err != nil {
		t.Fatal(err)
	}
	e.setItem(t, e.running, "zeta", "z")
	if _, err := e.set(t, e.running, testScript); err != nil {
		t.Fatalf("replacing the console's own script: %v", err)
	}
	md := e.metadata(e.running)
	if !strings.Contains(md[startupScriptKey], "echo enrolling") || strings.Contains(md[startupScriptKey], "first") {
		t.Errorf("startup-script = %q", md[startupScriptKey])
	}
	if md["team"] != "infra" || md["zeta"] != "z" || len(md) != 3 {
		t.Errorf("metadata %v", md)
	}
}

func TestSetBootScriptFingerprintRace(t *testing.T) {
	// Someone edits the metadata between the adapter's get and its first
	// setMetadata: 412, then a fresh get and a write that keeps their edit.
	e := newScriptEnv(t, func(e *scriptEnv, r *http.Request) {
		if e.sets.Load() == 1 {
			e.setItem(t, e.running, "ssh-keys", "alice:ssh-ed25519 AAAA alice")
		}
	})
	note, err := e.set(t, e.running, testScript)
	if err != nil {
		t.Fatal(err)
	}
	if note == "" || e.sets.Load() != 2 {
		t.Errorf("note %q after %d setMetadata requests, want 2", note, e.sets.Load())
	}
	md := e.metadata(e.running)
	if md["ssh-keys"] == "" || !consoleScript(md[startupScriptKey]) {
		t.Errorf("metadata %v", md)
	}

	// Edited before every write: the second 412 is the caller's.
	e2 := newScriptEnv(t, func(e *scriptEnv, r *http.Request) {
		e.setItem(t, e.running, "counter", time.Now().String())
	})
	_, err = e2.set(t, e2.running, testScript)
	if !errors.Is(err, providers.ErrInvalidState) || !strings.Contains(err.Error(), "metadata changed") {
		t.Fatalf("err = %v", err)
	}
	if e2.sets.Load() != 2 {
		t.Errorf("%d setMetadata requests, want 2", e2.sets.Load())
	}
	if _, ok := e2.metadata(e2.running)[startupScriptKey]; ok {
		t.Error("startup-script set despite the refusals")
	}
}

func TestSetBootScriptErrors(t *testing.T) {
	e := newScriptEnv(t, nil)
	p := strings.Split(e.running, "/")
	for _, id := range []string{p[0] + "/" + p[1] + "/no-such-vm", "other-project/" + p[1] + "/" + p[2], "not-an-id"} {
		if _, err := e.set(t, id, testScript); !errors.Is(err, providers.ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", id, err)
		}
	}
	if _, err := e.set(t, e.running, strings.Repeat("x", maxScriptBytes)); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("oversized script: %v", err)
	}
}

func TestSetBootScriptDenied(t *testing.T) {
	fleet := sim.NewFleet()
	gcesim.Populate(fleet, 1, 1)
	vm := fleet.List(nil)[0]
	if err := fleet.Mutate(vm.ID, func(v *sim.VM) { v.Group = "acme-secret" }); err != nil {
		t.Fatal(err)
	}
	vm, _ = fleet.Get(vm.ID)
	srv := gcesim.New(fleet, gcesim.Options{Denied: []string{"acme-secret"}})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	env := &simEnv{srv: srv, ts: ts}
	prov := newProv(t, env.config(t))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := prov.SetBootScript(ctx, vmID(srv.Locate(vm)), testScript); !errors.Is(err, providers.ErrAuth) {
		t.Errorf("err = %v, want ErrAuth", err)
	}
}

func TestConsoleScript(t *testing.T) {
	for v, want := range map[string]bool{
		markScript("#!/bin/sh\necho\n"): true,
		markScript("echo\n"):            true,
		enrollMarker:                    true,
		enrollMarker + "\r\necho":       true,
		"#!/bin/sh\necho\n":             false,
		"echo\n" + enrollMarker + "\n":  false,
		"# neoconsole-enrollment\n":     false,
		"":                              false,
	} {
		if got := consoleScript(v); got != want {
			t.Errorf("consoleScript(%q) = %v, want %v", v, got, want)
		}
	}
}
