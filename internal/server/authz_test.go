package server

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/internal/store"
)

// wantRoles is who may call each route. A route added to the table without
// an entry here fails TestRouteRoles: decide its role, then add it.
var wantRoles = map[string]store.Role{
	"GET /healthz":          public,
	"GET /readyz":           public,
	"GET /metrics":          public,
	"GET /api/openapi.json": public,
	"GET /":                 public,

	"POST /api/v1/auth/login":  public,
	"GET /api/v1/setup":        public,
	"POST /api/v1/setup":       public, // guarded by the one-time setup token, and only while no admin exists
	"POST /api/v1/auth/logout": store.RoleViewer,
	"GET /api/v1/auth/me":      store.RoleViewer,

	"POST /api/headscale/machines/register":  store.RoleOperator,
	"GET /api/headscale/machines":            store.RoleViewer,
	"DELETE /api/headscale/machines/{id}":    store.RoleOperator,
	"POST /api/headscale/preauthkeys":        store.RoleOperator,
	"GET /api/v1/nodes":                      store.RoleViewer,
	"GET /api/v1/nodes/{id}":                 store.RoleViewer,
	"POST /api/v1/nodes/{id}/rename":         store.RoleOperator,
	"PUT /api/v1/nodes/{id}/tags":            store.RoleOperator,
	"PUT /api/v1/nodes/{id}/routes":          store.RoleOperator,
	"POST /api/v1/nodes/{id}/exit-node":      store.RoleOperator,
	"POST /api/v1/nodes/{id}/expire":         store.RoleOperator,
	"POST /api/v1/nodes/{id}/disable-expiry": store.RoleOperator,
	"DELETE /api/v1/nodes/{id}":              store.RoleOperator,
	"POST /api/v1/logins/{authId}/approve":   store.RoleOperator,
	"POST /api/v1/logins/{authId}/reject":    store.RoleOperator,
	"GET /api/v1/preauthkeys":                store.RoleViewer,
	"POST /api/v1/preauthkeys":               store.RoleOperator,
	"POST /api/v1/preauthkeys/{id}/expire":   store.RoleOperator,
	"DELETE /api/v1/preauthkeys/{id}":        store.RoleOperator,
	"GET /api/v1/users":                      store.RoleViewer,
	"POST /api/v1/users":                     store.RoleAdmin,
	"POST /api/v1/users/{id}/rename":         store.RoleAdmin,
	"DELETE /api/v1/users/{id}":              store.RoleAdmin,
	"GET /api/v1/policy":                     store.RoleViewer,
	"POST /api/v1/policy/check":              store.RoleOperator,
	"PUT /api/v1/policy":                     store.RoleAdmin,
	"GET /api/v1/accounts":                   store.RoleAdmin,
	"POST /api/v1/accounts":                  store.RoleAdmin,
	"PATCH /api/v1/accounts/{id}":            store.RoleAdmin,
	"DELETE /api/v1/accounts/{id}":           store.RoleAdmin,
	"GET /api/v1/tokens":                     store.RoleViewer,
	"POST /api/v1/tokens":                    store.RoleViewer,
	"DELETE /api/v1/tokens/{id}":             store.RoleViewer,
	"GET /api/v1/clouds":                     store.RoleViewer,
	"POST /api/v1/clouds":                    store.RoleAdmin,
	"GET /api/v1/clouds/{id}":                store.RoleViewer,
	"PATCH /api/v1/clouds/{id}":              store.RoleAdmin,
	"DELETE /api/v1/clouds/{id}":             store.RoleAdmin,
	"POST /api/v1/clouds/{id}/check":         store.RoleAdmin,
	"GET /api/v1/clouds/kinds":               store.RoleViewer,
	"POST /api/v1/clouds/check":              store.RoleAdmin,
	"POST /api/v1/clouds/{id}/sync":          store.RoleOperator,
	"GET /api/v1/clouds/{id}/syncs":          store.RoleViewer,
	"GET /api/v1/clouds/{id}/vms":            store.RoleViewer,
	"GET /api/v1/vms":                        store.RoleViewer,
	"GET /api/v1/vms/{id}":                   store.RoleViewer,
	"POST /api/v1/vms/{id}/start":            store.RoleOperator,
	"POST /api/v1/vms/{id}/stop":             store.RoleOperator,
	"POST /api/v1/vms/{id}/reboot":           store.RoleOperator,
	"POST /api/v1/vms/{id}/enroll":           store.RoleOperator,
	"GET /api/v1/overview":                   store.RoleViewer,
	"GET /api/v1/proxmox/clusters":           store.RoleViewer,
	"GET /install/{token}":                   public, // the one-time link is the credential
	"GET /api/v1/audit":                      store.RoleViewer,
	"GET /api/v1/headscale":                  store.RoleViewer,
	"GET /api/v1/settings/headscale":         store.RoleViewer,
	"PUT /api/v1/settings/headscale":         store.RoleAdmin,
	"GET /api/v1/audit/export":               store.RoleViewer,
	"GET /api/v1/events":                     store.RoleViewer,
}

