package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/neogenesys/console/config"
	"github.com/neogenesys/console/internal/audit"
	"github.com/neogenesys/console/internal/auth"
	"github.com/neogenesys/console/internal/store"
)

func TestTokensAPI(t *testing.T) {
	e := newEnv(t)
	viewer, _, admin := e.callers()

	r := e.do("POST", "/api/v1/tokens", `{"name":"laptop","expiresIn":"1h"}`, bearer(viewer.tok)).expect(t, http.StatusCreated)
	var created struct {
		Token string    `json:"token"`
		Info  tokenJSON `json:"info"`
	}
	r.json(t, &created)
	if !strings.HasPrefix(created.Token, auth.TokenPrefix) || created.Info.UserID != viewer.ID || created.Info.ExpiresAt == nil ||
		!strings.HasPrefix(created.Token, created.Info.Prefix) {
		t.Fatalf("created token = %+v", created)
	}
	me := e.do("GET", "/api/v1/auth/me", nil, bearer(created.Token)).expect(t, http.StatusOK).obj(t)
	if me["authMethod"] != "token" {
		t.Errorf("me = %v", me)
	}
	list := e.do("GET", "/api/v1/tokens", nil, bearer(viewer.tok)).expect(t, http.StatusOK)
	if strings.Contains(string(list.body), created.Token) || strings.Contains(string(list.body), created.Token[len(created.Info.Prefix):]) {
		t.Fatalf("the token list holds a secret: %s", list.body)
	}
	var toks struct {
		Tokens []tokenJSON `json:"tokens"`
	}
	list.json(t, &toks)
	if len(toks.Tokens) != 2 { // the helper's and laptop
		t.Errorf("viewer sees %d tokens, want their own 2", len(toks.Tokens))
	}
	e.do("GET", "/api/v1/tokens?all=true", nil, bearer(viewer.tok)).problem(t, 403, "forbidden")
	e.do("GET", "/api/v1/tokens?all=yes", nil, bearer(viewer.tok)).problem(t, 400, "invalid_request")
	toks.Tokens = nil
	e.do("GET", "/api/v1/tokens?all=true", nil, bearer(admin.tok)).expect(t, http.StatusOK).json(t, &toks)
	if len(toks.Tokens) != 4 { // one per caller, plus laptop
		t.Errorf("admin sees %d tokens with all=true, want 4", len(toks.Tokens))
	}

	// Tokens for others: admins only.
	e.do("POST", "/api/v1/tokens", `{"name":"x","username":"ada"}`, bearer(viewer.tok)).problem(t, 403, "forbidden")
	e.do("POST", "/api/v1/tokens", `{"name":"for-vera","username":"vera"}`, bearer(admin.tok)).expect(t, http.StatusCreated)
	e.do("POST", "/api/v1/tokens", `{"name":"x","username":"nobody"}`, bearer(admin.tok)).problem(t, 404, "not_found")
	e.do("POST", "/api/v1/tokens", `{"name":"laptop"}`, bearer(viewer.tok)).problem(t, 409, "conflict")
	for _, body := range []string{`{"name":""}`, `{"name":"x","expiresIn":"-1h"}`, `{"name":"x","expiresIn":"soon"}`} {
		e.do("POST", "/api/v1/tokens", body, bearer(viewer.tok)).problem(t, 400, "invalid_request")
	}

	// Revoking: one's own, or anyone's for admins; others' look missing.
	adminTokens, _ := e.store.ListTokens(t.Context(), admin.ID)
	e.do("DELETE", fmt.Sprintf("/api/v1/tokens/%d", adminTokens[0].ID), nil, bearer(viewer.tok)).problem(t, 404, "not_found")
	e.do("DELETE", fmt.Sprintf("/api/v1/tokens/%d", created.Info.ID), nil, bearer(viewer.tok)).expect(t, http.StatusOK)
	e.do("GET", "/api/v1/auth/me", nil, bearer(created.Token)).problem(t, 401, "unauthenticated")
	e.do("DELETE", "/api/v1/tokens/99999", nil, bearer(admin.tok)).problem(t, 404, "not_found")
	viewerTokens, _ := e.store.ListTokens(t.Context(), viewer.ID)
	for _, tk := range viewerTokens {
		if tk.Name == "for-vera" {
			e.do("DELETE", fmt.Sprintf("/api/v1/tokens/%d", tk.ID), nil, bearer(admin.tok)).expect(t, http.StatusOK)
		}
	}
	if n := len(e.auditEntries(store.AuditFilter{Action: "token.revoke"})); n != 2 {
		t.Errorf("%d token.revoke entries, want 2", n)
	}
	if raw := e.rawTable("audit_log"); strings.Contains(raw, created.Token) {
		t.Error("the audit trail holds a token")
	}
}

