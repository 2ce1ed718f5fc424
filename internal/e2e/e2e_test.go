// Package e2e holds whole-system tests: the real neoconsole binary with a
// real managed Headscale, real tailscaled clients enrolling with keys the
// console minted, and the CLI driving it all.
package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neogenesys/console/headscale/headscaletest"
	"github.com/neogenesys/console/internal/consoletest"
	"github.com/neogenesys/console/internal/store/pgtest"
)

func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("whole-system test: runs a real Headscale and tailscaled; run without -short (make test does)")
	}
}

type machine struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	IPAddress string    `json:"ipAddress"`
	Status    string    `json:"status"`
	LastSeen  time.Time `json:"lastSeen"`
	OS        string    `json:"os"`
	User      string    `json:"user"`
}

func machines(t *testing.T, c *consoletest.Console) []machine {
	t.Helper()
	r := c.Do(t, "GET", "/api/headscale/machines", c.AdminToken, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /api/headscale/machines = %d %s", r.Status, r.Body)
	}
	var out struct{ Machines []machine }
	r.JSON(t, &out)
	return out.Machines
}

// waitFor polls cond every 100 ms until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func mintSeedKey(t *testing.T, c *consoletest.Console, body map[string]any) (key, id string) {
	t.Helper()
	r := c.Do(t, "POST", "/api/headscale/preauthkeys", c.AdminToken, body)
	if r.Status != http.StatusOK {
		t.Fatalf("POST /api/headscale/preauthkeys = %d %s", r.Status, r.Body)
	}
	var out struct{ Key, ID string }
	r.JSON(t, &out)
	if !strings.HasPrefix(out.Key, "hskey-auth-") || out.ID == "" {
		t.Fatalf("POST /api/headscale/preauthkeys = %s, want {key: hskey-auth-…, id}", r.Body)
	}
	return out.Key, out.ID
}

func mintV1Key(t *testing.T, c *consoletest.Console, body map[string]any) (key string, id uint64) {
	t.Helper()
	r := c.Do(t, "POST", "/api/v1/preauthkeys", c.AdminToken, body)
	if r.Status != http.StatusCreated {
		t.Fatalf("POST /api/v1/preauthkeys = %d %s", r.Status, r.Body)
	}
	var out struct {
		PreAuthKey struct {
			ID  uint64
			Key string
		}
	}
	r.JSON(t, &out)
	return out.PreAuthKey.Key, out.PreAuthKey.ID
}

func backendState(t *testing.T, m *headscaletest.Machine) string {
	t.Helper()
	out, err := m.Run(10*time.Second, "status", "--json")
	if err != nil && !strings.HasPrefix(strings.TrimSpace(out), "{") {
		return "error: " + out
	}
	var st struct{ BackendState string }
	_ = json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &st)
	return st.BackendState
}