// wantPublic is the whole anonymous surface.
var wantPublic = []string{
	"GET /", "GET /api/openapi.json", "GET /api/v1/setup", "GET /healthz", "GET /install/{token}", "GET /metrics", "GET /readyz",
	"POST /api/v1/auth/login", "POST /api/v1/setup",
}

func TestRouteRoles(t *testing.T) {
	s := &Server{}
	seen := map[string]bool{}
	var gotPublic []string
	for _, rt := range s.routes() {
		p := rt.Pattern()
		if seen[p] {
			t.Errorf("route %s appears twice", p)
		}
		seen[p] = true
		if rt.Role != public && !rt.Role.Valid() {
			t.Errorf("route %s has role %q: want public, viewer, operator or admin", p, rt.Role)
		}
		if rt.Role == public {
			gotPublic = append(gotPublic, p)
		}
		want, ok := wantRoles[p]
		switch {
		case !ok:
			t.Errorf("route %s (role %q) is not in wantRoles: decide who may call it and add it", p, rt.Role)
		case want != rt.Role:
			t.Errorf("route %s has role %q, want %q", p, rt.Role, want)
		}
		if rt.handle == nil {
			t.Errorf("route %s has no handler", p)
		}
		if rt.Summary == "" {
			t.Errorf("route %s has no summary", p)
		}
		if !isSafeMethod(rt.Method) && rt.Role == public && p != "POST /api/v1/auth/login" && p != "POST /api/v1/setup" {
			t.Errorf("route %s changes state but is public", p)
		}
	}
	for p := range wantRoles {
		if !seen[p] {
			t.Errorf("wantRoles has %s, which the route table lacks", p)
		}
	}
	slices.Sort(gotPublic)
	if !slices.Equal(gotPublic, wantPublic) {
		t.Errorf("public routes = %v, want exactly %v", gotPublic, wantPublic)
	}
}

var wildcardRE = regexp.MustCompile(`\{([^}]+)\}`)

