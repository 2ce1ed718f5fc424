package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/neogenesys/console/config"
	"github.com/neogenesys/console/internal/audit"
	"github.com/neogenesys/console/internal/store"
)

// sessionFrom returns the session cookie a response sets, or nil.
func sessionFrom(r *response) *http.Cookie {
	for _, c := range r.resp.Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	return nil
}

func login(e *env, username, password string, opts ...reqOpt) *response {
	return e.do("POST", "/api/v1/auth/login", map[string]string{"username": username, "password": password}, opts...)
}

func TestLoginAndLogout(t *testing.T) {
	e := newEnv(t)
	u := e.account("lena", store.RoleOperator)

	r := login(e, "lena", testPassword).expect(t, http.StatusOK)
	c := sessionFrom(r)
	if c == nil || c.Value == "" {
		t.Fatalf("login set no session cookie: %q", r.header.Values("Set-Cookie"))
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" {
		t.Errorf("cookie %q: want HttpOnly, SameSite=Lax, Path=/, not Secure over plain HTTP", r.header.Get("Set-Cookie"))
	}
	var body struct {
		User accountJSON `json:"user"`
	}
	r.json(t, &body)
	if body.User.Username != "lena" || body.User.Role != store.RoleOperator || body.User.ID != u.ID {
		t.Errorf("login answered %+v", body.User)
	}

	me := e.do("GET", "/api/v1/auth/me", nil, cookie(c)).expect(t, http.StatusOK).obj(t)
	if me["authMethod"] != "session" || me["user"].(map[string]any)["username"] != "lena" {
		t.Errorf("me = %v", me)
	}
	// The cookie value is stored only as a hash.
	if raw := e.rawTable("sessions"); raw == "" || strings.Contains(raw, c.Value) {
		t.Errorf("sessions table holds the cookie value (or nothing): %q", raw)
	}
	// Unsafe methods work with the cookie from the console's own origin.
	e.do("POST", "/api/v1/nodes/101/rename", `{"name":"web-02"}`, cookie(c), hdr("Sec-Fetch-Site", "same-origin")).expect(t, http.StatusOK)

	out := e.do("POST", "/api/v1/auth/logout", nil, cookie(c), hdr("Origin", e.http.URL)).expect(t, http.StatusOK)
	if cl := sessionFrom(out); cl == nil || cl.MaxAge >= 0 || cl.Value != "" {
		t.Errorf("logout did not clear the cookie: %q", out.header.Values("Set-Cookie"))
	}
	e.do("GET", "/api/v1/auth/me", nil, cookie(c)).problem(t, http.StatusUnauthorized, "unauthenticated")

	logins := e.auditEntries(store.AuditFilter{Action: "auth.*"})
	if len(logins) != 2 || logins[0].Action != "auth.logout" || logins[1].Action != "auth.login" ||
		logins[1].Outcome != audit.Success || logins[1].UserID != u.ID {
		t.Errorf("audit = %+v, want a successful login then a logout by lena", logins)
	}
}

func TestLoginFailures(t *testing.T) {
	e := newEnv(t)
	off := e.account("off", store.RoleAdmin)
	off.Disabled = true
	if _, err := e.store.UpdateUser(t.Context(), off); err != nil {
		t.Fatal(err)
	}
	e.account("lena", store.RoleViewer)
	for _, c := range []struct{ user, pass string }{
		{"lena", "wrong password!"},
		{"nobody", testPassword},
		{"off", testPassword},
	} {
		r := login(e, c.user, c.pass)
		r.problem(t, http.StatusUnauthorized, "invalid_credentials")
		if sessionFrom(r) != nil {
			t.Errorf("%s: a failed login set a cookie", c.user)
		}
	}
	login(e, "lena", "").problem(t, http.StatusBadRequest, "invalid_request")
	login(e, "lena", testPassword, hdr("Sec-Fetch-Site", "cross-site")).problem(t, http.StatusForbidden, "cross_origin")

	failed := e.auditEntries(store.AuditFilter{Action: "auth.login"})
	if len(failed) != 3 {
		t.Fatalf("audit has %d login entries, want 3 failures: %+v", len(failed), failed)
	}
	for _, a := range failed {
		if a.Outcome != audit.Failure || a.SourceIP != "127.0.0.1" {
			t.Errorf("entry %+v: want a failure from 127.0.0.1", a)
		}
		if strings.Contains(a.Detail, testPassword) || strings.Contains(a.Detail, "wrong password!") {
			t.Errorf("entry %+v holds a password", a)
		}
	}
}

func TestSecureCookies(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Auth.SecureCookies = "always" })
	e.account("lena", store.RoleViewer)
	c := sessionFrom(login(e, "lena", testPassword).expect(t, http.StatusOK))
	if c == nil || !c.Secure || !c.HttpOnly {
		t.Fatalf("cookie %+v: want Secure and HttpOnly with secure_cookies=always", c)
	}
	out := e.do("POST", "/api/v1/auth/logout", nil, cookie(c))
	if cl := sessionFrom(out); cl == nil || !cl.Secure {
		t.Errorf("the clearing cookie is not Secure: %q", out.header.Values("Set-Cookie"))
	}
}