func TestAccountsAPI(t *testing.T) {
	e := newEnv(t)
	_, _, admin := e.callers()
	r := e.do("POST", "/api/v1/accounts", `{"username":"newbie","role":"viewer"}`, bearer(admin.tok)).expect(t, http.StatusCreated)
	m := r.obj(t)
	pw, _ := m["password"].(string)
	if len(pw) != 20 {
		t.Fatalf("a generated password was not returned: %v", m)
	}
	acc := m["account"].(map[string]any)
	if acc["username"] != "newbie" || acc["role"] != "viewer" || acc["disabled"] != false {
		t.Errorf("account = %v", acc)
	}
	login(e, "newbie", pw).expect(t, http.StatusOK)

	r = e.do("POST", "/api/v1/accounts", `{"username":"chosen","password":"a chosen password","role":"operator"}`, bearer(admin.tok)).expect(t, http.StatusCreated)
	if _, ok := r.obj(t)["password"]; ok {
		t.Error("a chosen password is echoed back")
	}
	for _, c := range []struct {
		body   string
		status int
		code   string
	}{
		{`{"username":"newbie","role":"viewer"}`, 409, "conflict"},
		{`{"username":"bad name","role":"viewer"}`, 400, "invalid_request"},
		{`{"username":"x","role":"root"}`, 400, "invalid_request"},
		{`{"username":"x","role":""}`, 400, "invalid_request"},
		{`{"username":"x","password":"short","role":"viewer"}`, 400, "invalid_request"},
	} {
		e.do("POST", "/api/v1/accounts", c.body, bearer(admin.tok)).problem(t, c.status, c.code)
	}
	var accounts struct {
		Accounts []accountJSON `json:"accounts"`
	}
	e.do("GET", "/api/v1/accounts", nil, bearer(admin.tok)).expect(t, http.StatusOK).json(t, &accounts)
	var names []string
	for _, a := range accounts.Accounts {
		names = append(names, a.Username)
	}
	if strings.Join(names, ",") != "ada,chosen,newbie,otto,vera" {
		t.Errorf("accounts = %v", names)
	}
	if raw := e.rawTable("audit_log"); strings.Contains(raw, pw) || strings.Contains(raw, "a chosen password") {
		t.Error("the audit trail holds a password")
	}
	failed := e.auditEntries(store.AuditFilter{Action: "account.create", Target: "account:newbie"})
	if len(failed) != 2 || failed[0].Outcome != audit.Failure || failed[1].Outcome != audit.Success {
		t.Errorf("account.create audit for newbie = %+v", failed)
	}

	newbie, _ := e.store.GetUserByName(t.Context(), "newbie")
	e.do("DELETE", fmt.Sprintf("/api/v1/accounts/%d", newbie.ID), nil, bearer(admin.tok)).expect(t, http.StatusOK)
	login(e, "newbie", pw).problem(t, 401, "invalid_credentials")
	e.do("DELETE", fmt.Sprintf("/api/v1/accounts/%d", newbie.ID), nil, bearer(admin.tok)).problem(t, 404, "not_found")
}

func TestTailnetUsersAPI(t *testing.T) {
	e := newEnv(t)
	viewer, _, admin := e.callers()
	r := e.do("POST", "/api/v1/users", `{"name":"carol","displayName":"Carol","email":"carol@example.com"}`, bearer(admin.tok)).expect(t, http.StatusCreated)
	u := r.obj(t)["user"].(map[string]any)
	if u["name"] != "carol" || u["displayName"] != "Carol" {
		t.Errorf("created user = %v", u)
	}
	id := uint64(u["id"].(float64))
	for _, body := range []string{`{"name":"c"}`, `{"name":"1carol"}`, `{"name":"ca rol"}`, `{"name":"` + strings.Repeat("c", 64) + `"}`,
		`{"name":"dave","displayName":"` + strings.Repeat("d", 129) + `"}`} {
		e.do("POST", "/api/v1/users", body, bearer(admin.tok)).problem(t, 400, "invalid_request")
	}
	e.do("POST", fmt.Sprintf("/api/v1/users/%d/rename", id), `{"name":"caroline"}`, bearer(admin.tok)).expect(t, http.StatusOK)
	e.do("POST", fmt.Sprintf("/api/v1/users/%d/rename", id), `{"name":"bob"}`, bearer(admin.tok)).problem(t, 409, "conflict")
	e.do("POST", fmt.Sprintf("/api/v1/users/%d/rename", id), `{"name":"-x"}`, bearer(admin.tok)).problem(t, 400, "invalid_request")
	var users struct {
		Users []map[string]any `json:"users"`
	}
	e.do("GET", "/api/v1/users", nil, bearer(viewer.tok)).expect(t, http.StatusOK).json(t, &users)
	if len(users.Users) != 3 || users.Users[2]["name"] != "caroline" {
		t.Errorf("users = %v", users.Users)
	}
	e.do("DELETE", fmt.Sprintf("/api/v1/users/%d", id), nil, bearer(admin.tok)).expect(t, http.StatusOK)
	e.do("DELETE", fmt.Sprintf("/api/v1/users/%d", id), nil, bearer(admin.tok)).problem(t, 404, "not_found")
	if n := e.fake.Calls("CreateUser"); n != 3 {
		t.Errorf("CreateUser called %d times, want 3 (2 seeded, carol)", n)
	}
}

