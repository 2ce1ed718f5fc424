package server

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/neogenesys/console/internal/audit"
	"github.com/neogenesys/console/internal/store"
)

type nodeList struct {
	Nodes []nodeJSON `json:"nodes"`
	Total int        `json:"total"`
}

func TestListNodesFilters(t *testing.T) {
	e := newEnv(t)
	viewer, _, _ := e.callers()
	for _, c := range []struct {
		query string
		want  []uint64
	}{
		{"", []uint64{101, 102, 103}},
		{"q=web", []uint64{101}},
		{"q=WEB", []uint64{101}},
		{"q=+laptop+", []uint64{103}},
		{"q=100.64.0.2", []uint64{102}},
		{"q=fd7a:115c", []uint64{101}},
		{"q=tag:db", []uint64{102}},
		{"q=102", []uint64{102}},
		{"q=nothing-matches", nil},
		{"user=alice", []uint64{101, 103}},
		{"user=Alice", nil},
		{"tag=tag:web", []uint64{101}},
		{"tag=web", nil},
		{"online=true", []uint64{101}},
		{"online=false", []uint64{102, 103}},
		{"online=0", []uint64{102, 103}},
		{"expired=true", []uint64{102}},
		{"expired=false", []uint64{101, 103}},
		{"user=alice&online=false", []uint64{103}},
		{"user=bob&expired=false", nil},
	} {
		t.Run(c.query, func(t *testing.T) {
			var got nodeList
			e.do("GET", "/api/v1/nodes?"+c.query, nil, bearer(viewer.tok)).expect(t, http.StatusOK).json(t, &got)
			var ids []uint64
			for _, n := range got.Nodes {
				ids = append(ids, n.ID)
			}
			if !slices.Equal(ids, c.want) || got.Total != len(c.want) {
				t.Errorf("nodes %v (total %d), want %v", ids, got.Total, c.want)
			}
		})
	}
	for _, q := range []string{"online=maybe", "expired=2", "online=", "q=" + strings.Repeat("x", 201), "tag=" + strings.Repeat("x", 201)} {
		r := e.do("GET", "/api/v1/nodes?"+q, nil, bearer(viewer.tok))
		if q == "online=" { // empty means no filter
			r.expect(t, http.StatusOK)
			continue
		}
		r.problem(t, http.StatusBadRequest, "invalid_request")
	}

	var one struct {
		Node nodeJSON `json:"node"`
	}
	e.do("GET", "/api/v1/nodes/102", nil, bearer(viewer.tok)).expect(t, http.StatusOK).json(t, &one)
	if one.Node.ID != 102 || !one.Node.Expired || one.Node.Online || one.Node.OS != "unknown" || one.Node.ExitNode {
		t.Errorf("node 102 = %+v", one.Node)
	}
	if n := e.fake.Calls("GetNode"); n != 0 {
		t.Errorf("GetNode called %d times: reads must come from the view", n)
	}
}

func TestRenameNode(t *testing.T) {
	e := newEnv(t)
	viewer, operator, _ := e.callers()
	for _, name := range []string{"Web-01", "web_01", "-web", "web-", "", strings.Repeat("a", 64), "web.example", "wéb"} {
		e.do("POST", "/api/v1/nodes/101/rename", map[string]string{"name": name}, bearer(operator.tok)).problem(t, 400, "invalid_request")
	}
	if n := e.fake.Calls("RenameNode"); n != 0 {
		t.Fatalf("RenameNode called %d times for invalid names", n)
	}
	var got struct {
		Node nodeJSON `json:"node"`
	}
	e.do("POST", "/api/v1/nodes/101/rename", `{"name":"web-02"}`, bearer(operator.tok)).expect(t, http.StatusOK).json(t, &got)
	if got.Node.Name != "web-02" || got.Node.ID != 101 {
		t.Errorf("rename answered %+v", got.Node)
	}
	// The view was refreshed: the next read shows the new name at once.
	var list nodeList
	e.do("GET", "/api/v1/nodes?q=web-02", nil, bearer(viewer.tok)).json(t, &list)
	if len(list.Nodes) != 1 {
		t.Errorf("the list does not show the renamed node: %+v", list)
	}
	e.do("POST", "/api/v1/nodes/999/rename", `{"name":"ghost"}`, bearer(operator.tok)).problem(t, 404, "not_found")
	e.do("POST", "/api/v1/nodes/102/rename", `{"name":"web-02"}`, bearer(operator.tok)).problem(t, 409, "conflict")

	entries := e.auditEntries(store.AuditFilter{Action: "node.rename"})
	if len(entries) != 3 {
		t.Fatalf("node.rename audit has %d entries, want 3: %+v", len(entries), entries)
	}
	if entries[2].Outcome != audit.Success || entries[2].Target != "node:101" || entries[2].Username != "otto" || entries[2].Role != store.RoleOperator {
		t.Errorf("success entry = %+v", entries[2])
	}
	if entries[1].Outcome != audit.Failure || entries[1].Target != "node:999" || !strings.Contains(entries[1].Detail, `"error"`) {
		t.Errorf("failure entry = %+v", entries[1])
	}
}

