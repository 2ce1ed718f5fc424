package server

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/internal/inventory"
	"github.com/neogenesys/console/internal/store"
)

func TestInventoryAPI(t *testing.T) {
	e := newEnv(t)
	viewer, operator, _ := e.callers()
	cloud := e.cloud("lab")

	var page inventory.Page
	r := e.do("GET", "/api/v1/vms?q=web&sort=name", nil, bearer(viewer.tok)).expect(t, http.StatusOK)
	r.json(t, &page)
	if page.Total != 1 || len(page.VMs) != 1 || page.VMs[0].Name != "web-1" || page.Facets.State["running"] != 1 {
		t.Fatalf("q=web: %s", r.body)
	}
	web := page.VMs[0]
	if web.CloudName != "lab" || web.Enrollment != inventory.NotEnrolled {
		t.Errorf("vm = %+v", web)
	}
	r = e.do("GET", "/api/v1/clouds/"+strconv.FormatInt(cloud.ID, 10)+"/vms?state=stopped", nil, bearer(viewer.tok)).expect(t, http.StatusOK)
	r.json(t, &page)
	if page.Total != 1 || page.VMs[0].Name != "db-1" {
		t.Errorf("cloud vms, stopped: %s", r.body)
	}
	e.do("GET", "/api/v1/vms?sort=bogus", nil, bearer(viewer.tok)).problem(t, http.StatusBadRequest, "invalid_request")
	e.do("GET", "/api/v1/vms/999999", nil, bearer(viewer.tok)).problem(t, http.StatusNotFound, "not_found")
	key := strconv.FormatInt(web.Key, 10)
	e.do("GET", "/api/v1/vms/"+key, nil, bearer(viewer.tok)).expect(t, http.StatusOK)

	// Power: a viewer may not; starting a running VM is a clear 409.
	e.do("POST", "/api/v1/vms/"+key+"/stop", nil, bearer(viewer.tok)).problem(t, http.StatusForbidden, "forbidden")
	p := e.do("POST", "/api/v1/vms/"+key+"/start", nil, bearer(operator.tok)).problem(t, http.StatusConflict, "invalid_state")
	if !strings.Contains(p.Detail, "cannot start") || !strings.Contains(p.Detail, "running") {
		t.Errorf("409 detail %q", p.Detail)
	}
	e.do("POST", "/api/v1/vms/"+key+"/stop", nil, bearer(operator.tok)).expect(t, http.StatusAccepted)
	if n := len(e.auditEntries(store.AuditFilter{Action: "vm.stop"})); n != 1 {
		t.Errorf("vm.stop audited %d times", n)
	}

	// Enroll: a key linked to the VM, commands, and a one-time link.
	e.do("POST", "/api/v1/vms/"+key+"/enroll", map[string]any{}, bearer(operator.tok)).problem(t, http.StatusBadRequest, "invalid_request")
	r = e.do("POST", "/api/v1/vms/"+key+"/enroll", map[string]any{"user": "alice"}, bearer(operator.tok)).expect(t, http.StatusCreated)
	out := r.obj(t)
	link, _ := out["installUrl"].(string)
	authKey, _ := out["authKey"].(string)
	if out["hostname"] != "web-1" || authKey == "" || !strings.Contains(link, "/install/") {
		t.Fatalf("enroll answer: %s", r.body)
	}
	if exec, _ := out["exec"].(map[string]any); exec["ran"] != false {
		t.Errorf("exec on a provider without Executor: %v", exec)
	}
	minted, err := e.store.ListMintedKeys(t.Context(), "vm:"+key)
	if err != nil || len(minted) != 1 {
		t.Errorf("minted keys for the vm: %+v, %v", minted, err)
	}
	path := link[strings.Index(link, "/install/"):]
	get := func(p string) (int, string) {
		resp, err := e.client.Get(e.http.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := get(path + "?os=plan9")
	if status != http.StatusBadRequest || strings.Contains(body, authKey) {
		t.Errorf("unknown os: %d %s", status, body)
	}
	status, body = get(path)
	if status != http.StatusOK || !strings.Contains(body, authKey) || !strings.Contains(body, "--hostname=web-1") {
		t.Fatalf("first fetch: %d\n%s", status, body)
	}
	status, body = get(path)
	if status != http.StatusGone || strings.Contains(body, authKey) || !strings.Contains(body, "used already") {
		t.Errorf("second fetch: %d %s", status, body)
	}
	status, body = get("/install/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	if status != http.StatusNotFound || !strings.Contains(body, "does not exist") {
		t.Errorf("unknown link: %d %s", status, body)
	}

	r = e.do("GET", "/api/v1/clouds", nil, bearer(viewer.tok)).expect(t, http.StatusOK)
	if !strings.Contains(string(r.body), `"sync":{"cloudId":`) || !strings.Contains(string(r.body), `"vms":2`) {
		t.Errorf("clouds list without sync status: %s", r.body)
	}

	var ov map[string]any
	e.do("GET", "/api/v1/overview", nil, bearer(viewer.tok)).expect(t, http.StatusOK).json(t, &ov)
	if vms, _ := ov["vms"].(map[string]any); vms["total"] != float64(2) {
		t.Errorf("overview: %v", ov)
	}
	r = e.do("GET", "/api/v1/clouds/"+strconv.FormatInt(cloud.ID, 10)+"/syncs", nil, bearer(viewer.tok)).expect(t, http.StatusOK)
	if !strings.Contains(string(r.body), `"vms":2`) {
		t.Errorf("sync history: %s", r.body)
	}
}

// A node shows the VM it runs on; orphaned filters on it.
func TestNodesShowTheirVM(t *testing.T) {
	e := newEnv(t)
	viewer, _, _ := e.callers()
	e.fake.AddNode(headscale.Node{ID: 300, Name: "db-1", Hostname: "db-1", User: "bob", IPAddresses: []string{"100.64.0.30"}})
	if err := e.view.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.cloud("lab") // syncs web-1 and db-1 (linked to node 300 by hostname)
	var out struct {
		Node struct {
			OS       string
			Orphaned bool
			VM       *inventory.NodeVM
		}
	}
	e.do("GET", "/api/v1/nodes/300", nil, bearer(viewer.tok)).expect(t, http.StatusOK).json(t, &out)
	if out.Node.VM == nil || out.Node.VM.Name != "db-1" || out.Node.VM.CloudName != "lab" || out.Node.Orphaned {
		t.Fatalf("node 300 = %+v", out.Node)
	}
	var list struct{ Nodes []struct{ ID uint64 } }
	e.do("GET", "/api/v1/nodes?orphaned=false&q=db-1", nil, bearer(viewer.tok)).expect(t, http.StatusOK).json(t, &list)
	if len(list.Nodes) != 1 || list.Nodes[0].ID != 300 {
		t.Errorf("orphaned=false: %+v", list.Nodes)
	}
	e.do("GET", "/api/v1/nodes?orphaned=true", nil, bearer(viewer.tok)).expect(t, http.StatusOK).json(t, &list)
	if len(list.Nodes) != 0 {
		t.Errorf("orphaned=true: %+v", list.Nodes)
	}
	e.do("GET", "/api/v1/nodes?orphaned=maybe", nil, bearer(viewer.tok)).problem(t, http.StatusBadRequest, "invalid_request")
}
