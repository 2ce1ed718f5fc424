package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/neogenesys/console/internal/clouds"
	"github.com/neogenesys/console/internal/secrets"
	"github.com/neogenesys/console/internal/store"
	"github.com/neogenesys/console/providers"
)

// testCloud is a provider kind for these tests: Check succeeds when the
// password is "right" and reports an auth failure otherwise.
type testCloud struct {
	Host     string `json:"host"`
	Password string `json:"password,omitempty" secret:"true"`
}

func (c *testCloud) Kind() string { return "testcloud" }
func (c *testCloud) Validate() error {
	if c.Host == "" {
		return errors.New("host: required")
	}
	return nil
}
func (c *testCloud) New(string) (providers.Provider, error) { return testCloudProvider{*c}, nil }

type testCloudProvider struct{ cfg testCloud }

func (p testCloudProvider) Check(context.Context) (providers.AccountInfo, error) {
	if p.cfg.Password != "right" {
		return providers.AccountInfo{}, providers.ErrAuth
	}
	return providers.AccountInfo{Identity: p.cfg.Host, Regions: []string{"r1", "r2", "r3"}}, nil
}

// List emits two VMs: vm-1 running, vm-2 stopped.
func (p testCloudProvider) List(_ context.Context, emit func(providers.VM) error) error {
	for _, vm := range []providers.VM{
		{ID: "vm-1", Name: "web-1", State: providers.StateRunning, Region: "r1", PrivateIPs: []string{"10.0.0.1"}},
		{ID: "vm-2", Name: "db-1", State: providers.StateStopped, Region: "r2", PrivateIPs: []string{"10.0.0.2"}},
	} {
		vm.Provider, vm.AccountID, vm.PublicIPs, vm.Tags = "testcloud", "x", []string{}, map[string]string{"env": "test"}
		if err := emit(vm); err != nil {
			return err
		}
	}
	return nil
}
func (testCloudProvider) Power(context.Context, string, providers.Action) error { return nil }

func init() {
	providers.Register(providers.Kind{Name: "testcloud", NewConfig: func() providers.Config { return &testCloud{} }})
}