// TestEnrollmentLifecycle is the newcomer's path: mint keys through the seed
// contract and /api/v1, enroll three real machines, see them connected, then
// rename, tag, expire and revoke them, and find every step in the audit.
func TestEnrollmentLifecycle(t *testing.T) {
	skipShort(t)
	c := consoletest.Start(t)

	seedKey, _ := mintSeedKey(t, c, map[string]any{"reusable": false, "ephemeral": false,
		"expiration": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	v1Key, _ := mintV1Key(t, c, map[string]any{"user": "default", "expiresIn": "1h"})
	r := c.Do(t, "POST", "/api/headscale/machines/register", c.AdminToken, map[string]any{"name": "db-01", "expiresIn": 2})
	if r.Status != http.StatusOK {
		t.Fatalf("POST /api/headscale/machines/register = %d %s", r.Status, r.Body)
	}
	var reg struct {
		Token, MachineKey string
		ExpiresAt         time.Time
		InstallCommands   []struct{ OS, Command string }
	}
	r.JSON(t, &reg)
	if !strings.HasPrefix(reg.MachineKey, "mkey_") || time.Until(reg.ExpiresAt) < 119*time.Minute || len(reg.InstallCommands) < 6 {
		t.Fatalf("register answer = %s; want machineKey mkey_…, expiresAt in 2h, install commands", r.Body)
	}
	if !strings.Contains(reg.InstallCommands[0].Command, "--authkey="+reg.Token) || !strings.Contains(reg.InstallCommands[0].Command, "--login-server="+c.LoginServer) {
		t.Errorf("linux install command %q lacks the key or login server", reg.InstallCommands[0].Command)
	}

	names := []string{"web-01", "web-02", "db-01"}
	keys := []string{seedKey, v1Key, reg.Token}
	ms := make([]*headscaletest.Machine, 3)
	var wg sync.WaitGroup
	for i := range names {
		ms[i] = headscaletest.StartMachine(t, names[i])
		wg.Add(1)
		go func() {
			defer wg.Done()
			if out, err := ms[i].Up(c.LoginServer, keys[i]); err != nil {
				t.Errorf("tailscale up %s: %v\n%s\ntailscaled: %s", names[i], err, out, ms[i].Log())
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	byName := map[string]machine{}
	waitFor(t, 10*time.Second, "three machines connected in GET /api/headscale/machines", func() bool {
		clear(byName)
		for _, m := range machines(t, c) {
			if m.Status == "connected" {
				byName[m.Name] = m
			}
		}
		return len(byName) == 3
	})
	for _, n := range names {
		m := byName[n]
		if m.User != "default" || !strings.HasPrefix(m.IPAddress, "100.64.") || m.ID == "" {
			t.Errorf("machine %s = %+v; want user default and a 100.64/10 address", n, m)
		}
	}

	// The CLI sees the same tailnet.
	out, err := c.Run("nodes", "list", "--online", "--token", c.AdminToken)
	if err != nil || !strings.Contains(out, "web-01") || !strings.Contains(out, "db-01") {
		t.Errorf("neoconsole nodes list --online: %v\n%s", err, out)
	}

	web1, web2, db1 := byName["web-01"].ID, byName["web-02"].ID, byName["db-01"].ID
	if r := c.Do(t, "POST", "/api/v1/nodes/"+web1+"/rename", c.AdminToken, map[string]any{"name": "frontend-01"}); r.Status != http.StatusOK {
		t.Errorf("rename = %d %s", r.Status, r.Body)
	}
	// Headscale only accepts tags its policy defines: without one, a clear refusal.
	r = c.Do(t, "PUT", "/api/v1/nodes/"+web2+"/tags", c.AdminToken, map[string]any{"tags": []string{"tag:web"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "not permitted") {
		t.Errorf("tagging with an undefined tag = %d %s, want 400 naming the refusal", r.Status, r.Body)
	}
	policy := `{"tagOwners": {"tag:web": ["default@"]}, "acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]}`
	if r := c.Do(t, "POST", "/api/v1/policy/check", c.AdminToken, map[string]any{"policy": `{"acls": [`}); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "invalid_policy") {
		t.Errorf("check a broken policy = %d %s, want 400 invalid_policy", r.Status, r.Body)
	}
	if r := c.Do(t, "PUT", "/api/v1/policy", c.AdminToken, map[string]any{"policy": policy}); r.Status != http.StatusOK {
		t.Fatalf("set policy = %d %s", r.Status, r.Body)
	}
	if r := c.Do(t, "PUT", "/api/v1/nodes/"+web2+"/tags", c.AdminToken, map[string]any{"tags": []string{"tag:web"}}); r.Status != http.StatusOK {
		t.Errorf("set tags = %d %s", r.Status, r.Body)
	}
	var node struct {
		Node struct {
			Name    string
			Tags    []string
			Expired bool
		}
	}
	c.Do(t, "GET", "/api/v1/nodes/"+web1, c.AdminToken, nil).JSON(t, &node)
	if node.Node.Name != "frontend-01" {
		t.Errorf("after rename, node %s is named %q", web1, node.Node.Name)
	}
	c.Do(t, "GET", "/api/v1/nodes/"+web2, c.AdminToken, nil).JSON(t, &node)
	if !slices.Contains(node.Node.Tags, "tag:web") {
		t.Errorf("after tagging, node %s has tags %v", web2, node.Node.Tags)
	}

	// Expire db-01: Headscale logs the machine out.
	if out, err := c.Run("nodes", "expire", db1, "--token", c.AdminToken); err != nil {
		t.Fatalf("neoconsole nodes expire: %v\n%s", err, out)
	}
	waitFor(t, 20*time.Second, "the expired machine's client to log out (NeedsLogin)", func() bool {
		return backendState(t, ms[2]) == "NeedsLogin"
	})
	c.Do(t, "GET", "/api/v1/nodes/"+db1, c.AdminToken, nil).JSON(t, &node)
	if !node.Node.Expired {
		t.Errorf("node %s not marked expired after expire", db1)
	}

	// Revoke web-02 through the seed contract: gone from Headscale.
	r = c.Do(t, "DELETE", "/api/headscale/machines/"+web2, c.AdminToken, nil)
	if r.Status != http.StatusOK || strings.TrimSpace(string(r.Body)) != `{"success":true}` {
		t.Fatalf("DELETE /api/headscale/machines/%s = %d %s", web2, r.Status, r.Body)
	}
	if r := c.Do(t, "GET", "/api/v1/nodes/"+web2, c.AdminToken, nil); r.Status != http.StatusNotFound {
		t.Errorf("GET revoked node = %d %s, want 404", r.Status, r.Body)
	}
	for _, m := range machines(t, c) {
		if m.ID == web2 {
			t.Errorf("revoked machine %s still listed", web2)
		}
	}

	// Every step is in the audit trail.
	var trail struct {
		Entries []struct{ Action, Target, Outcome, User string }
	}
	c.Do(t, "GET", "/api/v1/audit?limit=1000", c.AdminToken, nil).JSON(t, &trail)
	want := map[string]int{"preauthkey.create": 3, "node.rename": 1, "node.tags": 1, "node.expire": 1, "node.delete": 1, "policy.set": 1}
	got := map[string]int{}
	for _, e := range trail.Entries {
		if e.Outcome == "success" && e.User == "admin" {
			got[e.Action]++
		}
	}
	for action, n := range want {
		if got[action] != n {
			t.Errorf("audit has %d successful %s by admin, want %d (all: %v)", got[action], action, n, got)
		}
	}
	out, err = c.Run("audit", "list", "--action", "node.*", "--token", c.AdminToken)
	if err != nil || !strings.Contains(out, "node.delete") || !strings.Contains(out, "node:"+web2) {
		t.Errorf("neoconsole audit list --action node.*: %v\n%s", err, out)
	}
}

// TestKeyRules: a single-use key works once, an expired key not at all, and an
// ephemeral node leaves the tailnet when its client logs out.
func TestKeyRules(t *testing.T) {
	skipShort(t)
	c := consoletest.Start(t)

	single, _ := mintSeedKey(t, c, map[string]any{"reusable": false, "ephemeral": false})
	m1 := headscaletest.StartMachine(t, "once-a")
	if out, err := m1.Up(c.LoginServer, single); err != nil {
		t.Fatalf("first use of a single-use key: %v\n%s", err, out)
	}
	m2 := headscaletest.StartMachine(t, "once-b")
	if out, err := m2.Run(20*time.Second, "up", "--login-server="+c.LoginServer, "--authkey="+single, "--hostname=once-b", "--timeout=15s"); err == nil {
		t.Errorf("second use of a single-use key succeeded:\n%s", out)
	}

	expiring, id := mintV1Key(t, c, map[string]any{"user": "default", "expiresIn": "1h"})
	if out, err := c.Run("keys", "expire", strconv.FormatUint(id, 10), "--token", c.AdminToken); err != nil {
		t.Fatalf("neoconsole keys expire: %v\n%s", err, out)
	}
	m3 := headscaletest.StartMachine(t, "late")
	if out, err := m3.Run(20*time.Second, "up", "--login-server="+c.LoginServer, "--authkey="+expiring, "--hostname=late", "--timeout=15s"); err == nil {
		t.Errorf("enrollment with an expired key succeeded:\n%s", out)
	}

	// An ephemeral node, minted through the CLI.
	out, err := c.Run("keys", "create", "--user", "default", "--ephemeral", "--expiration", "1h", "--token", c.AdminToken)
	if err != nil {
		t.Fatalf("neoconsole keys create --ephemeral: %v\n%s", err, out)
	}
	eph := strings.SplitN(out, "\n", 2)[0]
	m4 := headscaletest.StartMachine(t, "ephemeral")
	if out, err := m4.Up(c.LoginServer, eph); err != nil {
		t.Fatalf("enroll ephemeral: %v\n%s", err, out)
	}
	hasNode := func(name string) bool {
		for _, m := range machines(t, c) {
			if m.Name == name {
				return true
			}
		}
		return false
	}
	waitFor(t, 10*time.Second, "the ephemeral node to appear", func() bool { return hasNode("ephemeral") })
	if out, err := m4.Run(20*time.Second, "logout"); err != nil {
		t.Fatalf("tailscale logout: %v\n%s", err, out)
	}
	waitFor(t, 15*time.Second, "the ephemeral node to leave after logout", func() bool { return !hasNode("ephemeral") })
	if !hasNode("once-a") {
		t.Errorf("the non-ephemeral node once-a is gone too")
	}
}

// TestAccessControl: roles, anonymous callers and cross-site requests.
func TestAccessControl(t *testing.T) {
	skipShort(t)
	c := consoletest.Start(t)
	viewer := c.Account(t, "vera", "viewer")
	operator := c.Account(t, "otto", "operator")
	keyBody := map[string]any{"user": "default", "expiresIn": "1h"}

	tests := []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      string
	}{
		{"anonymous list", "GET", "/api/v1/nodes", "", nil, 401, "unauthenticated"},
		{"anonymous mint", "POST", "/api/v1/preauthkeys", "", keyBody, 401, "unauthenticated"},
		{"bad token", "GET", "/api/v1/nodes", "nct_not-a-token", nil, 401, "unauthenticated"},
		{"viewer reads", "GET", "/api/v1/nodes", viewer, nil, 200, ""},
		{"viewer cannot mint", "POST", "/api/v1/preauthkeys", viewer, keyBody, 403, "forbidden"},
		{"viewer cannot mint (seed)", "POST", "/api/headscale/preauthkeys", viewer, map[string]any{}, 403, "forbidden"},
		{"viewer cannot revoke", "DELETE", "/api/headscale/machines/1", viewer, nil, 403, "forbidden"},
		{"operator mints", "POST", "/api/v1/preauthkeys", operator, keyBody, 201, ""},
		{"operator cannot set policy", "PUT", "/api/v1/policy", operator, map[string]any{"policy": "{}"}, 403, "forbidden"},
		{"operator cannot create accounts", "POST", "/api/v1/accounts", operator, map[string]any{"username": "x", "role": "admin"}, 403, "forbidden"},
		{"unknown field", "POST", "/api/v1/preauthkeys", operator, map[string]any{"user": "default", "colour": "red"}, 400, "invalid_request"},
		{"bad id", "DELETE", "/api/v1/nodes/abc", operator, nil, 404, "not_found"},
		{"malformed json", "POST", "/api/v1/preauthkeys", operator, `{"user":`, 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.Do(t, tt.method, tt.path, tt.token, tt.body)
			if r.Status != tt.status {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, r.Status, r.Body, tt.status)
			}
			if tt.code != "" {
				var p struct{ Code string }
				r.JSON(t, &p)
				if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" || p.Code != tt.code {
					t.Errorf("answer %s (%s), want problem+json with code %q", r.Body, ct, tt.code)
				}
			}
		})
	}

	// A browser session: signed in, same-origin POST works, cross-site POST is refused.
	pw := "correct horse battery"
	r := c.Do(t, "POST", "/api/v1/accounts", c.AdminToken, map[string]any{"username": "bea", "password": pw, "role": "operator"})
	if r.Status != http.StatusCreated {
		t.Fatalf("create account = %d %s", r.Status, r.Body)
	}
	r = c.Do(t, "POST", "/api/v1/auth/login", "", map[string]any{"username": "bea", "password": pw})
	if r.Status != http.StatusOK {
		t.Fatalf("login = %d %s", r.Status, r.Body)
	}
	var cookie string
	for _, sc := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(sc, "neoconsole_session=") {
			cookie = strings.SplitN(sc, ";", 2)[0]
			if !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") {
				t.Errorf("session cookie %q lacks HttpOnly or SameSite=Lax", sc)
			}
		}
	}
	if cookie == "" {
		t.Fatalf("login set no session cookie: %v", r.Header)
	}
	if r := c.Do(t, "POST", "/api/v1/preauthkeys", "", keyBody, "Cookie", cookie, "Sec-Fetch-Site", "same-origin", "Origin", c.URL); r.Status != http.StatusCreated {
		t.Errorf("same-origin POST with the session = %d %s, want 201", r.Status, r.Body)
	}
	r = c.Do(t, "POST", "/api/v1/preauthkeys", "", keyBody, "Cookie", cookie, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "cross_origin") {
		t.Errorf("cross-site POST with the session = %d %s, want 403 cross_origin", r.Status, r.Body)
	}
	r = c.Do(t, "POST", "/api/v1/auth/login", "", map[string]any{"username": "bea", "password": "wrong password!"})
	if r.Status != http.StatusUnauthorized {
		t.Errorf("login with a wrong password = %d, want 401", r.Status)
	}
	if r := c.Do(t, "POST", "/api/v1/auth/logout", "", nil, "Cookie", cookie, "Origin", c.URL); r.Status != http.StatusOK {
		t.Errorf("logout = %d %s", r.Status, r.Body)
	}
	if r := c.Do(t, "GET", "/api/v1/auth/me", "", nil, "Cookie", cookie); r.Status != http.StatusUnauthorized {
		t.Errorf("after logout, GET /auth/me with the old cookie = %d, want 401", r.Status)
	}
}

