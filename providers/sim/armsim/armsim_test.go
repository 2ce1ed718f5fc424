package armsim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/providers/sim"
)

type env struct {
	t     *testing.T
	fleet *sim.Fleet
	srv   *Server
	ts    *httptest.Server
	token string
}

func newEnv(t *testing.T, n, pageSize int) *env {
	t.Helper()
	fleet := sim.NewFleet()
	Populate(fleet, n, 3)
	srv := New(fleet, Options{PageSize: pageSize})
	ts := httptest.NewTLSServer(srv)
	t.Cleanup(ts.Close)
	e := &env{t: t, fleet: fleet, srv: srv, ts: ts}
	status, body := e.form("/"+DefaultTenantID+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret},
		"scope": {ts.URL + "/.default openid offline_access profile"},
	})
	if status != http.StatusOK {
		t.Fatalf("token: %d %s", status, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn < 3000 {
		t.Fatalf("token response %s (%v)", body, err)
	}
	e.token = tok.AccessToken
	return e
}

func (e *env) do(req *http.Request) (int, http.Header, []byte) {
	e.t.Helper()
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func (e *env) form(path string, v url.Values) (int, []byte) {
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, _, body := e.do(req)
	return status, body
}

// arm sends an ARM request with the env's token (auth "" → none).
func (e *env) arm(method, pathAndQuery, auth string) (int, http.Header, []byte) {
	e.t.Helper()
	u := pathAndQuery
	if !strings.HasPrefix(u, "https://") {
		u = e.ts.URL + u
	}
	req, _ := http.NewRequest(method, u, nil)
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	return e.do(req)
}

func errorCode(t *testing.T, body []byte) string {
	t.Helper()
	var b struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatalf("error body %s: %v", body, err)
	}
	return b.Error.Code
}

func TestEntraWire(t *testing.T) {
	e := newEnv(t, 2, 10)
	status, _, body := e.arm(http.MethodGet, "/"+DefaultTenantID+"/v2.0/.well-known/openid-configuration", "")
	var oidc map[string]any
	if status != 200 || json.Unmarshal(body, &oidc) != nil ||
		oidc["token_endpoint"] != e.ts.URL+"/"+DefaultTenantID+"/oauth2/v2.0/token" ||
		oidc["issuer"] != e.ts.URL+"/"+DefaultTenantID+"/v2.0" || oidc["authorization_endpoint"] == nil {
		t.Errorf("openid-configuration = %d %s", status, body)
	}

	good := url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID},
		"client_secret": {DefaultClientSecret}, "scope": {e.ts.URL + "/.default"}}
	with := func(k, v string) url.Values {
		c := url.Values{}
		for kk, vv := range good {
			c[kk] = vv
		}
		c.Set(k, v)
		return c
	}
	cases := []struct {
		name    string
		tenant  string
		form    url.Values
		status  int
		code    string
		aadsts  string
		hasBody string
	}{
		{"wrong secret", DefaultTenantID, with("client_secret", "nope"), 401, "invalid_client", "AADSTS7000215: Invalid client secret provided.", ""},
		{"no secret", DefaultTenantID, with("client_secret", ""), 401, "invalid_client", "AADSTS7000216", ""},
		{"unknown app", DefaultTenantID, with("client_id", "00000000-0000-0000-0000-000000000000"), 400, "unauthorized_client", "AADSTS700016", ""},
		{"unknown tenant", "11111111-1111-1111-1111-111111111111", good, 400, "invalid_tenant", "AADSTS90002", ""},
		{"scope without .default", DefaultTenantID, with("scope", e.ts.URL), 400, "invalid_scope", "AADSTS1002012", ""},
		{"wrong grant", DefaultTenantID, with("grant_type", "password"), 400, "unsupported_grant_type", "AADSTS70003", ""},
		{"good", DefaultTenantID, good, 200, "", "", `"access_token"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := e.form("/"+c.tenant+"/oauth2/v2.0/token", c.form)
			var b struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			_ = json.Unmarshal(body, &b)
			if status != c.status || b.Error != c.code || !strings.HasPrefix(b.Description, c.aadsts) || !strings.Contains(string(body), c.hasBody) {
				t.Errorf("token = %d %s, want %d %s %s", status, body, c.status, c.code, c.aadsts)
			}
		})
	}
}

func TestARMAuthAndVersion(t *testing.T) {
	e := newEnv(t, 2, 10)
	list := "/subscriptions/" + Subscriptions()[0] + "/providers/Microsoft.Compute/virtualMachines"
	wrongAudience := e.srv.grant("https://management.azure.com")
	cases := []struct {
		name, path, token string
		status            int
		code              string
	}{
		{"no token", list + "?api-version=2025-04-01", "", 401, "AuthenticationFailed"},
		{"unknown token", list + "?api-version=2025-04-01", "forged", 401, "InvalidAuthenticationToken"},
		{"wrong audience", list + "?api-version=2025-04-01", wrongAudience, 401, "InvalidAuthenticationTokenAudience"},
		{"no api-version", list, e.token, 400, "MissingApiVersionParameter"},
		{"bad api-version", list + "?api-version=latest", e.token, 400, "InvalidApiVersionParameter"},
		{"unknown subscription", "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Compute/virtualMachines?api-version=2025-04-01", e.token, 404, "SubscriptionNotFound"},
		{"expand without filter", list + "?api-version=2025-04-01&$expand=instanceView", e.token, 400, "InvalidParameter"},
		{"unknown vm", "/subscriptions/" + Subscriptions()[0] + "/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/nope?api-version=2025-04-01", e.token, 404, "ResourceNotFound"},
		{"unknown group", "/subscriptions/" + Subscriptions()[0] + "/resourceGroups/rg-nope/providers/Microsoft.Compute/virtualMachines/nope?api-version=2025-04-01", e.token, 404, "ResourceGroupNotFound"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, _, body := e.arm(http.MethodGet, c.path, c.token)
			if status != c.status || errorCode(t, body) != c.code {
				t.Errorf("GET %s = %d %s, want %d %s", c.path, status, body, c.status, c.code)
			}
		})
	}
	e.srv.ExpireTokens()
	status, _, body := e.arm(http.MethodGet, list+"?api-version=2025-04-01", e.token)
	if status != 401 || errorCode(t, body) != "ExpiredAuthenticationToken" {
		t.Errorf("expired token: %d %s", status, body)
	}
}

// TestListPaging follows nextLink through both list views.
func TestListPaging(t *testing.T) {
	e := newEnv(t, 11, 2) // 6 VMs in the first subscription: 3 pages
	sub := Subscriptions()[0]
	for _, statusOnly := range []bool{false, true} {
		u := "/subscriptions/" + sub + "/providers/Microsoft.Compute/virtualMachines?api-version=2025-04-01"
		if statusOnly {
			u += "&statusOnly=true"
		}
		var got []vmResource
		pages := 0
		for u != "" && pages < 10 {
			status, _, body := e.arm(http.MethodGet, u, e.token)
			var page vmList
			if status != 200 || json.Unmarshal(body, &page) != nil {
				t.Fatalf("GET %s = %d %s", u, status, body)
			}
			got = append(got, page.Value...)
			u = page.NextLink
			pages++
		}
		if pages != 3 || len(got) != 6 {
			t.Errorf("statusOnly=%v: %d pages, %d VMs; want 3 pages, 6 VMs", statusOnly, pages, len(got))
		}
		for _, vm := range got {
			if !strings.HasPrefix(vm.ID, "/subscriptions/"+sub+"/") {
				t.Errorf("VM %s of another subscription listed", vm.ID)
			}
			hasModel := vm.Properties.HardwareProfile != nil && vm.Properties.StorageProfile != nil
			hasStatus := vm.Properties.InstanceView != nil && len(vm.Properties.InstanceView.Statuses) == 2
			if hasModel == statusOnly || hasStatus != statusOnly {
				t.Errorf("statusOnly=%v: %s has model %v, status %v", statusOnly, vm.Name, hasModel, hasStatus)
			}
		}
	}
}

// TestPowerOperation follows a deallocate's Azure-AsyncOperation and
// Location URLs to the end, and powerOff's stopped-but-allocated state.
func TestPowerOperation(t *testing.T) {
	e := newEnv(t, 6, 10)
	e.fleet.Transition = 300 * time.Millisecond
	var vm sim.VM
	for _, v := range e.fleet.List(nil) {
		if v.State == sim.Running {
			vm = v
			break
		}
	}
	get := e.ts.URL + vm.ID + "?api-version=2025-04-01&$expand=instanceView"
	power := func() string {
		_, _, body := e.arm(http.MethodGet, get, e.token)
		var r vmResource
		if err := json.Unmarshal(body, &r); err != nil || r.Properties.InstanceView == nil {
			t.Fatalf("GET vm: %s", body)
		}
		return r.Properties.InstanceView.Statuses[1].Code
	}

	status, h, body := e.arm(http.MethodPost, vm.ID+"/deallocate?api-version=2025-04-01", e.token)
	async, loc := h.Get("Azure-AsyncOperation"), h.Get("Location")
	if status != http.StatusAccepted || len(body) != 0 || !strings.HasPrefix(async, e.ts.URL+"/subscriptions/") || loc != async+"&monitor=true" {
		t.Fatalf("deallocate = %d %q, Azure-AsyncOperation %q, Location %q", status, body, async, loc)
	}
	if got := power(); got != "PowerState/deallocating" {
		t.Errorf("during deallocate: %s", got)
	}
	opStatus := func() string {
		_, _, b := e.arm(http.MethodGet, async, e.token)
		var st asyncStatus
		_ = json.Unmarshal(b, &st)
		return st.Status
	}
	if s := opStatus(); s != "InProgress" {
		t.Errorf("operation = %s, want InProgress", s)
	}
	if s, _, _ := e.arm(http.MethodGet, loc, e.token); s != http.StatusAccepted {
		t.Errorf("Location while in progress = %d, want 202", s)
	}
	time.Sleep(350 * time.Millisecond)
	if s := opStatus(); s != "Succeeded" {
		t.Errorf("operation = %s, want Succeeded", s)
	}
	if s, _, b := e.arm(http.MethodGet, loc, e.token); s != http.StatusOK || len(b) != 0 {
		t.Errorf("Location when done = %d %q, want an empty 200", s, b)
	}
	if got := power(); got != "PowerState/deallocated" {
		t.Errorf("after deallocate: %s", got)
	}

	// Restarting a deallocated VM is refused; starting it and powering it
	// off leaves it stopped, still allocated.
	if s, _, b := e.arm(http.MethodPost, vm.ID+"/restart?api-version=2025-04-01", e.token); s != http.StatusConflict || errorCode(t, b) != "OperationNotAllowed" {
		t.Errorf("restart of a deallocated VM = %d %s", s, b)
	}
	e.fleet.Transition = 0
	for _, action := range []string{"start", "powerOff"} {
		if s, _, b := e.arm(http.MethodPost, vm.ID+"/"+action+"?api-version=2025-04-01", e.token); s != http.StatusAccepted {
			t.Fatalf("%s = %d %s", action, s, b)
		}
	}
	if got := power(); got != "PowerState/stopped" {
		t.Errorf("after powerOff: %s, want PowerState/stopped", got)
	}
}

func TestThrottleShape(t *testing.T) {
	e := newEnv(t, 2, 10)
	e.srv.Faults.Throttle(1)
	status, h, body := e.arm(http.MethodGet, "/subscriptions/"+Subscriptions()[0]+"?api-version=2022-12-01", e.token)
	if status != http.StatusTooManyRequests || h.Get("Retry-After") != "1" || errorCode(t, body) != "TooManyRequests" {
		t.Errorf("throttled = %d Retry-After %q %s", status, h.Get("Retry-After"), body)
	}
	// The login routes are not faulted: a token can still be had.
	e.srv.Faults.Throttle(1)
	if status, _, _ := e.arm(http.MethodGet, "/"+DefaultTenantID+"/v2.0/.well-known/openid-configuration", ""); status != 200 {
		t.Errorf("openid-configuration under throttling = %d", status)
	}
}

func TestSizesAndLocations(t *testing.T) {
	e := newEnv(t, 2, 10)
	sub := Subscriptions()[1]
	_, _, body := e.arm(http.MethodGet, "/subscriptions/"+sub+"/providers/Microsoft.Compute/locations/westeurope/vmSizes?api-version=2025-04-01", e.token)
	var sizes struct{ Value []vmSize }
	if err := json.Unmarshal(body, &sizes); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int64{"Standard_B2s": {2, 4096}, "Standard_D4s_v5": {4, 16384}, "Standard_E8s_v5": {8, 65536}}
	for _, s := range sizes.Value {
		if w, ok := want[s.Name]; ok && (int64(s.NumberOfCores) != w[0] || s.MemoryInMB != w[1]) {
			t.Errorf("%s = %d cores %d MB, want %v", s.Name, s.NumberOfCores, s.MemoryInMB, w)
		}
		delete(want, s.Name)
	}
	if len(want) > 0 {
		t.Errorf("vmSizes lacks %v", want)
	}
	_, _, body = e.arm(http.MethodGet, "/subscriptions/"+sub+"/locations?api-version=2022-12-01", e.token)
	var locs struct{ Value []location }
	if err := json.Unmarshal(body, &locs); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, l := range locs.Value {
		kinds[l.Name] = l.Metadata.RegionType
	}
	if kinds["westeurope"] != "Physical" || kinds["eastus"] != "Physical" || kinds["europe"] != "Logical" {
		t.Errorf("locations = %v", kinds)
	}
}

func TestPopulate(t *testing.T) {
	f := sim.NewFleet()
	Populate(f, 8, 1)
	Populate(f, 4, 1)
	vms := f.List(nil)
	if len(vms) != 12 {
		t.Fatalf("%d VMs, want 12", len(vms))
	}
	seen := map[string]bool{}
	for _, vm := range vms {
		sub, group, name, ok := armID(vm.ID)
		if !ok || seen[vm.ID] || group != vm.Group || name != vm.Name || (vm.Zone != "1" && vm.Zone != "2") {
			t.Errorf("VM %+v is not a well-formed ARM VM", vm)
		}
		seen[vm.ID] = true
		seen["sub:"+sub] = true
		seen["loc:"+vm.Region] = true
	}
	for _, k := range []string{"sub:" + Subscriptions()[0], "sub:" + Subscriptions()[1], "loc:westeurope", "loc:eastus"} {
		if !seen[k] {
			t.Errorf("no VM in %s", k)
		}
	}
}