func TestNodeTags(t *testing.T) {
	e := newEnv(t)
	_, operator, _ := e.callers()
	for _, body := range []string{`{"tags":["tag:Web"]}`, `{"tags":["web"]}`, `{"tags":["tag:a b"]}`, `{"tags":["tag:-x"]}`, `{}`, `{"tags":null}`} {
		e.do("PUT", "/api/v1/nodes/101/tags", body, bearer(operator.tok)).problem(t, 400, "invalid_request")
	}
	if n := e.fake.Calls("SetTags"); n != 0 {
		t.Fatalf("SetTags called %d times for invalid tags", n)
	}
	var got struct {
		Node nodeJSON `json:"node"`
	}
	e.do("PUT", "/api/v1/nodes/101/tags", `{"tags":["tag:web","tag:prod-2"]}`, bearer(operator.tok)).expect(t, http.StatusOK).json(t, &got)
	if !slices.Equal(got.Node.Tags, []string{"tag:web", "tag:prod-2"}) {
		t.Errorf("tags = %v", got.Node.Tags)
	}
	e.do("PUT", "/api/v1/nodes/101/tags", `{"tags":[]}`, bearer(operator.tok)).expect(t, http.StatusOK)
	if n, _ := e.fake.GetNode(t.Context(), 101); len(n.Tags) != 0 {
		t.Errorf("tags after [] = %v, want none", n.Tags)
	}
}

func TestNodeRoutes(t *testing.T) {
	e := newEnv(t)
	_, operator, _ := e.callers()
	p := e.do("PUT", "/api/v1/nodes/101/routes", `{"routes":["10.0.0.1/24"]}`, bearer(operator.tok)).problem(t, 400, "invalid_request")
	if !strings.Contains(p.Detail, "did you mean 10.0.0.0/24") {
		t.Errorf("detail %q does not suggest the network", p.Detail)
	}
	p = e.do("PUT", "/api/v1/nodes/101/routes", `{"routes":["fd00::1/64"]}`, bearer(operator.tok)).problem(t, 400, "invalid_request")
	if !strings.Contains(p.Detail, "fd00::/64") {
		t.Errorf("detail %q does not suggest fd00::/64", p.Detail)
	}
	for _, body := range []string{`{"routes":["10.0.0.0"]}`, `{"routes":["subnet"]}`, `{"routes":["10.0.0.0/33"]}`, `{}`} {
		e.do("PUT", "/api/v1/nodes/101/routes", body, bearer(operator.tok)).problem(t, 400, "invalid_request")
	}
	if n := e.fake.Calls("SetApprovedRoutes"); n != 0 {
		t.Fatalf("SetApprovedRoutes called %d times for invalid routes", n)
	}
	e.do("PUT", "/api/v1/nodes/101/routes", `{"routes":["192.168.1.0/24"," 10.0.0.0/8","10.0.0.0/8"]}`, bearer(operator.tok)).expect(t, http.StatusOK)
	n, _ := e.fake.GetNode(t.Context(), 101)
	if !slices.Equal(n.ApprovedRoutes, []string{"10.0.0.0/8", "192.168.1.0/24"}) {
		t.Errorf("approved routes = %v, want sorted, trimmed and without duplicates", n.ApprovedRoutes)
	}
}

func TestExitNode(t *testing.T) {
	e := newEnv(t)
	_, operator, _ := e.callers()
	var got struct {
		Node nodeJSON `json:"node"`
	}
	e.do("POST", "/api/v1/nodes/101/exit-node", `{"enabled":true}`, bearer(operator.tok)).expect(t, http.StatusOK).json(t, &got)
	if !got.Node.ExitNode || !slices.Contains(got.Node.ApprovedRoutes, "10.0.0.0/24") {
		t.Errorf("after enabling: %+v", got.Node)
	}
	n, _ := e.fake.GetNode(t.Context(), 101)
	routes := slices.Sorted(slices.Values(n.ApprovedRoutes))
	if !slices.Equal(routes, []string{"0.0.0.0/0", "10.0.0.0/24", "::/0"}) {
		t.Errorf("approved routes = %v, want the subnet kept and both exit routes", n.ApprovedRoutes)
	}
	// Enabling twice does not duplicate.
	e.do("POST", "/api/v1/nodes/101/exit-node", `{"enabled":true}`, bearer(operator.tok)).expect(t, http.StatusOK)
	if n, _ := e.fake.GetNode(t.Context(), 101); len(n.ApprovedRoutes) != 3 {
		t.Errorf("approved routes after enabling twice = %v", n.ApprovedRoutes)
	}
	got = struct {
		Node nodeJSON `json:"node"`
	}{}
	e.do("POST", "/api/v1/nodes/101/exit-node", `{"enabled":false}`, bearer(operator.tok)).expect(t, http.StatusOK).json(t, &got)
	if got.Node.ExitNode || !slices.Equal(got.Node.ApprovedRoutes, []string{"10.0.0.0/24"}) {
		t.Errorf("after disabling: exit %v, routes %v; want only 10.0.0.0/24", got.Node.ExitNode, got.Node.ApprovedRoutes)
	}
	e.do("POST", "/api/v1/nodes/101/exit-node", `{}`, bearer(operator.tok)).problem(t, 400, "invalid_request")
	e.do("POST", "/api/v1/nodes/999/exit-node", `{"enabled":true}`, bearer(operator.tok)).problem(t, 404, "not_found")
}