// TestHeadscaleKilled: while the managed Headscale is down the API answers
// 503 headscale_unavailable and /readyz fails; both recover by themselves.
func TestHeadscaleKilled(t *testing.T) {
	skipShort(t)
	c := consoletest.Start(t)
	var st struct {
		Connection struct {
			Managed struct{ PID, Restarts int }
		}
	}
	c.Do(t, "GET", "/api/v1/headscale", c.AdminToken, nil).JSON(t, &st)
	pid := st.Connection.Managed.PID
	if pid == 0 {
		t.Fatalf("GET /api/v1/headscale gave no managed pid")
	}
	if out, err := c.Run("keys", "list", "--token", c.AdminToken); err != nil {
		t.Fatalf("keys list before the kill: %v\n%s", err, out)
	}
	if err := killPID(pid); err != nil {
		t.Fatal(err)
	}
	var saw503, sawNotReady bool
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) && !(saw503 && sawNotReady) {
		r := c.Do(t, "GET", "/api/v1/preauthkeys", c.AdminToken, nil)
		if r.Status == http.StatusServiceUnavailable {
			var p struct{ Code string }
			r.JSON(t, &p)
			if p.Code != "headscale_unavailable" || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("503 answer = %s, want problem+json code headscale_unavailable", r.Body)
			}
			saw503 = true
		}
		if r := c.Do(t, "GET", "/readyz", "", nil); r.Status == http.StatusServiceUnavailable {
			sawNotReady = true
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !saw503 || !sawNotReady {
		t.Fatalf("after killing headscale: saw 503=%v, /readyz failing=%v", saw503, sawNotReady)
	}
	waitFor(t, 30*time.Second, "the API and /readyz to recover", func() bool {
		return c.Do(t, "GET", "/api/v1/preauthkeys", c.AdminToken, nil).Status == http.StatusOK &&
			c.Do(t, "GET", "/readyz", "", nil).Status == http.StatusOK
	})
	c.Do(t, "GET", "/api/v1/headscale", c.AdminToken, nil).JSON(t, &st)
	if st.Connection.Managed.Restarts < 1 || st.Connection.Managed.PID == pid {
		t.Errorf("managed status after recovery = %+v, want a restart and a new pid", st.Connection.Managed)
	}
	if out, err := c.Run("keys", "create", "--user", "default", "--token", c.AdminToken); err != nil {
		t.Errorf("minting after recovery: %v\n%s", err, out)
	}

	// A clean shutdown stops the managed Headscale too.
	newPID := st.Connection.Managed.PID
	c.Stop()
	if alive(newPID) {
		t.Errorf("managed headscale (pid %d) still runs after the console stopped", newPID)
	}
}

