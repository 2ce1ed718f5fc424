package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/internal/tailnet"
)

func TestProblems(t *testing.T) {
	e := newEnv(t)
	viewer, operator, admin := e.callers()
	big := `{"name":"` + strings.Repeat("a", int(e.srv.Config.HTTP.MaxBodyBytes)) + `"}`
	cases := []struct {
		name         string
		method, path string
		body         any
		opts         []reqOpt
		status       int
		code         string
		detail       string // substring of the detail
	}{
		{"unknown API route", "GET", "/api/v1/nope", nil, nil, 404, "not_found", ""},
		{"unknown page", "GET", "/no/such/page", nil, nil, 404, "not_found", ""},
		{"POST to an unknown route", "POST", "/api/v1/nope", `{}`, []reqOpt{bearer(admin.tok)}, 405, "method_not_allowed", "GET"},
		{"wrong method", "DELETE", "/api/v1/nodes", nil, []reqOpt{bearer(admin.tok)}, 405, "method_not_allowed", ""},
		{"body too large", "POST", "/api/v1/users", big, []reqOpt{bearer(admin.tok)}, 413, "body_too_large", "limit"},
		{"trailing bytes past the limit", "POST", "/api/v1/users",
			`{"name":"erin"}` + strings.Repeat(" ", int(e.srv.Config.HTTP.MaxBodyBytes)), []reqOpt{bearer(admin.tok)}, 413, "body_too_large", ""},
		{"text/plain", "POST", "/api/v1/users", `{"name":"erin"}`, []reqOpt{bearer(admin.tok), hdr("Content-Type", "text/plain")}, 415, "unsupported_media_type", "application/json"},
		{"form", "POST", "/api/v1/nodes/101/rename", `name=x`, []reqOpt{bearer(operator.tok), hdr("Content-Type", "application/x-www-form-urlencoded")}, 415, "unsupported_media_type", ""},
		{"bad media type", "POST", "/api/v1/users", `{"name":"erin"}`, []reqOpt{bearer(admin.tok), hdr("Content-Type", "application/")}, 415, "unsupported_media_type", ""},
		{"unknown field", "POST", "/api/v1/users", `{"name":"erin","admin":true}`, []reqOpt{bearer(admin.tok)}, 400, "invalid_request", `unknown field "admin"`},
		{"wrong type", "POST", "/api/v1/users", `{"name":42}`, []reqOpt{bearer(admin.tok)}, 400, "invalid_request", `field "name" must be a string`},
		{"wrong type bool", "POST", "/api/v1/nodes/101/exit-node", `{"enabled":"yes"}`, []reqOpt{bearer(operator.tok)}, 400, "invalid_request", `field "enabled" must be true or false`},
		{"wrong type array", "PUT", "/api/v1/nodes/101/tags", `{"tags":"tag:web"}`, []reqOpt{bearer(operator.tok)}, 400, "invalid_request", `field "tags" must be an array`},
		{"trailing data", "POST", "/api/v1/users", `{"name":"erin"} {"name":"frank"}`, []reqOpt{bearer(admin.tok)}, 400, "invalid_request", "single JSON object"},
		{"trailing garbage", "POST", "/api/v1/users", `{"name":"erin"}x`, []reqOpt{bearer(admin.tok)}, 400, "invalid_request", "single JSON object"},
		{"empty body", "POST", "/api/v1/users", ``, []reqOpt{bearer(admin.tok)}, 400, "invalid_request", "empty"},
		{"no body", "POST", "/api/v1/nodes/101/rename", nil, []reqOpt{bearer(operator.tok)}, 400, "invalid_request", "empty"},
		{"malformed", "POST", "/api/v1/users", `{"name":`, []reqOpt{bearer(admin.tok)}, 400, "invalid_request", "malformed JSON"},
		{"syntax error", "POST", "/api/v1/users", `{name: "x"}`, []reqOpt{bearer(admin.tok)}, 400, "invalid_request", "malformed JSON at byte"},
		{"array body", "POST", "/api/v1/users", `[]`, []reqOpt{bearer(admin.tok)}, 400, "invalid_request", "JSON object"},
		{"non-numeric node id", "GET", "/api/v1/nodes/abc", nil, []reqOpt{bearer(viewer.tok)}, 404, "not_found", "abc"},
		{"zero node id", "GET", "/api/v1/nodes/0", nil, []reqOpt{bearer(viewer.tok)}, 404, "not_found", ""},
		{"negative node id", "POST", "/api/v1/nodes/-1/expire", nil, []reqOpt{bearer(operator.tok)}, 404, "not_found", ""},
		{"huge node id", "DELETE", "/api/v1/nodes/99999999999999999999999", nil, []reqOpt{bearer(operator.tok)}, 404, "not_found", ""},
		{"missing node", "GET", "/api/v1/nodes/999", nil, []reqOpt{bearer(viewer.tok)}, 404, "not_found", ""},
		{"missing node delete", "DELETE", "/api/v1/nodes/999", nil, []reqOpt{bearer(operator.tok)}, 404, "not_found", ""},
		{"missing machine", "DELETE", "/api/headscale/machines/999", nil, []reqOpt{bearer(operator.tok)}, 404, "not_found", ""},
		{"missing key", "DELETE", "/api/v1/preauthkeys/999", nil, []reqOpt{bearer(operator.tok)}, 404, "not_found", ""},
		{"bad account id", "DELETE", "/api/v1/accounts/x1", nil, []reqOpt{bearer(admin.tok)}, 404, "not_found", ""},
		{"huge account id", "PATCH", "/api/v1/accounts/9223372036854775807", `{}`, []reqOpt{bearer(admin.tok)}, 404, "not_found", ""},
		{"missing account", "PATCH", "/api/v1/accounts/4242", `{}`, []reqOpt{bearer(admin.tok)}, 404, "not_found", ""},
		{"bad token id", "DELETE", "/api/v1/tokens/abc", nil, []reqOpt{bearer(viewer.tok)}, 404, "not_found", ""},
		{"bad user id", "POST", "/api/v1/users/0/rename", `{"name":"x"}`, []reqOpt{bearer(admin.tok)}, 404, "not_found", ""},
		{"duplicate tailnet user", "POST", "/api/v1/users", `{"name":"alice"}`, []reqOpt{bearer(admin.tok)}, 409, "conflict", ""},
		{"invalid policy", "PUT", "/api/v1/policy", `{"policy":"not json"}`, []reqOpt{bearer(admin.tok)}, 400, "invalid_policy", "parsing policy"},
		{"no credentials", "GET", "/api/v1/nodes", nil, nil, 401, "unauthenticated", ""},
		{"unknown token", "GET", "/api/v1/nodes", nil, []reqOpt{bearer("nct_not-a-real-token")}, 401, "unauthenticated", ""},
		{"unknown session", "GET", "/api/v1/nodes", nil, []reqOpt{hdr("Cookie", sessionCookie+"=nope")}, 401, "unauthenticated", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do(c.method, c.path, c.body, c.opts...)
			p := r.problem(t, c.status, c.code)
			if !strings.Contains(p.Detail, c.detail) {
				t.Errorf("detail %q does not mention %q", p.Detail, c.detail)
			}
			if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("headers %v lack nosniff or no-store", r.header)
			}
		})
	}
	if n := e.fake.Calls("CreateUser"); n != 3 { // alice, bob at seeding; the duplicate alice
		t.Errorf("CreateUser called %d times, want 3: a refused body must not reach Headscale", n)
	}
	if n := e.fake.Calls("RenameNode"); n != 0 {
		t.Errorf("RenameNode called %d times, want 0", n)
	}
}