func TestNodeExpiry(t *testing.T) {
	e := newEnv(t)
	viewer, operator, _ := e.callers()
	e.do("POST", "/api/v1/nodes/101/expire", nil, bearer(operator.tok)).expect(t, http.StatusOK)
	var one struct {
		Node nodeJSON `json:"node"`
	}
	e.do("GET", "/api/v1/nodes/101", nil, bearer(viewer.tok)).json(t, &one)
	if !one.Node.Expired {
		t.Errorf("node 101 after expire = %+v", one.Node)
	}
	e.do("POST", "/api/v1/nodes/102/disable-expiry", nil, bearer(operator.tok)).expect(t, http.StatusOK)
	one.Node = nodeJSON{}
	e.do("GET", "/api/v1/nodes/102", nil, bearer(viewer.tok)).json(t, &one)
	if one.Node.Expired || !one.Node.Expiry.IsZero() {
		t.Errorf("node 102 after disable-expiry = %+v", one.Node)
	}
}

func TestLogins(t *testing.T) {
	e := newEnv(t)
	_, operator, _ := e.callers()
	const id = "AbCdEf0123456789"
	e.fake.AddPending(id, "new-laptop")
	e.fake.AddPending("Tagged_Machine-01", "runner")
	e.fake.AddPending("RejectMe12345", "intruder")

	approve := func(authID, body string) *response {
		return e.do("POST", "/api/v1/logins/"+authID+"/approve", body, bearer(operator.tok))
	}
	for _, c := range []struct{ authID, body string }{
		{id, `{"user":"alice","tags":["tag:web"]}`}, // both
		{id, `{}`},                    // neither
		{id, `{"user":"","tags":[]}`}, // neither
		{id, `{"tags":["Tag:web"]}`},  // bad tag
		{"short", `{"user":"alice"}`},
		{"has.dots.in.it", `{"user":"alice"}`},
		{strings.Repeat("a", 129), `{"user":"alice"}`},
		{url.PathEscape("https://hs.example.com/register/bad id!"), `{"user":"alice"}`},
	} {
		approve(c.authID, c.body).problem(t, 400, "invalid_request")
	}
	if n := e.fake.Calls("RegisterPending"); n != 0 {
		t.Fatalf("RegisterPending called %d times for refused requests", n)
	}
	approve("NoSuchMachine123", `{"user":"alice"}`).problem(t, 404, "not_found")

	// The URL tailscale prints, in one path segment.
	var got struct {
		Node nodeJSON `json:"node"`
	}
	approve(url.PathEscape("https://hs.example.com/register/"+id), `{"user":"alice"}`).expect(t, http.StatusOK).json(t, &got)
	if got.Node.Name != "new-laptop" || got.Node.User != "alice" || e.fake.Pending(id) {
		t.Errorf("approved node = %+v", got.Node)
	}

	// Tags only: the machine is registered to the default user, then tagged.
	got = struct {
		Node nodeJSON `json:"node"`
	}{}
	approve("Tagged_Machine-01", `{"tags":["tag:ci"]}`).expect(t, http.StatusOK).json(t, &got)
	if got.Node.Name != "runner" || got.Node.User != "default" || !slices.Equal(got.Node.Tags, []string{"tag:ci"}) {
		t.Errorf("tagged node = %+v", got.Node)
	}

	e.do("POST", "/api/v1/logins/bad!/reject", nil, bearer(operator.tok)).problem(t, 400, "invalid_request")
	e.do("POST", "/api/v1/logins/NotWaiting12345/reject", nil, bearer(operator.tok)).problem(t, 404, "not_found")
	r := e.do("POST", "/api/v1/logins/RejectMe12345/reject", nil, bearer(operator.tok)).expect(t, http.StatusOK)
	if strings.TrimSpace(string(r.body)) != `{"success":true}` || e.fake.Pending("RejectMe12345") {
		t.Errorf("reject answered %s", r.body)
	}

	entries := e.auditEntries(store.AuditFilter{Action: "login.*"})
	var outcomes []string
	for _, a := range entries {
		outcomes = append(outcomes, a.Action+" "+a.Target+" "+a.Outcome)
	}
	want := []string{
		"login.reject login:RejectMe12345 success",
		"login.reject login:NotWaiting12345 failure",
		"login.approve login:Tagged_Machine-01 success",
		"login.approve login:" + id + " success",
		"login.approve login:NoSuchMachine123 failure",
	}
	if !slices.Equal(outcomes, want) {
		t.Errorf("audit:\n%s\nwant:\n%s", strings.Join(outcomes, "\n"), strings.Join(want, "\n"))
	}
}
