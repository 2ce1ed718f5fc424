package server

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/config"
	"github.com/neogenesys/console/headscale/headscalefake"
	"github.com/neogenesys/console/internal/audit"
	"github.com/neogenesys/console/internal/store"
)

type createdKey struct {
	PreAuthKey      keyJSON `json:"preAuthKey"`
	InstallCommands []struct {
		OS, Label, Command string
	} `json:"installCommands"`
}

func sortedKeys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestCreateKey(t *testing.T) {
	e := newEnv(t)
	viewer, operator, _ := e.callers()
	events, stop := e.hub.Subscribe()
	defer stop()
	mintedBefore := e.metric("neoconsole_preauthkeys_minted_total")

	r := e.do("POST", "/api/v1/preauthkeys", `{"user":"alice","reusable":true,"expiresIn":"2h"}`, bearer(operator.tok)).expect(t, http.StatusCreated)
	var got createdKey
	r.json(t, &got)
	k := got.PreAuthKey
	full, ok := e.fake.FullKey(k.ID)
	if !ok || k.Key != full || !strings.HasPrefix(full, headscalefake.KeyPrefix) {
		t.Fatalf("created key %q (id %d), want the full key %q", k.Key, k.ID, full)
	}
	if k.User != "alice" || !k.Reusable || k.Ephemeral || k.Expired || time.Until(k.Expiration) < 119*time.Minute || time.Until(k.Expiration) > 121*time.Minute {
		t.Errorf("created key = %+v", k)
	}
	if len(got.InstallCommands) < 4 {
		t.Fatalf("installCommands = %+v", got.InstallCommands)
	}
	for _, c := range got.InstallCommands {
		if c.OS == "" || c.Label == "" || !strings.Contains(c.Command, "--authkey="+full) || !strings.Contains(c.Command, "--login-server="+loginServer) {
			t.Errorf("install command %+v lacks the key or the login server", c)
		}
	}

	// Lists never show the secret.
	list := e.do("GET", "/api/v1/preauthkeys", nil, bearer(viewer.tok)).expect(t, http.StatusOK)
	secret := full[strings.LastIndex(full, "-")+1:]
	if strings.Contains(string(list.body), secret) {
		t.Fatalf("key list holds the secret: %s", list.body)
	}
	var keys struct {
		PreAuthKeys []keyJSON `json:"preAuthKeys"`
	}
	list.json(t, &keys)
	if len(keys.PreAuthKeys) != 1 || keys.PreAuthKeys[0].ID != k.ID {
		t.Fatalf("list = %+v", keys.PreAuthKeys)
	}
	if masked := keys.PreAuthKeys[0].Key; !regexp.MustCompile(`^hskey-auth-[A-Za-z0-9]{6}…$`).MatchString(masked) {
		t.Errorf("listed key %q: want hskey-auth- and 6 characters, then …", masked)
	}

	// The console records what it minted, and audits it without the secret.
	rec, err := e.store.GetMintedKey(t.Context(), k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.HeadscaleUser != "alice" || rec.CreatedBy != "otto" || !rec.Reusable || !rec.ExpiresAt.Equal(k.Expiration.Truncate(time.Millisecond)) {
		t.Errorf("minted key record = %+v", rec)
	}
	entries := e.auditEntries(store.AuditFilter{Action: "preauthkey.create"})
	if len(entries) != 1 || entries[0].Outcome != audit.Success || entries[0].Target != "preauthkey:"+strconv.FormatUint(k.ID, 10) || entries[0].Username != "otto" {
		t.Errorf("audit = %+v", entries)
	}
	for _, table := range []string{"audit_log", "minted_keys"} {
		if raw := e.rawTable(table); raw == "" || strings.Contains(raw, secret) {
			t.Errorf("table %s holds the key secret (or nothing):\n%s", table, raw)
		}
	}
	if strings.Contains(e.log.String(), secret) {
		t.Error("the log holds the key secret")
	}
	select {
	case ev := <-events:
		if ev.Type != "preauthkey.created" || strings.Contains(string(ev.Data), secret) {
			t.Errorf("event %s %s: want preauthkey.created without the secret", ev.Type, ev.Data)
		}
	default:
		t.Error("no preauthkey.created event")
	}
	if after := e.metric("neoconsole_preauthkeys_minted_total"); after != mintedBefore+1 {
		t.Errorf("neoconsole_preauthkeys_minted_total went from %v to %v, want +1", mintedBefore, after)
	}

	// A tagged key belongs to no user.
	r = e.do("POST", "/api/v1/preauthkeys", `{"tags":["tag:web","tag:prod-1"],"ephemeral":true}`, bearer(operator.tok)).expect(t, http.StatusCreated)
	got = createdKey{}
	r.json(t, &got)
	if got.PreAuthKey.User != "" || !slices.Equal(got.PreAuthKey.Tags, []string{"tag:web", "tag:prod-1"}) || !got.PreAuthKey.Ephemeral {
		t.Errorf("tagged key = %+v", got.PreAuthKey)
	}
	if d := time.Until(got.PreAuthKey.Expiration); d < 23*time.Hour || d > 25*time.Hour {
		t.Errorf("default expiry is %v away, want the configured 24h", d)
	}
}

func TestCreateKeyValidation(t *testing.T) {
	e := newEnv(t)
	_, operator, _ := e.callers()
	now := time.Now().UTC()
	for _, c := range []struct {
		name, body string
		status     int
	}{
		{"past", `{"user":"alice","expiration":"` + now.Add(-time.Hour).Format(time.RFC3339) + `"}`, 400},
		{"now", `{"user":"alice","expiration":"` + now.Format(time.RFC3339) + `"}`, 400},
		{"too far", `{"user":"alice","expiration":"` + now.Add(366*24*time.Hour).Format(time.RFC3339) + `"}`, 400},
		{"too long", `{"user":"alice","expiresIn":"9000h"}`, 400},
		{"zero duration", `{"user":"alice","expiresIn":"0s"}`, 400},
		{"negative duration", `{"user":"alice","expiresIn":"-1h"}`, 400},
		{"bad duration", `{"user":"alice","expiresIn":"tomorrow"}`, 400},
		{"both expirations", `{"user":"alice","expiresIn":"1h","expiration":"` + now.Add(time.Hour).Format(time.RFC3339) + `"}`, 400},
		{"bad expiration", `{"user":"alice","expiration":"tomorrow"}`, 400},
		{"user and tags", `{"user":"alice","tags":["tag:web"]}`, 400},
		{"neither", `{"reusable":true}`, 400},
		{"uppercase tag", `{"tags":["tag:Web"]}`, 400},
		{"tag without prefix", `{"tags":["web"]}`, 400},
		{"empty tag name", `{"tags":["tag:"]}`, 400},
		{"unknown user", `{"user":"mallory"}`, 404},
	} {
		t.Run(c.name, func(t *testing.T) {
			code := "invalid_request"
			if c.status == 404 {
				code = "not_found"
			}
			e.do("POST", "/api/v1/preauthkeys", c.body, bearer(operator.tok)).problem(t, c.status, code)
		})
	}
	if n := e.fake.Calls("CreatePreAuthKey"); n != 0 {
		t.Errorf("CreatePreAuthKey called %d times for refused requests", n)
	}
	if n := e.fake.Calls("CreateUser"); n != 2 { // alice and bob, seeded
		t.Errorf("CreateUser called %d times: only the default user may be created", n)
	}
	users, _ := e.fake.ListUsers(t.Context())
	for _, u := range users {
		if u.Name == "mallory" {
			t.Error("an unknown user was created")
		}
	}
}

// TestDefaultUser: keys without a user belong to the configured default
// user, which is created in Headscale when missing, once.
func TestDefaultUser(t *testing.T) {
	e := newEnv(t)
	_, operator, _ := e.callers()
	for range 2 {
		r := e.do("POST", "/api/headscale/preauthkeys", `{}`, bearer(operator.tok)).expect(t, http.StatusOK)
		var got struct{ Key, ID string }
		r.json(t, &got)
		id, _ := strconv.ParseUint(got.ID, 10, 64)
		if full, ok := e.fake.FullKey(id); !ok || full != got.Key {
			t.Errorf("seed key %+v is not the full key of id %s", got, got.ID)
		}
		rec, err := e.store.GetMintedKey(t.Context(), id)
		if err != nil || rec.HeadscaleUser != "default" {
			t.Errorf("minted key record %+v, %v: want user default", rec, err)
		}
	}
	users, _ := e.fake.ListUsers(t.Context())
	var names []string
	for _, u := range users {
		names = append(names, u.Name)
	}
	if !slices.Equal(names, []string{"alice", "bob", "default"}) {
		t.Errorf("tailnet users = %v, want default created", names)
	}
	if n := e.fake.Calls("CreateUser"); n != 3 {
		t.Errorf("CreateUser called %d times, want 3 (alice, bob, default once)", n)
	}
	created := e.auditEntries(store.AuditFilter{Action: "user.create"})
	if len(created) != 1 || created[0].Target != "user:default" || created[0].Outcome != audit.Success {
		t.Errorf("user.create audit = %+v", created)
	}
}

func TestKeyMintRateLimit(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Auth.KeyMintRate = 2 })
	_, operator, admin := e.callers()
	ok := `{"user":"alice","expiresIn":"1h"}`
	bad := []string{
		`{"user":"alice","expiresIn":"-1h"}`,
		`{"user":"alice","tags":["tag:x"]}`,
		`{"tags":["tag:NO"]}`,
		`{"user":"nobody"}`,
		`{"user":"alice","expiration":"2001-01-01T00:00:00Z"}`,
		`not json`,
	}
	for _, b := range bad {
		if r := e.do("POST", "/api/v1/preauthkeys", b, bearer(operator.tok)); r.status != 400 && r.status != 404 {
			t.Fatalf("%s: %s, want 400 or 404", b, r)
		}
	}
	e.do("POST", "/api/v1/preauthkeys", ok, bearer(operator.tok)).expect(t, http.StatusCreated)
	e.do("POST", "/api/headscale/machines/register", `{"name":"web-07","user":"alice"}`, bearer(operator.tok)).expect(t, http.StatusOK)
	for _, b := range bad {
		if r := e.do("POST", "/api/v1/preauthkeys", b, bearer(operator.tok)); r.status != 400 && r.status != 404 {
			t.Fatalf("%s: %s, want 400 or 404 before the limit", b, r)
		}
	}
	r := e.do("POST", "/api/v1/preauthkeys", ok, bearer(operator.tok))
	r.problem(t, http.StatusTooManyRequests, "rate_limited")
	if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs < 1 {
		t.Errorf("Retry-After = %q, want ≥ 1", r.header.Get("Retry-After"))
	}
	e.do("POST", "/api/headscale/preauthkeys", `{"user":"alice"}`, bearer(operator.tok)).problem(t, http.StatusTooManyRequests, "rate_limited")
	// The budget is per user.
	e.do("POST", "/api/v1/preauthkeys", ok, bearer(admin.tok)).expect(t, http.StatusCreated)

	if n := e.fake.Calls("CreatePreAuthKey"); n != 3 {
		t.Errorf("CreatePreAuthKey called %d times, want 3", n)
	}
	limited := 0
	for _, a := range e.auditEntries(store.AuditFilter{Action: "preauthkey.create", Username: "otto"}) {
		if a.Outcome == audit.Failure && strings.Contains(a.Detail, "rate limited") {
			limited++
		}
	}
	if limited != 2 {
		t.Errorf("%d rate-limited mints audited, want 2", limited)
	}
}

