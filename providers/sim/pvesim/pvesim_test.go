package pvesim

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/providers/sim"
)

type fixture struct {
	s   *Server
	srv *httptest.Server
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	fleet := sim.NewFleet()
	fleet.Transition = 100 * time.Millisecond
	fleet.Add(sim.VM{ID: "100", Name: "web-1", Kind: "qemu", Host: "pve1", Group: "prod", State: sim.Running,
		VCPUs: 2, MemoryMB: 4096, DiskGB: 32, PrivateIP: "10.0.0.100", PublicIP: "203.0.113.100",
		Tags: map[string]string{"env": "prod", "web": ""}})
	fleet.Add(sim.VM{ID: "101", Name: "dns-1", Kind: "lxc", Host: "pve2", State: sim.Running,
		VCPUs: 1, MemoryMB: 512, DiskGB: 8, PrivateIP: "10.0.0.101"})
	fleet.Add(sim.VM{ID: "102", Name: "db-1", Kind: "qemu", Host: "pve2", State: sim.Stopped, VCPUs: 4, MemoryMB: 8192, DiskGB: 100})
	fleet.Add(sim.VM{ID: "103", Name: "ci-1", Kind: "qemu", Host: "pve3", State: sim.Running, PrivateIP: "10.0.0.103",
		Tags: map[string]string{TagNoAgent: "1"}})
	fleet.Add(sim.VM{ID: "9000", Name: "tmpl", Kind: "qemu", Host: "pve1", State: sim.Stopped,
		Tags: map[string]string{TagTemplate: "1"}})
	s := New(fleet, Options{})
	srv := httptest.NewUnstartedServer(s)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return &fixture{s: s, srv: srv}
}

const token = "PVEAPIToken=root@pam!neoconsole=5f1c7f2e-8d4b-4c7a-9a51-3b9e6f0d2c18"

// do sends one request and returns the status line and the body.
func (f *fixture) do(t *testing.T, method, path string, header http.Header, body string) (string, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+"/api2/json"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.Status, string(b)
}

func withToken() http.Header { return http.Header{"Authorization": {token}} }