// TestConsoleOnPostgres runs the console on PostgreSQL, as replicas do.
func TestConsoleOnPostgres(t *testing.T) {
	skipShort(t)
	dsn := pgtest.Start(t)
	c := consoletest.Start(t, consoletest.WithEnv("NEOCONSOLE_STORE_DRIVER=postgres", "NEOCONSOLE_STORE_POSTGRES_DSN="+dsn))
	key, _ := mintV1Key(t, c, map[string]any{"user": "default", "expiresIn": "1h"})
	m := headscaletest.StartMachine(t, "pg-node")
	if out, err := m.Up(c.LoginServer, key); err != nil {
		t.Fatalf("tailscale up: %v\n%s", err, out)
	}
	waitFor(t, 10*time.Second, "pg-node connected", func() bool {
		for _, m := range machines(t, c) {
			if m.Name == "pg-node" && m.Status == "connected" {
				return true
			}
		}
		return false
	})
	var trail struct{ Entries []struct{ Action string } }
	c.Do(t, "GET", "/api/v1/audit?action=preauthkey.*", c.AdminToken, nil).JSON(t, &trail)
	if len(trail.Entries) != 1 {
		t.Errorf("audit on PostgreSQL has %d preauthkey entries, want 1", len(trail.Entries))
	}
}