func testBox(t *testing.T) *secrets.Box {
	t.Helper()
	key, err := secrets.LoadKey("", filepath.Join(t.TempDir(), "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// cloud connects a testcloud account directly through the service and
// syncs its two VMs into the inventory.
func (e *env) cloud(name string) clouds.Account {
	e.t.Helper()
	ctx := context.Background()
	a, err := e.srv.Clouds.Create(ctx, name, "testcloud", json.RawMessage(`{"host":"h","password":"right"}`), "test")
	if err != nil {
		e.t.Fatal(err)
	}
	raw, err := e.store.GetCloudAccount(ctx, a.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.srv.Inventory.Sync(ctx, raw); err != nil {
		e.t.Fatal(err)
	}
	e.srv.Inventory.Refresh()
	return a
}

func TestCloudAccountsAPI(t *testing.T) {
	e := newEnv(t)
	viewer, _, admin := e.callers()
	const secret = "right"

	r := e.do("POST", "/api/v1/clouds", map[string]any{"name": "lab", "kind": "testcloud",
		"config": map[string]any{"host": "pve.example", "password": secret}}, bearer(admin.tok))
	if r.status != http.StatusCreated {
		t.Fatalf("create: %s", r)
	}
	var created struct{ Cloud clouds.Account }
	r.json(t, &created)
	if strings.Contains(string(r.body), `"`+secret+`"`) || created.Cloud.SecretsSet[0] != "password" {
		t.Fatalf("create answer shows the secret or misses secretsSet: %s", r.body)
	}
	id := created.Cloud.ID

	r = e.do("GET", "/api/v1/clouds", nil, bearer(viewer.tok))
	if r.status != http.StatusOK || strings.Contains(string(r.body), `"`+secret+`"`) || !strings.Contains(string(r.body), "pve.example") {
		t.Fatalf("list: %s", r)
	}

	r = e.do("POST", "/api/v1/clouds/"+strconv.FormatInt(id, 10)+"/check", nil, bearer(admin.tok))
	var res clouds.CheckResult
	r.json(t, &res)
	if r.status != http.StatusOK || !res.OK || res.RegionCount != 3 || res.Identity != "pve.example" {
		t.Fatalf("check: %s", r)
	}

	// A new password through PATCH, then a failing check says why.
	r = e.do("PATCH", "/api/v1/clouds/"+strconv.FormatInt(id, 10), map[string]any{"config": map[string]any{"password": "wrong"}}, bearer(admin.tok))
	if r.status != http.StatusOK {
		t.Fatalf("patch: %s", r)
	}
	r = e.do("POST", "/api/v1/clouds/"+strconv.FormatInt(id, 10)+"/check", nil, bearer(admin.tok))
	r.json(t, &res)
	if res.OK || res.ErrorKind != "auth" || !strings.Contains(res.Error, "credentials") {
		t.Fatalf("check with a wrong password: %s", r)
	}

	for _, tc := range []struct {
		name string
		body map[string]any
		want string
	}{
		{"unknown kind", map[string]any{"name": "x", "kind": "nope", "config": map[string]any{}}, `unknown provider kind`},
		{"invalid config", map[string]any{"name": "x", "kind": "testcloud", "config": map[string]any{}}, `x: config: host: required`},
		{"unknown field", map[string]any{"name": "x", "kind": "testcloud", "config": map[string]any{"host": "h", "pasword": "p"}}, `unknown field \"pasword\"`},
		{"bad name", map[string]any{"name": "../x", "kind": "testcloud", "config": map[string]any{"host": "h"}}, `name:`},
	} {
		r := e.do("POST", "/api/v1/clouds", tc.body, bearer(admin.tok))
		r.problem(t, http.StatusBadRequest, "invalid_request")
		if !strings.Contains(string(r.body), tc.want) {
			t.Errorf("%s: %s, want %q", tc.name, r.body, tc.want)
		}
	}
	e.do("POST", "/api/v1/clouds", map[string]any{"name": "lab", "kind": "testcloud", "config": map[string]any{"host": "h"}},
		bearer(admin.tok)).problem(t, http.StatusConflict, "conflict")

	// The audit trail records every change, never a secret.
	entries := e.auditEntries(store.AuditFilter{Action: "cloud.*"})
	if len(entries) < 4 {
		t.Fatalf("audit has %d cloud entries", len(entries))
	}
	for _, en := range entries {
		if strings.Contains(en.Detail, secret) || strings.Contains(en.Detail, "wrong") {
			t.Errorf("audit entry shows a secret: %+v", en)
		}
	}
	if strings.Contains(e.log.String(), "wrong") {
		t.Error("the log shows a secret")
	}

	e.do("DELETE", "/api/v1/clouds/"+strconv.FormatInt(id, 10), nil, bearer(admin.tok)).expect(t, http.StatusOK)
	e.do("GET", "/api/v1/clouds/"+strconv.FormatInt(id, 10), nil, bearer(admin.tok)).problem(t, http.StatusNotFound, "not_found")
}

// The add-cloud form: kinds describe their fields, and a draft is tested
// without being saved (nor its secret recorded anywhere).
func TestCloudFormAPI(t *testing.T) {
	e := newEnv(t)
	viewer, operator, admin := e.callers()
	const secret = "right"

	r := e.do("GET", "/api/v1/clouds/kinds", nil, bearer(viewer.tok))
	var kinds struct {
		Kinds []struct {
			Name   string
			Fields []providers.Field
		}
	}
	r.json(t, &kinds)
	var found bool
	for _, k := range kinds.Kinds {
		if k.Name == "testcloud" {
			found = len(k.Fields) == 2 && k.Fields[0].Name == "host" && k.Fields[1].Secret
		}
	}
	if r.status != http.StatusOK || !found {
		t.Fatalf("kinds: %s", r)
	}

	cases := []struct {
		name   string
		body   map[string]any
		caller string
		status int
		want   string // in the answer
	}{
		{"ok", map[string]any{"kind": "testcloud", "config": map[string]any{"host": "h1", "password": secret}}, admin.tok, 200, `"ok":true`},
		{"bad password", map[string]any{"kind": "testcloud", "config": map[string]any{"host": "h1", "password": "nope"}}, admin.tok, 200, `"errorKind":"auth"`},
		{"invalid", map[string]any{"kind": "testcloud", "config": map[string]any{"password": secret}}, admin.tok, 400, "host: required"},
		{"no kind", map[string]any{"config": map[string]any{}}, admin.tok, 400, "kind is required"},
		{"unknown account", map[string]any{"id": 4242, "config": map[string]any{}}, admin.tok, 404, ""},
		{"unknown field", map[string]any{"kind": "testcloud", "bogus": 1}, admin.tok, 400, "bogus"},
		{"operator", map[string]any{"kind": "testcloud", "config": map[string]any{"host": "h1"}}, operator.tok, 403, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("POST", "/api/v1/clouds/check", c.body, bearer(c.caller))
			if r.status != c.status || !strings.Contains(string(r.body), c.want) || strings.Contains(string(r.body), `"`+secret+`"`) {
				t.Fatalf("got %s; want %d with %q", r, c.status, c.want)
			}
		})
	}
	if r := e.do("GET", "/api/v1/clouds", nil, bearer(viewer.tok)); !strings.Contains(string(r.body), `"clouds":[]`) {
		t.Fatalf("a draft check saved an account: %s", r)
	}

	// A change to a saved account keeps its stored password.
	r = e.do("POST", "/api/v1/clouds", map[string]any{"name": "lab", "kind": "testcloud",
		"config": map[string]any{"host": "h1", "password": secret}}, bearer(admin.tok))
	var created struct{ Cloud clouds.Account }
	r.json(t, &created)
	r = e.do("POST", "/api/v1/clouds/check", map[string]any{"id": created.Cloud.ID, "config": map[string]any{"host": "h2"}}, bearer(admin.tok))
	if r.status != 200 || !strings.Contains(string(r.body), `"identity":"h2"`) {
		t.Fatalf("draft change: %s", r)
	}
	audit := e.do("GET", "/api/v1/audit?action=cloud.check", nil, bearer(admin.tok))
	if !strings.Contains(string(audit.body), "cloud:draft") || strings.Contains(string(audit.body), secret+`"`) {
		t.Fatalf("audit of draft checks: %s", audit)
	}
}