// The wire format, request by request: status lines carry PVE's messages.
func TestWire(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name, method, path string
		header             http.Header
		status             string
		body               []string // substrings of the body
	}{
		{"no credentials", "GET", "/version", nil, "401 No ticket", []string{`{"data":null}`}},
		{"wrong token", "GET", "/version", http.Header{"Authorization": {strings.Replace(token, "5f1c", "0000", 1)}},
			"401 authentication failure", []string{`{"data":null}`}},
		{"version", "GET", "/version", withToken(), "200 OK", []string{`"version":"8.2.4"`, `"release":"8.2"`}},
		{"cluster status", "GET", "/cluster/status", withToken(), "200 OK",
			[]string{`"type":"cluster"`, `"name":"homelab"`, `"name":"pve3"`, `"online":1`}},
		{"guests only", "GET", "/cluster/resources?type=vm", withToken(), "200 OK",
			[]string{`"id":"qemu/100"`, `"vmid":100`, `"tags":"prod;web"`, `"pool":"prod"`, `"maxmem":4294967296`,
				`"id":"lxc/101"`, `"id":"qemu/9000"`, `"template":1`}},
		{"every resource", "GET", "/cluster/resources", withToken(), "200 OK",
			[]string{`"id":"qemu/100"`, `"id":"node/pve1"`, `"id":"storage/pve1/local"`, `"id":"/pool/prod"`, `"type":"sdn"`}},
		{"bad type", "GET", "/cluster/resources?type=disk", withToken(), "400 Parameter verification failed.",
			[]string{`"errors":{"type":`}},
		{"nodes", "GET", "/nodes", withToken(), "200 OK", []string{`"node":"pve1"`, `"status":"online"`}},
		{"qemu status", "GET", "/nodes/pve1/qemu/100/status/current", withToken(), "200 OK",
			[]string{`"status":"running"`, `"qmpstatus":"running"`, `"agent":1`}},
		{"lxc status", "GET", "/nodes/pve2/lxc/101/status/current", withToken(), "200 OK", []string{`"type":"lxc"`}},
		{"wrong node", "GET", "/nodes/pve2/qemu/100/status/current", withToken(),
			"500 Configuration file 'nodes/pve2/qemu-server/100.conf' does not exist", []string{`"data":null`}},
		{"wrong type", "GET", "/nodes/pve2/qemu/101/status/current", withToken(),
			"500 Configuration file 'nodes/pve2/qemu-server/101.conf' does not exist", nil},
		{"unknown node", "GET", "/nodes/pve9/qemu/100/status/current", withToken(),
			"500 hostname lookup 'pve9' failed - failed to get address info for: pve9: Name or service not known", nil},
		{"bad vmid", "GET", "/nodes/pve1/qemu/abc/status/current", withToken(), "400 Parameter verification failed.", []string{`"vmid"`}},
		{"agent", "GET", "/nodes/pve1/qemu/100/agent/network-get-interfaces", withToken(), "200 OK",
			[]string{`"result":[`, `"name":"lo"`, `"ip-address":"10.0.0.100"`, `"ip-address-type":"ipv4"`, `"prefix":24`, `"ip-address":"203.0.113.100"`}},
		{"agent off", "GET", "/nodes/pve3/qemu/103/agent/network-get-interfaces", withToken(), "500 QEMU guest agent is not running", nil},
		{"vm off", "GET", "/nodes/pve2/qemu/102/agent/network-get-interfaces", withToken(), "500 VM 102 is not running", nil},
		{"lxc interfaces", "GET", "/nodes/pve2/lxc/101/interfaces", withToken(), "200 OK",
			[]string{`"inet":"10.0.0.101/24"`, `"hwaddr":`, `"inet6":"fe80::`}},
		{"start running", "POST", "/nodes/pve1/qemu/100/status/start", withToken(), "500 VM 100 already running", nil},
		{"stop stopped", "POST", "/nodes/pve2/qemu/102/status/shutdown", withToken(), "500 VM 102 not running", nil},
		{"start template", "POST", "/nodes/pve1/qemu/9000/status/start", withToken(), "500 you can't start a vm if it's a template", nil},
		{"unknown action", "POST", "/nodes/pve1/qemu/100/status/hibernate", withToken(),
			"501 Method 'POST /nodes/pve1/qemu/100/status/hibernate' not implemented", nil},
		{"bad upid", "GET", "/nodes/pve1/tasks/nope/status", withToken(), "500 unable to parse worker upid 'nope'", nil},
		{"unknown task", "GET", "/nodes/pve1/tasks/UPID:pve1:00000001:00000002:00000003:qmstart:100:root@pam:/status", withToken(), "500 no such task", nil},
		{"task on an unknown node", "GET", "/nodes/pve9/tasks/UPID:pve9:00000001:00000002:00000003:qmstart:100:root@pam:/status", withToken(),
			"500 hostname lookup 'pve9' failed - failed to get address info for: pve9: Name or service not known", nil},
		{"unknown path", "GET", "/storage", withToken(), "501 Method 'GET /storage' not implemented", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.do(t, tc.method, tc.path, tc.header, "")
			if status != tc.status {
				t.Errorf("%s %s: status %q, want %q (body %s)", tc.method, tc.path, status, tc.status, body)
			}
			for _, want := range tc.body {
				if !strings.Contains(body, want) {
					t.Errorf("%s %s: body %s lacks %s", tc.method, tc.path, body, want)
				}
			}
		})
	}
}

