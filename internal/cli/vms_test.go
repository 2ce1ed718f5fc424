package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Canned VMs, shaped as the console's handlers write them.
const (
	vmWeb = `{"provider":"aws","accountId":"1","id":"i-0abc","name":"web-1","state":"running",
		"region":"eu-west-1","zone":"eu-west-1a","type":"t3.small","vcpus":2,"memoryMb":2048,"diskGb":20,
		"privateIps":["10.0.0.5"],"publicIps":["203.0.113.7"],"os":"linux","image":"ami-123",
		"tags":{"env":"prod","team":"edge"},"createdAt":"2026-01-10T08:00:00Z",
		"consoleUrl":"https://console.aws.amazon.com/ec2/home#InstanceDetails:instanceId=i-0abc",
		"key":7,"cloudId":1,"cloudName":"aws-prod","firstSeen":"2026-01-10T08:05:00Z","lastSeen":"2026-03-01T11:59:00Z",
		"stale":false,"enrollment":"enrolled-online","nodeId":5,"nodeName":"web-1","nodeLink":"key"}`
	vmCT = `{"provider":"lxd","accountId":"4","id":"ct1","name":"ct1","state":"stopped","host":"lxd-a",
		"privateIps":[],"publicIps":[],"tags":{},"key":12,"cloudId":4,"cloudName":"",
		"firstSeen":"2026-02-01T08:00:00Z","lastSeen":"2026-03-01T11:00:00Z","stale":true,"enrollment":"not-enrolled"}`
	vmFacets     = `{"provider":{"aws":1,"lxd":1},"cloud":{"1":1,"4":1},"region":{"eu-west-1":1,"":1},"state":{"running":1,"stopped":1},"enrollment":{"enrolled-online":1,"not-enrolled":1}}`
	vmsAnswer    = `{"vms":[` + vmWeb + `,` + vmCT + `],"total":2,"nextCursor":"","facets":` + vmFacets + `}`
	vmAnswerJSON = `{"vm":` + vmWeb + `}`
	powerAnswer  = `{"vm":` + vmWeb + `,"action":"start","accepted":true}`
)

// vmCommands are the vms commands cli.go's table must hold.
var vmCommands = map[string]func(Env, []string) error{
	"vms list": runVMsList, "vms get": runVMsGet, "vms start": runVMsStart, "vms stop": runVMsStop, "vms reboot": runVMsReboot,
}