// TestPendingLogin: a machine that runs `tailscale up` without a key waits
// with an auth id; the admin approves it with the CLI and it joins.
func TestPendingLogin(t *testing.T) {
	skipShort(t)
	c := consoletest.Start(t)
	m := headscaletest.StartMachine(t, "laptop")
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := m.Run(60*time.Second, "up", "--login-server="+c.LoginServer, "--hostname=laptop", "--timeout=55s")
		done <- result{out, err}
	}()
	var authURL string
	waitFor(t, 20*time.Second, "tailscale to print its register URL", func() bool {
		out, _ := m.Run(5*time.Second, "status", "--json")
		var st struct{ AuthURL string }
		if i := strings.Index(out, "{"); i >= 0 {
			_ = json.Unmarshal([]byte(out[i:]), &st)
		}
		authURL = st.AuthURL
		return strings.Contains(authURL, "/register/")
	})
	authID := authURL[strings.LastIndex(authURL, "/")+1:]

	if out, err := c.Run("logins", "approve", "not-an-id!", "--user", "default", "--token", c.AdminToken); err == nil {
		t.Errorf("approving a malformed auth id succeeded: %s", out)
	}
	if r := c.Do(t, "POST", "/api/v1/users", c.AdminToken, map[string]any{"name": "alice"}); r.Status != http.StatusCreated {
		t.Fatalf("create tailnet user = %d %s", r.Status, r.Body)
	}
	if out, err := c.Run("logins", "approve", authURL, "--user", "alice", "--token", c.AdminToken); err != nil {
		t.Fatalf("neoconsole logins approve: %v\n%s", err, out)
	}
	select {
	case res := <-done:
		if res.err != nil {
			t.Fatalf("tailscale up after approval: %v\n%s", res.err, res.out)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("tailscale up did not finish after approval")
	}
	waitFor(t, 10*time.Second, "laptop connected as alice", func() bool {
		for _, m := range machines(t, c) {
			if m.Name == "laptop" && m.User == "alice" && m.Status == "connected" {
				return true
			}
		}
		return false
	})
	var trail struct {
		Entries []struct{ Action, Target, Outcome string }
	}
	c.Do(t, "GET", "/api/v1/audit?action=login.approve", c.AdminToken, nil).JSON(t, &trail)
	if len(trail.Entries) != 1 || trail.Entries[0].Target != "login:"+authID || trail.Entries[0].Outcome != "success" {
		t.Errorf("audit of the approval = %+v, want one success for login:%s", trail.Entries, authID)
	}
}