// A power action returns a UPID whose task runs for the transition and
// then stops with "OK"; the guest's state follows.
func TestPowerTask(t *testing.T) {
	f := newFixture(t)
	status, body := f.do(t, "POST", "/nodes/pve1/qemu/100/status/shutdown",
		http.Header{"Authorization": {token}, "Content-Type": {"application/json"}}, `{"forceStop":1,"timeout":60}`)
	if status != "200 OK" {
		t.Fatalf("shutdown: %s %s", status, body)
	}
	var answer struct{ Data string }
	if err := json.Unmarshal([]byte(body), &answer); err != nil {
		t.Fatal(err)
	}
	upid := answer.Data
	if !strings.HasPrefix(upid, "UPID:pve1:") || !strings.Contains(upid, ":qmshutdown:100:root@pam!neoconsole:") {
		t.Fatalf("UPID %q", upid)
	}
	task := "/nodes/pve1/tasks/" + url.PathEscape(upid) + "/status"
	if _, body := f.do(t, "GET", task, withToken(), ""); !strings.Contains(body, `"status":"running"`) || strings.Contains(body, "exitstatus") {
		t.Errorf("task right after the action: %s", body)
	}
	if status, _ := f.do(t, "POST", "/nodes/pve1/qemu/100/status/start", withToken(), ""); !strings.Contains(status, "can't lock file") {
		t.Errorf("start during the shutdown: %s, want a lock timeout", status)
	}
	time.Sleep(150 * time.Millisecond)
	if _, body := f.do(t, "GET", task, withToken(), ""); !strings.Contains(body, `"status":"stopped"`) || !strings.Contains(body, `"exitstatus":"OK"`) {
		t.Errorf("task after the transition: %s", body)
	}
	if _, body := f.do(t, "GET", "/nodes/pve1/qemu/100/status/current", withToken(), ""); !strings.Contains(body, `"status":"stopped"`) {
		t.Errorf("guest after shutdown: %s", body)
	}
	if status, _ := f.do(t, "GET", "/nodes/pve2/tasks/"+url.PathEscape(upid)+"/status", withToken(), ""); status != "500 no such task" {
		t.Errorf("task asked of another node: %s", status)
	}
	if status, _ := f.do(t, "POST", "/nodes/pve1/qemu/100/status/shutdown",
		http.Header{"Authorization": {token}, "Content-Type": {"application/x-www-form-urlencoded"}}, "timeout=soon"); !strings.HasPrefix(status, "400") {
		t.Errorf("shutdown with a bad timeout: %s", status)
	}
}

// A ticket login: the form answer, cookie reads, and writes that need the
// CSRF token.
func TestTicketLogin(t *testing.T) {
	f := newFixture(t)
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if status, _ := f.do(t, "POST", "/access/ticket", form, "username=root@pam&password=nope"); status != "401 authentication failure" {
		t.Errorf("wrong password: %s", status)
	}
	status, body := f.do(t, "POST", "/access/ticket", form, "username=root&realm=pam&password=pvesim-password")
	var answer struct {
		Data struct {
			Ticket, CSRFPreventionToken, Username string
		}
	}
	if err := json.Unmarshal([]byte(body), &answer); status != "200 OK" || err != nil || !strings.HasPrefix(answer.Data.Ticket, "PVE:root@pam:") {
		t.Fatalf("login: %s %s", status, body)
	}
	cookie := "PVEAuthCookie=" + answer.Data.Ticket
	if status, _ := f.do(t, "GET", "/version", http.Header{"Cookie": {cookie}}, ""); status != "200 OK" {
		t.Errorf("read with the ticket: %s", status)
	}
	if status, _ := f.do(t, "POST", "/nodes/pve2/lxc/101/status/reboot", http.Header{"Cookie": {cookie}}, ""); status != "401 Permission denied - invalid csrf token" {
		t.Errorf("write without the CSRF token: %s", status)
	}
	if status, body := f.do(t, "POST", "/nodes/pve2/lxc/101/status/reboot",
		http.Header{"Cookie": {cookie}, "Csrfpreventiontoken": {answer.Data.CSRFPreventionToken}}, ""); status != "200 OK" || !strings.Contains(body, ":vzreboot:101:root@pam:") {
		t.Errorf("write with the CSRF token: %s %s", status, body)
	}
	// The ticket itself renews the login (JSON, as go-proxmox sends it).
	renew, _ := json.Marshal(map[string]string{"username": "root@pam", "password": answer.Data.Ticket})
	if status, _ := f.do(t, "POST", "/access/ticket", http.Header{"Content-Type": {"application/json"}}, string(renew)); status != "200 OK" {
		t.Errorf("renewal with the ticket: %s", status)
	}
	f.s.ExpireSessions()
	if status, _ := f.do(t, "GET", "/version", http.Header{"Cookie": {cookie}}, ""); status != "401 permission denied - invalid PVE ticket" {
		t.Errorf("read with a forgotten ticket: %s", status)
	}
}