func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Auth.LoginRate = 3 })
	e.account("lena", store.RoleViewer)
	for range 3 {
		login(e, "nobody", "not the password").problem(t, http.StatusUnauthorized, "invalid_credentials")
	}
	r := login(e, "lena", testPassword)
	r.problem(t, http.StatusTooManyRequests, "rate_limited")
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 60 {
		t.Errorf("Retry-After = %q, want whole seconds in [1, 60]", r.header.Get("Retry-After"))
	}
	if sessionFrom(r) != nil {
		t.Error("a rate-limited login set a cookie")
	}
	// Another route is not limited.
	e.do("GET", "/healthz", nil).expect(t, http.StatusOK)
	if n := len(e.auditEntries(store.AuditFilter{Action: "auth.login"})); n != 3 {
		t.Errorf("%d login entries, want 3 (refused attempts are not audited)", n)
	}
}

// TestAccountChangesEndSessions: disabling an account or changing its role
// ends its sessions at once; a disabled account's tokens stop working.
func TestAccountChangesEndSessions(t *testing.T) {
	e := newEnv(t)
	_, _, admin := e.callers()
	for i, change := range []string{`{"disabled":true}`, `{"role":"operator"}`, `{"password":"another long password"}`} {
		t.Run(change, func(t *testing.T) {
			u := e.account("u"+strconv.Itoa(i), store.RoleViewer)
			tok := e.token(u)
			c := e.session(u)
			e.do("GET", "/api/v1/auth/me", nil, cookie(c)).expect(t, http.StatusOK)
			e.do("PATCH", fmt.Sprintf("/api/v1/accounts/%d", u.ID), change, bearer(admin.tok)).expect(t, http.StatusOK)
			e.do("GET", "/api/v1/auth/me", nil, cookie(c)).problem(t, http.StatusUnauthorized, "unauthenticated")
			wantTok := http.StatusOK
			if change == `{"disabled":true}` {
				wantTok = http.StatusUnauthorized
			}
			e.do("GET", "/api/v1/auth/me", nil, bearer(tok)).expect(t, wantTok)
			got := e.auditEntries(store.AuditFilter{Action: "account.update", Target: "account:" + u.Username})
			if len(got) != 1 || got[0].Outcome != audit.Success || strings.Contains(got[0].Detail, "another long password") {
				t.Errorf("audit = %+v", got)
			}
		})
	}
	// A role change takes effect for tokens at once.
	op := e.account("promoted", store.RoleViewer)
	tok := e.token(op)
	e.do("POST", "/api/v1/nodes/101/expire", nil, bearer(tok)).problem(t, http.StatusForbidden, "forbidden")
	e.do("PATCH", fmt.Sprintf("/api/v1/accounts/%d", op.ID), `{"role":"operator"}`, bearer(admin.tok)).expect(t, http.StatusOK)
	e.do("POST", "/api/v1/nodes/101/expire", nil, bearer(tok)).expect(t, http.StatusOK)

	e.do("PATCH", fmt.Sprintf("/api/v1/accounts/%d", op.ID), `{"role":"root"}`, bearer(admin.tok)).problem(t, 400, "invalid_request")
	e.do("PATCH", fmt.Sprintf("/api/v1/accounts/%d", op.ID), `{"password":"short"}`, bearer(admin.tok)).problem(t, 400, "invalid_request")
}

func TestKeepAnAdmin(t *testing.T) {
	e := newEnv(t)
	_, _, admin := e.callers()
	self := fmt.Sprintf("/api/v1/accounts/%d", admin.ID)
	for _, body := range []string{`{"disabled":true}`, `{"role":"operator"}`, `{"role":"viewer","disabled":false}`} {
		e.do("PATCH", self, body, bearer(admin.tok)).problem(t, http.StatusConflict, "conflict")
	}
	e.do("DELETE", self, nil, bearer(admin.tok)).problem(t, http.StatusConflict, "conflict")
	if u, err := e.store.GetUser(t.Context(), admin.ID); err != nil || u.Role != store.RoleAdmin || u.Disabled {
		t.Fatalf("the last admin was changed: %+v, %v", u, err)
	}

	// A disabled admin does not count.
	other := e.account("other", store.RoleAdmin)
	e.do("PATCH", fmt.Sprintf("/api/v1/accounts/%d", other.ID), `{"disabled":true}`, bearer(admin.tok)).expect(t, http.StatusOK)
	e.do("PATCH", self, `{"role":"operator"}`, bearer(admin.tok)).problem(t, http.StatusConflict, "conflict")

	// With another active admin, the first may step down.
	e.do("PATCH", fmt.Sprintf("/api/v1/accounts/%d", other.ID), `{"disabled":false}`, bearer(admin.tok)).expect(t, http.StatusOK)
	e.do("PATCH", self, `{"role":"operator"}`, bearer(admin.tok)).expect(t, http.StatusOK)
	e.do("GET", "/api/v1/accounts", nil, bearer(admin.tok)).problem(t, http.StatusForbidden, "forbidden")
}