func TestSeedContract(t *testing.T) {
	e := newEnv(t)
	viewer, operator, _ := e.callers()

	t.Run("register", func(t *testing.T) {
		r := e.do("POST", "/api/headscale/machines/register", `{"name":"web-02"}`, bearer(operator.tok)).expect(t, http.StatusOK)
		m := r.obj(t)
		if got := sortedKeys(m); !slices.Equal(got, []string{"expiresAt", "installCommands", "keyId", "machineKey", "token"}) {
			t.Fatalf("register answered keys %v", got)
		}
		keyID, _ := m["keyId"].(string)
		id, err := strconv.ParseUint(keyID, 10, 64)
		if err != nil {
			t.Fatalf("keyId %#v is not a decimal string", m["keyId"])
		}
		full, _ := e.fake.FullKey(id)
		if m["token"] != full || full == "" {
			t.Errorf("token %v, want the full key %q", m["token"], full)
		}
		exp, err := time.Parse(time.RFC3339, m["expiresAt"].(string))
		if err != nil || time.Until(exp) < 23*time.Hour || time.Until(exp) > 25*time.Hour {
			t.Errorf("expiresAt %v: want about 24 h ahead", m["expiresAt"])
		}
		mk, _ := m["machineKey"].(string)
		if !regexp.MustCompile(`^mkey_[0-9a-f]{32}$`).MatchString(mk) {
			t.Errorf("machineKey %q", mk)
		}
		cmds, _ := m["installCommands"].([]any)
		if len(cmds) == 0 || !strings.Contains(cmds[0].(map[string]any)["command"].(string), "--hostname=web-02") {
			t.Errorf("installCommands %v lack the hostname", cmds)
		}
		rec, err := e.store.GetMintedKey(t.Context(), id)
		if err != nil || rec.Purpose != "register:web-02 "+mk || rec.HeadscaleUser != "default" {
			t.Errorf("minted key record %+v, %v", rec, err)
		}

		r = e.do("POST", "/api/headscale/machines/register", `{"name":"db-03","expiresIn":2}`, bearer(operator.tok)).expect(t, http.StatusOK)
		exp, _ = time.Parse(time.RFC3339, r.obj(t)["expiresAt"].(string))
		if d := time.Until(exp); d < 119*time.Minute || d > 121*time.Minute {
			t.Errorf("expiresIn 2 gave a key expiring in %v", d)
		}
		for _, body := range []string{`{"name":"Web_02"}`, `{}`, `{"name":"web-02","expiresIn":0}`,
			`{"name":"web-02","expiresIn":-1}`, `{"name":"web-02","expiresIn":8761}`, `{"name":"web-02","expiresIn":"1h"}`} {
			e.do("POST", "/api/headscale/machines/register", body, bearer(operator.tok)).problem(t, 400, "invalid_request")
		}
	})

	t.Run("machines", func(t *testing.T) {
		r := e.do("GET", "/api/headscale/machines", nil, bearer(viewer.tok)).expect(t, http.StatusOK)
		var body map[string][]map[string]any
		r.json(t, &body)
		if len(body) != 1 || len(body["machines"]) != 3 {
			t.Fatalf("machines = %s", r.body)
		}
		for _, m := range body["machines"] {
			if got := sortedKeys(m); !slices.Equal(got, []string{"id", "ipAddress", "lastSeen", "name", "os", "status", "user"}) {
				t.Errorf("machine keys %v", got)
			}
		}
		web := body["machines"][0]
		if web["id"] != "101" || web["name"] != "web-01" || web["ipAddress"] != "100.64.0.1" || web["status"] != "connected" ||
			web["user"] != "alice" || web["os"] != "unknown" {
			t.Errorf("web-01 = %v", web)
		}
		if s := body["machines"][1]["status"]; s != "disconnected" {
			t.Errorf("db-01 status %v, want disconnected", s)
		}
	})

	t.Run("delete", func(t *testing.T) {
		r := e.do("DELETE", "/api/headscale/machines/103", nil, bearer(operator.tok)).expect(t, http.StatusOK)
		if strings.TrimSpace(string(r.body)) != `{"success":true}` {
			t.Errorf("delete answered %s", r.body)
		}
		if _, err := e.fake.GetNode(t.Context(), 103); err == nil {
			t.Error("the node is still in Headscale")
		}
		e.do("DELETE", "/api/headscale/machines/103", nil, bearer(operator.tok)).problem(t, 404, "not_found")
		var body map[string][]map[string]any
		e.do("GET", "/api/headscale/machines", nil, bearer(viewer.tok)).json(t, &body)
		if len(body["machines"]) != 2 {
			t.Errorf("machines after delete: %v (the view was not refreshed)", body)
		}
		got := e.auditEntries(store.AuditFilter{Action: "node.delete"})
		if len(got) != 2 || got[1].Outcome != audit.Success || got[0].Outcome != audit.Failure || !strings.Contains(got[1].Detail, `"name":"laptop"`) {
			t.Errorf("node.delete audit = %+v", got)
		}
	})

	t.Run("preauthkeys", func(t *testing.T) {
		r := e.do("POST", "/api/headscale/preauthkeys", `{"reusable":true,"user":"bob"}`, bearer(operator.tok)).expect(t, http.StatusOK)
		m := r.obj(t)
		if got := sortedKeys(m); !slices.Equal(got, []string{"id", "key"}) {
			t.Fatalf("preauthkeys answered keys %v", got)
		}
		id, err := strconv.ParseUint(m["id"].(string), 10, 64)
		full, _ := e.fake.FullKey(id)
		if err != nil || m["key"] != full {
			t.Errorf("answer %v, want the full key of id %v", m, m["id"])
		}
		e.do("POST", "/api/headscale/preauthkeys", `{"tags":["tag:web"]}`, bearer(operator.tok)).problem(t, 400, "invalid_request")
	})
}