// Faults and switches: throttling in both shapes, an offline node, a
// corrupt record.
func TestFaults(t *testing.T) {
	f := newFixture(t)
	f.s.Faults.Throttle(1)
	if status, _ := f.do(t, "GET", "/version", withToken(), ""); status != "503 Service Unavailable" {
		t.Errorf("throttled: %s", status)
	}
	f.s.opts.ThrottleStatus = http.StatusTooManyRequests
	f.s.Faults.Throttle(1)
	if status, _ := f.do(t, "GET", "/version", withToken(), ""); status != "429 Too Many Requests" {
		t.Errorf("throttled with 429: %s", status)
	}

	f.s.SetOffline("pve3", true)
	if status, _ := f.do(t, "GET", "/nodes/pve3/qemu/103/status/current", withToken(), ""); status != "595 No route to host" {
		t.Errorf("offline node: %s", status)
	}
	_, body := f.do(t, "GET", "/cluster/resources?type=vm", withToken(), "")
	if !strings.Contains(body, `"id":"qemu/103","type":"qemu","vmid":103,"name":"ci-1","node":"pve3","status":"unknown"`) {
		t.Errorf("guest on an offline node: %s", body)
	}
	if _, body := f.do(t, "GET", "/cluster/status", withToken(), ""); !strings.Contains(body, `"id":"node/pve3","ip":"192.168.10.13","level":"","local":0,"name":"pve3","nodeid":3,"online":0`) {
		t.Errorf("cluster status with pve3 offline: %s", body)
	}
	f.s.SetOffline("pve3", false)

	f.s.Corrupt("101")
	if _, body := f.do(t, "GET", "/cluster/resources?type=vm", withToken(), ""); !strings.Contains(body, `"vmid":"corrupt-101"`) {
		t.Errorf("corrupt record: %s", body)
	}
}

func TestStandalone(t *testing.T) {
	fleet := sim.NewFleet()
	fleet.Add(sim.VM{ID: "100", Name: "a", Kind: "lxc", Host: "pve", State: sim.Running})
	s := New(fleet, Options{Standalone: true, Offline: []string{"pve"}})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api2/json/cluster/status", nil)
	req.Header.Set("Authorization", token)
	s.ServeHTTP(rec, req)
	if body := rec.Body.String(); strings.Contains(body, `"type":"cluster"`) || !strings.Contains(body, `"name":"pve","nodeid":0,"online":0`) {
		t.Errorf("standalone cluster status: %s", body)
	}
}

func TestPopulate(t *testing.T) {
	f := sim.NewFleet()
	Populate(f, 50, 7)
	kinds, nodes, pools := map[string]int{}, map[string]int{}, map[string]int{}
	templates, noAgent := 0, 0
	for i, vm := range f.List(nil) {
		if want := strconv.Itoa(100 + i); vm.ID != want {
			t.Errorf("vm %d has id %s, want %s", i, vm.ID, want)
		}
		kinds[vm.Kind]++
		nodes[vm.Host]++
		pools[vm.Group]++
		if vm.Tags[TagTemplate] != "" {
			templates++
			if vm.State != sim.Stopped {
				t.Errorf("template %s is %s", vm.ID, vm.State)
			}
		}
		if vm.Tags[TagNoAgent] != "" {
			noAgent++
		}
		if tags := pveTags(vm.Tags); strings.Count(tags, ";") != 1 {
			t.Errorf("%s tags %q, want two like prod;web", vm.ID, tags)
		}
	}
	if len(kinds) != 2 || len(nodes) != 3 || len(pools) != 4 || templates != 2 || noAgent == 0 {
		t.Errorf("kinds %v nodes %v pools %v templates %d no-agent %d", kinds, nodes, pools, templates, noAgent)
	}
}