func TestVMs(t *testing.T) {
	notFound := problemJSON(404, "not_found", "not found: vm 99 is not in the inventory", "")
	runAPICases(t, []apiCase{
		{name: "list", args: []string{"vms", "list"},
			req: &wantReq{method: "GET", path: "/api/v1/vms"}, answer: vmsAnswer,
			out: "" +
				"KEY  NAME   PROVIDER  CLOUD     REGION     STATE    IPS                    NODE\n" +
				"7    web-1  aws       aws-prod  eu-west-1  running  10.0.0.5, 203.0.113.7  web-1\n" +
				"12   ct1    lxd       4         -          stopped  -                      -\n"},
		{name: "list filters", args: []string{"vms", "list", "--provider", "aws", "--provider", "gcp,azure", "--cloud", "3",
			"--region", "eu-west-1", "--state", "running", "--tag", "env=prod", "--tag", "team", "--enrollment", "not-enrolled",
			"-q", "web 10.0", "--sort", "-created", "--limit", "50", "--cursor", "abc"},
			req: &wantReq{method: "GET", path: "/api/v1/vms", query: "provider=aws&provider=gcp%2Cazure&cloud=3&region=eu-west-1" +
				"&state=running&tag=env%3Dprod&tag=team&enrollment=not-enrolled&q=web+10.0&sort=-created&limit=50&cursor=abc"},
			answer: `{"vms":[],"total":0,"nextCursor":"","facets":{}}`,
			out:    "KEY  NAME  PROVIDER  CLOUD  REGION  STATE  IPS  NODE\n"},
		{name: "list json", args: []string{"vms", "list", "-o", "json"},
			req: &wantReq{method: "GET", path: "/api/v1/vms"}, answer: vmsAnswer},
		{name: "list more pages", args: []string{"vms", "list", "--limit", "1"},
			req:    &wantReq{method: "GET", path: "/api/v1/vms", query: "limit=1"},
			answer: `{"vms":[` + vmWeb + `],"total":2,"nextCursor":"eyJrIjo3fQ","facets":` + vmFacets + `}`,
			outHas: []string{"web-1"}, errHas: []string{"1 of 2 VMs shown; more: add --cursor eyJrIjo3fQ (or --all)"}},
		{name: "list bad cloud", args: []string{"vms", "list", "--cloud", "aws"}, code: 2,
			errHas: []string{`--cloud must be a positive integer, not "aws"`}},
		{name: "list bad limit", args: []string{"vms", "list", "--limit", "5000"}, code: 2, errHas: []string{"--limit must be between 1 and 1000"}},
		{name: "list bad output", args: []string{"vms", "list", "-o", "yaml"}, code: 2, errHas: []string{"-o must be table or json"}},
		{name: "list unknown flag", args: []string{"vms", "list", "--colour"}, code: 2, errHas: []string{"flag provided but not defined"}},
		{name: "list with argument", args: []string{"vms", "list", "web"}, code: 2, errHas: []string{"takes no arguments"}},
		{name: "list bad query", args: []string{"vms", "list", "--state", "on"}, status: 400,
			req:    &wantReq{method: "GET", path: "/api/v1/vms", query: "state=on"},
			answer: problemJSON(400, "invalid_request", `bad request: invalid query: state must be one of running, stopped, pending, stopping, terminated, unknown, not "on"`, ""),
			code:   1, errHas: []string{`state must be one of running`, "(400 invalid_request)"}},

		{name: "get", args: []string{"vms", "get", "7"},
			req: &wantReq{method: "GET", path: "/api/v1/vms/7"}, answer: vmAnswerJSON,
			outHas: []string{"Name:         web-1\n", "Cloud:        aws-prod (id 1)\n", "Provider ID:  i-0abc\n",
				"Size:         2 vCPU, 2048 MB memory, 20 GB disk\n", "Public IPs:   203.0.113.7\n", "Tags:         env=prod, team=edge\n",
				"Created:      2026-01-10T08:00:00Z\n", "Last seen:    1m ago\n", "Gone since:   -\n", "Stale:        no\n",
				"Node:         web-1 (id 5, matched by key)\n"}},
		{name: "get json", args: []string{"vms", "get", "-o", "json", "7"},
			req: &wantReq{method: "GET", path: "/api/v1/vms/7"}, answer: vmAnswerJSON},
		{name: "get not found", args: []string{"vms", "get", "99"}, status: 404,
			req: &wantReq{method: "GET", path: "/api/v1/vms/99"}, answer: notFound, code: 1,
			errHas: []string{"neoconsole: not found: vm 99 is not in the inventory (404 not_found)"}},
		{name: "get bad key", args: []string{"vms", "get", "web-1"}, code: 2, errHas: []string{`ID must be a positive integer, not "web-1"`}},
		{name: "get no key", args: []string{"vms", "get"}, code: 2, errHas: []string{"vms get needs exactly one ID"}},

		{name: "start", args: []string{"vms", "start", "7"}, status: http.StatusAccepted,
			req: &wantReq{method: "POST", path: "/api/v1/vms/7/start"}, answer: powerAnswer, out: "start requested for vm 7\n"},
		{name: "stop", args: []string{"vms", "stop", "7"}, status: http.StatusAccepted,
			req: &wantReq{method: "POST", path: "/api/v1/vms/7/stop"}, answer: powerAnswer, out: "stop requested for vm 7\n"},
		{name: "reboot", args: []string{"vms", "reboot", "7"}, status: http.StatusAccepted,
			req: &wantReq{method: "POST", path: "/api/v1/vms/7/reboot"}, answer: powerAnswer, out: "reboot requested for vm 7\n"},
		{name: "start json", args: []string{"vms", "start", "7", "-o", "json"}, status: http.StatusAccepted,
			req: &wantReq{method: "POST", path: "/api/v1/vms/7/start"}, answer: powerAnswer},
		{name: "start running", args: []string{"vms", "start", "7"}, status: http.StatusConflict,
			req:    &wantReq{method: "POST", path: "/api/v1/vms/7/start"},
			answer: problemJSON(409, "invalid_state", "action does not fit the vm's state: vm 7 is running", ""), code: 1,
			errHas: []string{"vm 7 is running (409 invalid_state)"}},
		{name: "stop forbidden", args: []string{"vms", "stop", "7"}, status: http.StatusForbidden,
			req:    &wantReq{method: "POST", path: "/api/v1/vms/7/stop"},
			answer: problemJSON(403, "forbidden", "forbidden: this needs the operator role", ""), code: 1,
			errHas: []string{"this needs the operator role (403 forbidden)"}},
		{name: "reboot no key", args: []string{"vms", "reboot"}, code: 2, errHas: []string{"vms reboot needs exactly one ID"}},
	})
}