func TestPolicyAPI(t *testing.T) {
	e := newEnv(t)
	viewer, operator, admin := e.callers()
	events, stop := e.hub.Subscribe()
	defer stop()
	const doc = `{ // HuJSON
  "acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}],
}`
	e.do("POST", "/api/v1/policy/check", map[string]string{"policy": doc}, bearer(operator.tok)).expect(t, http.StatusOK)
	p := e.do("POST", "/api/v1/policy/check", `{"policy":"acls = []"}`, bearer(operator.tok)).problem(t, 400, "invalid_policy")
	if !strings.Contains(p.Detail, "parsing policy") || p.RecoveryHint == "" {
		t.Errorf("invalid policy problem = %+v, want Headscale's explanation and a hint", p)
	}
	e.do("POST", "/api/v1/policy/check", `{}`, bearer(operator.tok)).problem(t, 400, "invalid_request")
	e.do("POST", "/api/v1/policy/check", map[string]string{"policy": "{" + strings.Repeat(" ", maxPolicyBytes) + "}"}, bearer(operator.tok)).problem(t, 400, "invalid_request")
	if n := e.fake.Calls("SetPolicy"); n != 0 {
		t.Fatalf("checking saved the policy (%d SetPolicy calls)", n)
	}
	// A policy larger than max_body_bytes but within the policy limit is taken.
	large := "{" + strings.Repeat(" ", int(e.srv.Config.HTTP.MaxBodyBytes)) + "}"
	if len(large) < maxPolicyBytes {
		e.do("POST", "/api/v1/policy/check", map[string]string{"policy": large}, bearer(operator.tok)).expect(t, http.StatusOK)
	}

	r := e.do("PUT", "/api/v1/policy", map[string]string{"policy": doc}, bearer(admin.tok)).expect(t, http.StatusOK)
	if got := r.obj(t); got["policy"] != doc {
		t.Errorf("saved policy = %v", got)
	}
	got := e.do("GET", "/api/v1/policy", nil, bearer(viewer.tok)).expect(t, http.StatusOK).obj(t)
	if got["policy"] != doc || got["updatedAt"] == "" {
		t.Errorf("policy = %v", got)
	}
	e.do("PUT", "/api/v1/policy", `{"policy":"nope"}`, bearer(admin.tok)).problem(t, 400, "invalid_policy")
	entries := e.auditEntries(store.AuditFilter{Action: "policy.set"})
	if len(entries) != 2 || entries[0].Outcome != audit.Failure || entries[1].Outcome != audit.Success {
		t.Errorf("policy.set audit = %+v", entries)
	}
	select {
	case ev := <-events:
		if ev.Type != "policy.updated" {
			t.Errorf("event %s, want policy.updated", ev.Type)
		}
	case <-time.After(time.Second):
		t.Error("no policy.updated event")
	}
}

func TestKeyExpireAndDelete(t *testing.T) {
	e := newEnv(t)
	viewer, operator, _ := e.callers()
	var created createdKey
	e.do("POST", "/api/v1/preauthkeys", `{"user":"bob"}`, bearer(operator.tok)).expect(t, http.StatusCreated).json(t, &created)
	id := created.PreAuthKey.ID
	r := e.do("POST", fmt.Sprintf("/api/v1/preauthkeys/%d/expire", id), nil, bearer(operator.tok)).expect(t, http.StatusOK)
	if strings.TrimSpace(string(r.body)) != `{"success":true}` {
		t.Errorf("expire answered %s", r.body)
	}
	var keys struct {
		PreAuthKeys []keyJSON `json:"preAuthKeys"`
	}
	e.do("GET", "/api/v1/preauthkeys", nil, bearer(viewer.tok)).json(t, &keys)
	if len(keys.PreAuthKeys) != 1 || !keys.PreAuthKeys[0].Expired {
		t.Errorf("keys after expire = %+v", keys.PreAuthKeys)
	}
	e.do("DELETE", fmt.Sprintf("/api/v1/preauthkeys/%d", id), nil, bearer(operator.tok)).expect(t, http.StatusOK)
	e.do("DELETE", fmt.Sprintf("/api/v1/preauthkeys/%d", id), nil, bearer(operator.tok)).problem(t, 404, "not_found")
	e.do("POST", "/api/v1/preauthkeys/abc/expire", nil, bearer(operator.tok)).problem(t, 404, "not_found")
	var actions []string
	for _, a := range e.auditEntries(store.AuditFilter{Action: "preauthkey.*"}) {
		actions = append(actions, a.Action+" "+a.Outcome)
	}
	if strings.Join(actions, ",") != "preauthkey.delete failure,preauthkey.delete success,preauthkey.expire success,preauthkey.create success" {
		t.Errorf("audit = %v", actions)
	}
}