func TestUnauthenticatedClearsStaleCookie(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/api/v1/auth/me", nil, hdr("Cookie", sessionCookie+"=stale"))
	r.problem(t, http.StatusUnauthorized, "unauthenticated")
	var cleared bool
	for _, c := range r.resp.Cookies() {
		cleared = cleared || (c.Name == sessionCookie && c.MaxAge < 0)
	}
	if !cleared {
		t.Errorf("a refused session cookie is not cleared: Set-Cookie %q", r.header.Values("Set-Cookie"))
	}
}

func TestHeadscaleErrors(t *testing.T) {
	e := newEnv(t)
	viewer, operator, admin := e.callers()

	t.Run("not found", func(t *testing.T) {
		e.do("POST", "/api/v1/nodes/999/rename", `{"name":"x"}`, bearer(operator.tok)).problem(t, 404, "not_found")
		e.do("POST", "/api/v1/preauthkeys/999/expire", nil, bearer(operator.tok)).problem(t, 404, "not_found")
		e.do("POST", "/api/v1/users/999/rename", `{"name":"zed"}`, bearer(admin.tok)).problem(t, 404, "not_found")
	})

	t.Run("invalid argument", func(t *testing.T) {
		// A user that still has nodes: the fake refuses like Headscale.
		e.do("DELETE", "/api/v1/users/1", nil, bearer(admin.tok)).problem(t, 400, "invalid_request")
	})

	t.Run("down", func(t *testing.T) {
		e.do("GET", "/readyz", nil).expect(t, http.StatusOK)
		e.fake.SetDown(true)
		defer e.fake.SetDown(false)
		for _, c := range []struct{ method, path, body string }{
			{"POST", "/api/v1/nodes/101/rename", `{"name":"web-02"}`},
			{"DELETE", "/api/v1/nodes/103", ""},
			{"POST", "/api/v1/nodes/101/expire", ""},
			{"POST", "/api/v1/preauthkeys", `{"user":"alice"}`},
			{"POST", "/api/headscale/machines/register", `{"name":"web-09"}`},
			{"PUT", "/api/v1/policy", `{"policy":"{}"}`},
			{"GET", "/api/v1/users", ""},
		} {
			var body any
			if c.body != "" {
				body = c.body
			}
			p := e.do(c.method, c.path, body, bearer(admin.tok)).problem(t, 503, "headscale_unavailable")
			if p.RecoveryHint == "" {
				t.Errorf("%s %s: no recovery hint", c.method, c.path)
			}
		}
		r := e.do("GET", "/readyz", nil).expect(t, http.StatusServiceUnavailable)
		m := r.obj(t)
		if checks, _ := m["checks"].(map[string]any); m["status"] != "not ready" || checks["headscale"] != "unavailable" || checks["store"] != "ok" {
			t.Errorf("/readyz while Headscale is down = %v", m)
		}
		e.do("GET", "/healthz", nil).expect(t, http.StatusOK)
		// The view still serves its recent snapshot.
		e.do("GET", "/api/v1/nodes", nil, bearer(viewer.tok)).expect(t, http.StatusOK)
		if strings.Contains(e.log.String(), "level=ERROR") {
			t.Errorf("an unavailable Headscale is logged as an error:\n%s", e.log)
		}
	})

	t.Run("stale view", func(t *testing.T) {
		e.fake.SetDown(true)
		defer e.fake.SetDown(false)
		// A view whose refreshes fail becomes unavailable after its max age;
		// simulate it with a fresh, never-loaded view.
		old := e.srv.Nodes
		defer func() { e.srv.Nodes = old }()
		e.srv.Nodes = newStaleView(e)
		e.do("GET", "/api/v1/nodes", nil, bearer(viewer.tok)).problem(t, 503, "headscale_unavailable")
		e.do("GET", "/api/headscale/machines", nil, bearer(viewer.tok)).problem(t, 503, "headscale_unavailable")
	})

	t.Run("unauthenticated", func(t *testing.T) {
		e.fake.Fail("ListUsers", &headscale.Error{Op: "ListUsers", Kind: headscale.ErrUnauthenticated,
			Message: "validating token: invalid", Err: errors.New("rpc error")})
		defer e.fake.Fail("ListUsers", nil)
		p := e.do("GET", "/api/v1/users", nil, bearer(viewer.tok)).problem(t, 502, "headscale_auth_failed")
		if p.RecoveryHint == "" {
			t.Error("no recovery hint")
		}
		e.do("POST", "/api/headscale/preauthkeys", `{}`, bearer(operator.tok)).problem(t, 502, "headscale_auth_failed")
	})

	t.Run("unclassified", func(t *testing.T) {
		e.fake.Fail("GetPolicy", &headscale.Error{Op: "GetPolicy", Message: "something odd", Err: errors.New("x")})
		defer e.fake.Fail("GetPolicy", nil)
		p := e.do("GET", "/api/v1/policy", nil, bearer(viewer.tok)).problem(t, 502, "headscale_error")
		if !strings.Contains(p.Detail, "something odd") {
			t.Errorf("detail %q lacks Headscale's message", p.Detail)
		}
	})

	t.Run("not a headscale error", func(t *testing.T) {
		e.fake.Fail("GetPolicy", errors.New("secret internal detail"))
		defer e.fake.Fail("GetPolicy", nil)
		p := e.do("GET", "/api/v1/policy", nil, bearer(viewer.tok)).problem(t, 500, "internal")
		if strings.Contains(p.Detail, "secret internal detail") {
			t.Errorf("internal error leaks its cause: %q", p.Detail)
		}
		if !strings.Contains(e.log.String(), "secret internal detail") {
			t.Error("an internal error is not logged")
		}
	})
}