// TestVMsListAll follows the cursors through three pages.
func TestVMsListAll(t *testing.T) {
	pages := map[string]string{
		"":   `{"vms":[` + vmWeb + `],"total":3,"nextCursor":"c1","facets":` + vmFacets + `}`,
		"c1": `{"vms":[` + vmCT + `],"total":3,"nextCursor":"c2","facets":{}}`,
		"c2": `{"vms":[` + strings.Replace(vmCT, `"key":12`, `"key":13`, 1) + `],"total":3,"nextCursor":"","facets":{}}`,
	}
	var cursors []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/api/v1/vms" || q.Get("state") != "stopped" || q.Get("limit") != "1" {
			t.Errorf("request %s", r.URL)
		}
		cursors = append(cursors, q.Get("cursor"))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, pages[q.Get("cursor")])
	}))
	defer srv.Close()

	code, stdout, stderr := run(srv.URL, "vms", "list", "--all", "--state", "stopped", "--limit", "1")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got, want := strings.Join(cursors, ","), ",c1,c2"; got != want {
		t.Errorf("cursors sent %q, want %q", got, want)
	}
	for _, key := range []string{"\n7 ", "\n12 ", "\n13 "} {
		if !strings.Contains(stdout, key) {
			t.Errorf("table lacks VM %s:\n%s", strings.TrimSpace(key), stdout)
		}
	}

	cursors = nil
	code, stdout, stderr = run(srv.URL, "vms", "list", "--all", "--state", "stopped", "--limit", "1", "-o", "json")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		VMs []struct {
			Key int64 `json:"key"`
		} `json:"vms"`
		Total      int                       `json:"total"`
		NextCursor *string                   `json:"nextCursor"`
		Facets     map[string]map[string]int `json:"facets"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("-o json printed %s: %v", stdout, err)
	}
	if len(got.VMs) != 3 || got.VMs[2].Key != 13 || got.Total != 3 || got.NextCursor == nil || *got.NextCursor != "" ||
		got.Facets["provider"]["aws"] != 1 {
		t.Errorf("-o json --all printed %s", stdout)
	}
}

// TestVMsListAllRepeatedCursor: a console that loops is not followed forever.
func TestVMsListAllRepeatedCursor(t *testing.T) {
	srv, _ := fakeConsole(t, 200, `{"vms":[`+vmWeb+`],"total":9,"nextCursor":"same","facets":{}}`)
	code, stdout, stderr := run(srv.URL, "vms", "list", "--all")
	if code != 1 || stdout != "" || !strings.Contains(stderr, `the console gave cursor "same" twice`) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestVMsDispatch runs the commands through Main.
func TestVMsDispatch(t *testing.T) {
	for name := range vmCommands {
		if _, ok := commands()[name]; !ok {
			t.Errorf("%q is not in the dispatch table of cli.go", name)
		}
	}
	runAPICases(t, []apiCase{
		{name: "list", args: []string{"vms", "list", "--provider", "aws"},
			req: &wantReq{method: "GET", path: "/api/v1/vms", query: "provider=aws"}, answer: vmsAnswer, outHas: []string{"aws-prod"}},
		{name: "get", args: []string{"vms", "get", "7"}, req: &wantReq{method: "GET", path: "/api/v1/vms/7"}, answer: vmAnswerJSON,
			outHas: []string{"web-1"}},
		{name: "start", args: []string{"vms", "start", "7"}, status: http.StatusAccepted,
			req: &wantReq{method: "POST", path: "/api/v1/vms/7/start"}, answer: powerAnswer, out: "start requested for vm 7\n"},
		{name: "no subcommand", args: []string{"vms"}, code: 2, errHas: []string{"vms needs a subcommand: get, list, reboot, start, stop"}},
	})
}