func TestHeadscaleStatusAndPages(t *testing.T) {
	e := newEnv(t)
	viewer, _, _ := e.callers()
	m := e.do("GET", "/api/v1/headscale", nil, bearer(viewer.tok)).expect(t, http.StatusOK).obj(t)
	if m["health"] != "ok" || m["connection"].(map[string]any)["loginServer"] != loginServer {
		t.Errorf("status = %v", m)
	}
	e.fake.SetDown(true)
	m = e.do("GET", "/api/v1/headscale", nil, bearer(viewer.tok)).expect(t, http.StatusOK).obj(t)
	if m["health"] == "ok" {
		t.Errorf("status while down = %v", m)
	}
	e.fake.SetDown(false)

	r := e.do("GET", "/", nil).expect(t, http.StatusOK)
	if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.body), "test") {
		t.Errorf("/ = %s %s", r.header.Get("Content-Type"), r.body)
	}
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if !strings.Contains(r.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", r.header.Get("Content-Security-Policy"))
	}
	doc := e.do("GET", "/api/openapi.json", nil).expect(t, http.StatusOK).obj(t)
	if doc["openapi"] == nil {
		t.Error("openapi.json has no openapi field")
	}
	e.do("GET", "/healthz", nil).expect(t, http.StatusOK)
}

func TestPublicURLIsSameOrigin(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.HTTP.PublicURL = "https://console.example.com/" })
	_, _, admin := e.callers()
	c := e.session(admin.User)
	e.do("POST", "/api/v1/nodes/101/expire", nil, cookie(c), hdr("Origin", "https://console.example.com")).expect(t, http.StatusOK)
	e.do("POST", "/api/v1/nodes/101/expire", nil, cookie(c), hdr("Origin", "https://evil.example.com")).problem(t, 403, "cross_origin")
	secure := sessionFrom(login(e, "ada", testPassword).expect(t, http.StatusOK))
	if secure == nil || !secure.Secure {
		t.Errorf("with an https public_url the cookie is not Secure: %+v", secure)
	}
}

func TestRecoverer(t *testing.T) {
	e := newEnv(t)
	h := e.srv.recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("kaboom") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	r := &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	p := r.problem(t, 500, "internal")
	if strings.Contains(p.Detail, "kaboom") || !strings.Contains(e.log.String(), "kaboom") {
		t.Errorf("panic: detail %q, log %q; want it logged, not shown", p.Detail, e.log)
	}
}

// TestForwardedForAcrossHeaderLines: a proxy may add its own
// X-Forwarded-For line after the one the client sent (HAProxy's
// option forwardfor does). The lines form one list; the client's own line
// must not be taken for the proxy's.
func TestForwardedForAcrossHeaderLines(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.HTTP.TrustedProxies = []string{"127.0.0.1/32"} })
	_, operator, _ := e.callers()
	spoof := func(r *http.Request) {
		r.Header.Add("X-Forwarded-For", "198.51.100.66") // sent by the client
		r.Header.Add("X-Forwarded-For", "203.0.113.9")   // added by the proxy
	}
	e.do("POST", "/api/v1/nodes/101/expire", nil, bearer(operator.tok), spoof).expect(t, http.StatusOK)
	if got := e.auditEntries(store.AuditFilter{Action: "node.expire"})[0].SourceIP; got != "203.0.113.9" {
		t.Errorf("source IP %q, want the proxy's hop 203.0.113.9 (the client chose 198.51.100.66)", got)
	}
}

// TestTruncatedTextIsUTF8: names echoed into messages and the audit trail
// are cut at 40 bytes; a cut inside a character makes text that PostgreSQL
// refuses to store (and JSON mangles).
func TestTruncatedTextIsUTF8(t *testing.T) {
	for _, s := range []string{strings.Repeat("a", 39) + "é", strings.Repeat("é", 30), strings.Repeat("ü", 20) + "x", "日本語のユーザー名はとても長いかもしれません"} {
		if got := truncateForMessage(s); !utf8.ValidString(got) {
			t.Errorf("truncateForMessage(%q) = %q: not valid UTF-8", s, got)
		}
	}
}