// newStaleView is a view that has never loaded: its reads fail as a stale
// one's do.
func newStaleView(e *env) *tailnet.View {
	return tailnet.NewView(e.fake, e.hub, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Second)
}

// A request its client abandoned is not a server fault: nothing is logged
// at error level (closed tabs and aborted fetches would flood the log).
func TestClientCancelIsNotAnError(t *testing.T) {
	cases := []struct {
		name      string
		cancel    bool
		err       error
		wantError bool
	}{
		{"client gone", true, fmt.Errorf("store: get session: %w", context.Canceled), false},
		{"server fault", false, errors.New("disk on fire"), true},
		{"canceled but the client is still there", false, fmt.Errorf("x: %w", context.Canceled), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf strings.Builder
			log := slog.New(slog.NewTextHandler(&buf, nil))
			ctx, cancel := context.WithCancel(context.Background())
			if c.cancel {
				cancel()
			}
			defer cancel()
			r := httptest.NewRequestWithContext(ctx, "GET", "/api/v1/auth/me", nil)
			writeError(httptest.NewRecorder(), r, log, c.err)
			if got := strings.Contains(buf.String(), "level=ERROR"); got != c.wantError {
				t.Fatalf("logged at error level = %v, want %v: %s", got, c.wantError, buf.String())
			}
		})
	}
}
