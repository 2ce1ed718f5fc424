package armsim

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/providers/sim"
)

const rcVersion = "?api-version=2025-04-01"

func (e *env) runCommand(vmID string, script ...string) (int, http.Header, []byte) {
	e.t.Helper()
	body, _ := json.Marshal(runCommandInput{CommandID: "RunShellScript", Script: script})
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+vmID+"/runCommand"+rcVersion, strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/json")
	return e.do(req)
}

func runningVM(t *testing.T, f *sim.Fleet, os string) sim.VM {
	t.Helper()
	vms := f.List(func(vm *sim.VM) bool { return vm.State == sim.Running && vm.OS == os })
	if len(vms) == 0 {
		t.Fatalf("no running %s VM", os)
	}
	return vms[0]
}

func TestRunCommandWire(t *testing.T) {
	e := newEnv(t, 20, 100)
	clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	e.srv.mu.Lock()
	e.srv.now = func() time.Time { return clock }
	e.srv.mu.Unlock()
	setClock := func(d time.Duration) {
		e.srv.mu.Lock()
		clock = clock.Add(d)
		e.srv.mu.Unlock()
	}
	vm := runningVM(t, e.fleet, "Linux")

	status, hdr, body := e.runCommand(vm.ID, "echo hi", "sleep 10", "echo oops >&2", `printf 'code=%d\n' "$?"`)
	if status != http.StatusAccepted || hdr.Get("Azure-AsyncOperation") == "" || hdr.Get("Location") == "" {
		t.Fatalf("runCommand: %d %v %s", status, hdr, body)
	}
	async, loc := hdr.Get("Azure-AsyncOperation"), hdr.Get("Location")
	if !strings.Contains(async, "/providers/Microsoft.Compute/locations/"+vm.Region+"/operations/") {
		t.Errorf("Azure-AsyncOperation %s", async)
	}

	// While the script sleeps: InProgress, 202, and a second run is refused.
	if _, _, b := e.arm(http.MethodGet, async, e.token); !strings.Contains(string(b), `"status":"InProgress"`) || strings.Contains(string(b), "properties") {
		t.Errorf("in progress: %s", b)
	}
	if s, _, _ := e.arm(http.MethodGet, loc, e.token); s != http.StatusAccepted {
		t.Errorf("Location while running: %d", s)
	}
	if s, _, b := e.runCommand(vm.ID, "true"); s != http.StatusConflict || errorCode(t, b) != "Conflict" {
		t.Errorf("second run: %d %s", s, b)
	}

	setClock(10 * time.Second)
	wantMsg := "Enable succeeded: \n[stdout]\nhi\ncode=0\n\n[stderr]\noops\n"
	_, _, b := e.arm(http.MethodGet, async, e.token)
	var st struct {
		Status     string
		EndTime    string
		Properties struct {
			Output runCommandResult
		}
	}
	if err := json.Unmarshal(b, &st); err != nil || st.Status != "Succeeded" || st.EndTime == "" ||
		len(st.Properties.Output.Value) != 1 || st.Properties.Output.Value[0].Message != wantMsg {
		t.Errorf("done: %s (%v)", b, err)
	}
	s, _, b := e.arm(http.MethodGet, loc, e.token)
	var res runCommandResult
	if err := json.Unmarshal(b, &res); s != http.StatusOK || err != nil || len(res.Value) != 1 ||
		res.Value[0].Code != "ProvisioningState/succeeded" || res.Value[0].Level != "Info" || res.Value[0].Message != wantMsg {
		t.Errorf("Location when done: %d %s", s, b)
	}
	if got := e.srv.RunCommands(strings.ToLower(vm.ID)); len(got) != 1 || !strings.HasPrefix(got[0], "echo hi\nsleep 10\n") {
		t.Errorf("RunCommands = %q", got)
	}
	// Power operations still poll as before.
	if s, _, b := e.arm(http.MethodGet, "/subscriptions/"+strings.Split(vm.ID, "/")[2]+"/providers/Microsoft.Compute/locations/"+vm.Region+"/operations/nope"+rcVersion, e.token); s != http.StatusNotFound {
		t.Errorf("unknown operation: %d %s", s, b)
	}
}

func TestRunCommandRefusals(t *testing.T) {
	e := newEnv(t, 20, 100)
	vm := runningVM(t, e.fleet, "Linux")
	if _, _, err := e.fleet.Power(vm.ID, sim.Stop); err != nil {
		t.Fatal(err)
	}
	for e.fleet.List(func(v *sim.VM) bool { return v.ID == vm.ID && v.State == sim.Stopped }) == nil {
		time.Sleep(10 * time.Millisecond)
	}
	s, _, b := e.runCommand(vm.ID, "true")
	if s != http.StatusConflict || errorCode(t, b) != "OperationNotAllowed" || !strings.Contains(string(b), "deallocated") {
		t.Errorf("deallocated VM: %d %s", s, b)
	}
	win := runningVM(t, e.fleet, "Windows")
	if s, _, b := e.runCommand(win.ID, "true"); s != http.StatusConflict || errorCode(t, b) != "OperationNotAllowed" {
		t.Errorf("Windows VM: %d %s", s, b)
	}
	missing := VMID(Subscriptions()[0], "rg-web", "nope")
	if s, _, b := e.runCommand(missing, "true"); s != http.StatusNotFound || errorCode(t, b) != "ResourceNotFound" {
		t.Errorf("unknown VM: %d %s", s, b)
	}
	if n := len(e.srv.RunCommands(vm.ID)) + len(e.srv.RunCommands(win.ID)); n != 0 {
		t.Errorf("%d scripts recorded for refused runs", n)
	}
}

func TestGuestShell(t *testing.T) {
	for _, tc := range []struct {
		script, stdin  string
		stdout, stderr string
		status         int
		sleep          time.Duration
		nested         int
	}{
		{"echo a b\necho c", "", "a b\nc\n", "", 0, 0, 0},
		{"false; echo \"was $?\"", "", "was 1\n", "", 0, 0, 0},
		{"exit 4\necho no", "", "", "", 4, 0, 0},
		{"false && echo no || echo yes", "", "yes\n", "", 0, 0, 0},
		{"echo x >/dev/null; echo y 1>&2; echo z 2>&1", "", "z\n", "y\n", 0, 0, 0},
		{"sh -c 'echo in; exit 7'; printf '\\n__m=%d\\n' \"$?\"", "", "in\n\n__m=7\n", "", 0, 0, 1},
		{"base64 -d <<'EOF' | env -- 'sh' '-s'\nZWNobyBoaQpzbGVlcCAyCmV4aXQgNQo=\nEOF\necho \"$?\"", "", "hi\n5\n", "", 0, 2 * time.Second, 1},
		{"cat <<-X\n\tkept\n\tX\n", "", "kept\n", "", 0, 0, 0},
		{"cat", "piped\n", "piped\n", "", 0, 0, 0},
		{"sh -s </dev/null", "", "", "", 0, 0, 1},
		{"unknown-tool --flag # comment\nsleep 1.5", "", "", "", 0, 1500 * time.Millisecond, 0},
	} {
		g := &guest{}
		out, errs, status, d := g.run(tc.script, tc.stdin, 0)
		if out != tc.stdout || errs != tc.stderr || status != tc.status || d != tc.sleep || len(g.scripts) != tc.nested {
			t.Errorf("%q: %q %q %d %v %d scripts, want %q %q %d %v %d",
				tc.script, out, errs, status, d, len(g.scripts), tc.stdout, tc.stderr, tc.status, tc.sleep, tc.nested)
		}
	}
}
