package pvesim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
	"weak"

	"github.com/neogenesys/console/providers/sim"
)

func jsonToken() http.Header {
	h := withToken()
	h.Set("Content-Type", "application/json")
	return h
}

func formToken() http.Header {
	h := withToken()
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return h
}

// exec starts argv on guest 100 (on pve1) and returns the pid.
func (f *fixture) exec(t *testing.T, header http.Header, body string) int {
	t.Helper()
	status, out := f.do(t, "POST", "/nodes/pve1/qemu/100/agent/exec", header, body)
	if status != "200 OK" {
		t.Fatalf("exec %s: %s %s", body, status, out)
	}
	var env struct {
		Data struct {
			PID int `json:"pid"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(out), &env); err != nil || env.Data.PID == 0 {
		t.Fatalf("exec answer %s: %v", out, err)
	}
	return env.Data.PID
}

func (f *fixture) execStatus(t *testing.T, pid int) (string, map[string]any) {
	t.Helper()
	status, out := f.do(t, "GET", fmt.Sprintf("/nodes/pve1/qemu/100/agent/exec-status?pid=%d", pid), withToken(), "")
	var env struct {
		Data map[string]any `json:"data"`
	}
	_ = json.Unmarshal([]byte(out), &env)
	return status, env.Data
}

func TestAgentExec(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		header http.Header
		body   string
		want   map[string]any
	}{
		{jsonToken(), `{"command":["echo","hello","world"]}`, map[string]any{"exited": 1.0, "exitcode": 0.0, "out-data": "hello world\n"}},
		{jsonToken(), `{"command":["cat"],"input-data":"line 1\nline 2\n"}`, map[string]any{"exited": 1.0, "exitcode": 0.0, "out-data": "line 1\nline 2\n"}},
		{jsonToken(), `{"command":["cat","/nope"]}`, map[string]any{"exited": 1.0, "exitcode": 1.0, "err-data": "cat: /nope: No such file or directory\n"}},
		{jsonToken(), `{"command":"false"}`, map[string]any{"exited": 1.0, "exitcode": 1.0}},
		{formToken(), url.Values{"command": {"tailscale", "up", "--authkey=k"}}.Encode(), map[string]any{"exited": 1.0, "exitcode": 0.0}},
	} {
		pid := f.exec(t, tc.header, tc.body)
		if status, got := f.execStatus(t, pid); status != "200 OK" || !reflect.DeepEqual(got, map[string]any{"exited": 0.0}) {
			t.Errorf("%s: first exec-status = %s %v, want it running", tc.body, status, got)
		}
		if status, got := f.execStatus(t, pid); status != "200 OK" || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: exec-status = %s %v, want %v", tc.body, status, got, tc.want)
		}
		// Reported once, then forgotten, as qemu-ga does.
		if status, _ := f.execStatus(t, pid); !strings.Contains(status, "Invalid parameter 'pid'") {
			t.Errorf("%s: exec-status after the exit = %s, want the pid unknown", tc.body, status)
		}
	}
	want := [][]string{{"echo", "hello", "world"}, {"cat"}, {"cat", "/nope"}, {"false"}, {"tailscale", "up", "--authkey=k"}}
	if got := f.s.Executed("100"); !reflect.DeepEqual(got, want) {
		t.Errorf("Executed(100) = %q, want %q", got, want)
	}
	if got := f.s.Executed("102"); len(got) != 0 {
		t.Errorf("Executed(102) = %q, want nothing", got)
	}

	pid := f.exec(t, jsonToken(), `{"command":["sleep","0.3"]}`)
	for range 2 {
		if _, got := f.execStatus(t, pid); got["exited"] != 0.0 {
			t.Errorf("sleep 0.3 at once: %v, want running", got)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if _, got := f.execStatus(t, pid); got["exited"] != 1.0 {
		t.Errorf("sleep 0.3 after 0.3 s: %v, want exited", got)
	}

	for _, tc := range []struct{ name, method, path, body, status string }{
		{"agent off", "POST", "/nodes/pve3/qemu/103/agent/exec", `{"command":["true"]}`, "500 QEMU guest agent is not running"},
		{"vm off", "POST", "/nodes/pve2/qemu/102/agent/exec", `{"command":["true"]}`, "500 VM 102 is not running"},
		{"no such vm", "POST", "/nodes/pve1/qemu/555/agent/exec", `{"command":["true"]}`,
			"500 Configuration file 'nodes/pve1/qemu-server/555.conf' does not exist"},
		{"lxc has no agent", "POST", "/nodes/pve2/lxc/101/agent/exec", `{"command":["true"]}`,
			"501 Method 'POST /nodes/pve2/lxc/101/agent/exec' not implemented"},
		{"no command", "POST", "/nodes/pve1/qemu/100/agent/exec", `{}`, "400 Parameter verification failed."},
		{"unknown program", "POST", "/nodes/pve1/qemu/100/agent/exec", `{"command":["rm","-rf","/"]}`,
			"500 Agent error: Guest agent command failed, error was 'Failed to execute child process “rm” (No such file or directory)'"},
		{"bad pid", "GET", "/nodes/pve1/qemu/100/agent/exec-status?pid=x", "", "400 Parameter verification failed."},
		{"agent off status", "GET", "/nodes/pve3/qemu/103/agent/exec-status?pid=1", "", "500 QEMU guest agent is not running"},
	} {
		if status, body := f.do(t, tc.method, tc.path, jsonToken(), tc.body); status != tc.status {
			t.Errorf("%s: %s %s = %q (%s), want %q", tc.name, tc.method, tc.path, status, body, tc.status)
		}
	}
	if got := len(f.s.Executed("100")); got != 6 {
		t.Errorf("Executed(100) has %d commands, want 6 (refused ones are not recorded)", got)
	}
}

// A Server's exec state goes with the Server.
func TestAgentExecStateCollected(t *testing.T) {
	s := New(sim.NewFleet(), Options{})
	_ = s.Executed("100")
	key := weak.Make(s)
	s = nil
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		runtime.GC()
		if _, ok := agentExecs.Load(key); !ok {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("the exec state of an unreachable Server was not dropped")
}