// TestSeedRegisterMinimumLifetime: the error message promises a minimum of
// 0.05 hours (3 minutes); the check must keep that promise.
func TestSeedRegisterMinimumLifetime(t *testing.T) {
	e := newEnv(t)
	_, operator, _ := e.callers()
	p := e.do("POST", "/api/headscale/machines/register", `{"name":"web-02","expiresIn":0.01}`, bearer(operator.tok)).problem(t, 400, "invalid_request")
	minimum := regexp.MustCompile(`between ([0-9.]+)`).FindStringSubmatch(p.Detail)
	if minimum == nil {
		t.Fatalf("detail %q names no minimum", p.Detail)
	}
	lo, _ := strconv.ParseFloat(minimum[1], 64)
	below, _ := json.Marshal(lo * 0.8)
	if r := e.do("POST", "/api/headscale/machines/register", `{"name":"web-02","expiresIn":`+string(below)+`}`, bearer(operator.tok)); r.status != 400 {
		t.Errorf("expiresIn %s, below the stated minimum %v, was accepted: status %d", below, lo, r.status)
	}
	at, _ := json.Marshal(lo)
	e.do("POST", "/api/headscale/machines/register", `{"name":"web-02","expiresIn":`+string(at)+`}`, bearer(operator.tok)).expect(t, http.StatusOK)
}