// TestExternalHeadscale: the console fronts an existing Headscale over TCP
// with an API key; a wrong key is reported as Headscale's refusal, not ours.
func TestExternalHeadscale(t *testing.T) {
	skipShort(t)
	hs := headscaletest.Start(t, headscaletest.WithTCPGRPC())
	c := consoletest.Start(t, consoletest.External(hs.Config.GRPCAddr, hs.APIKey(t), hs.Config.ServerURL))
	key, _ := mintV1Key(t, c, map[string]any{"user": "default", "expiresIn": "1h"})
	m := headscaletest.StartMachine(t, "ext-node")
	if out, err := m.Up(hs.Config.ServerURL, key); err != nil {
		t.Fatalf("tailscale up: %v\n%s", err, out)
	}
	waitFor(t, 10*time.Second, "ext-node connected", func() bool {
		for _, m := range machines(t, c) {
			if m.Name == "ext-node" && m.Status == "connected" {
				return true
			}
		}
		return false
	})
	var st struct {
		Connection struct{ Mode, LoginServer string }
		Health     string
	}
	c.Do(t, "GET", "/api/v1/headscale", c.AdminToken, nil).JSON(t, &st)
	if st.Connection.Mode != "external" || st.Connection.LoginServer != hs.Config.ServerURL || st.Health != "ok" {
		t.Errorf("GET /api/v1/headscale = %+v", st)
	}

	bad := consoletest.Start(t, consoletest.External(hs.Config.GRPCAddr, "hskey-api-wrongwrong-0123456789abcdef", hs.Config.ServerURL),
		consoletest.NoWait())
	r := bad.Do(t, "GET", "/api/v1/preauthkeys", bad.AdminToken, nil)
	if r.Status != http.StatusBadGateway || !strings.Contains(string(r.Body), "headscale_auth_failed") {
		t.Errorf("with a wrong API key: GET /api/v1/preauthkeys = %d %s, want 502 headscale_auth_failed", r.Status, r.Body)
	}
	if r := bad.Do(t, "GET", "/readyz", "", nil); r.Status != http.StatusServiceUnavailable {
		t.Errorf("with a wrong API key: /readyz = %d, want 503", r.Status)
	}
}