// TestAuthorizationMatrix calls every route of the table as every kind of
// caller and checks who gets in.
func TestAuthorizationMatrix(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	viewer, operator, admin := e.callers()

	// Targets the routes may change or delete without hurting the callers.
	victim := e.account("victim", store.RoleViewer)
	_, spare, err := e.srv.Auth.CreateToken(ctx, admin.ID, "spare", 0)
	if err != nil {
		t.Fatal(err)
	}
	revokedOwner := e.account("gone", store.RoleAdmin)
	revoked, revokedInfo, err := e.srv.Auth.CreateToken(ctx, revokedOwner.ID, "revoked", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.RevokeToken(ctx, revokedInfo.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	carol, err := e.fake.CreateUser(ctx, "carol", "", "")
	if err != nil {
		t.Fatal(err)
	}
	key, err := e.fake.CreatePreAuthKey(ctx, headscale.KeyRequest{UserID: carol.ID, Expiration: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	adminCookie := e.session(admin.User)
	cloud := e.cloud("matrix")

	idFor := map[string]string{
		"/api/headscale/machines/": strconv.Itoa(seedLaptop),
		"/api/v1/nodes/":           strconv.Itoa(seedLaptop),
		"/api/v1/preauthkeys/":     strconv.FormatUint(key.ID, 10),
		"/api/v1/users/":           strconv.FormatUint(carol.ID, 10),
		"/api/v1/accounts/":        strconv.FormatInt(victim.ID, 10),
		"/api/v1/tokens/":          strconv.FormatInt(spare.ID, 10),
		"/api/v1/clouds/":          strconv.FormatInt(cloud.ID, 10),
		"/api/v1/vms/":             strconv.FormatInt(e.srv.Inventory.Snapshot().All()[0].Key, 10),
	}
	concrete := func(path string) string {
		return wildcardRE.ReplaceAllStringFunc(path, func(w string) string {
			prefix := path[:strings.Index(path, w)]
			if w == "{authId}" {
				return "AbCdEf0123456789"
			}
			if w == "{token}" {
				return "no-such-install-link-token-0123456789"
			}
			if id, ok := idFor[prefix]; ok && w == "{id}" {
				return id
			}
			t.Fatalf("the matrix has no value for %s in %s: add one to idFor", w, path)
			return ""
		})
	}

	type who struct {
		name string
		rank int // 0: anonymous or invalid
		opts []reqOpt
		safe bool // also for safe methods
	}
	callers := []who{
		{"anonymous", 0, nil, true},
		{"revoked token", 0, []reqOpt{bearer(revoked)}, true},
		{"malformed authorization", 0, []reqOpt{hdr("Authorization", "Basic YWRhOnB3")}, true},
		{"viewer", 1, []reqOpt{bearer(viewer.tok)}, true},
		{"operator", 2, []reqOpt{bearer(operator.tok)}, true},
		{"admin", 3, []reqOpt{bearer(admin.tok)}, true},
		{"admin cookie, same origin", 3, []reqOpt{cookie(adminCookie), hdr("Sec-Fetch-Site", "same-origin")}, true},
	}
	for _, rt := range e.srv.routes() {
		path := concrete(rt.Path)
		t.Run(rt.Pattern(), func(t *testing.T) {
			var body any
			if !isSafeMethod(rt.Method) {
				body = map[string]any{}
			}
			for _, c := range callers {
				if rt.Pattern() == "POST /api/v1/auth/logout" && c.name == "admin cookie, same origin" {
					continue // would end the session the other rows use; see TestLogout
				}
				r := e.do(rt.Method, path, body, c.opts...)
				switch {
				case rt.Role == public:
					if r.status == http.StatusUnauthorized || r.status == http.StatusForbidden {
						t.Errorf("%s: public route answered %s", c.name, r)
					}
				case c.rank == 0:
					r.problem(t, http.StatusUnauthorized, "unauthenticated")
				case c.rank < rt.Role.Rank():
					r.problem(t, http.StatusForbidden, "forbidden")
				default:
					if r.status == http.StatusUnauthorized || r.status == http.StatusForbidden {
						t.Errorf("%s (rank %d) refused: %s", c.name, c.rank, r)
					}
				}
				if r.status == http.StatusInternalServerError {
					t.Errorf("%s: internal error: %s", c.name, r)
				}
			}
			if isSafeMethod(rt.Method) {
				return
			}
			// A browser request from another site riding the session cookie.
			for _, h := range [][2]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
				r := e.do(rt.Method, path, body, cookie(adminCookie), hdr(h[0], h[1]))
				r.problem(t, http.StatusForbidden, "cross_origin")
			}
			// A bearer token is not a browser's ambient credential.
			if rt.Role != public {
				r := e.do(rt.Method, path, body, bearer(admin.tok), hdr("Sec-Fetch-Site", "cross-site"))
				if r.status == http.StatusForbidden || r.status == http.StatusUnauthorized {
					t.Errorf("bearer token from another site refused: %s", r)
				}
			}
		})
	}
	// The cookie still works: nothing above ended the admin's session.
	e.do("GET", "/api/v1/auth/me", nil, cookie(adminCookie)).expect(t, http.StatusOK)
}
