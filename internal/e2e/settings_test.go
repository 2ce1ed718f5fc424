package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/neogenesys/console/internal/consoletest"
)

// TestFirstRunSetup: with no account, the log holds a one-time setup token
// that creates the first admin from the browser API, once.
func TestFirstRunSetup(t *testing.T) {
	skipShort(t)
	c := consoletest.Start(t, consoletest.NoAdmin())
	var st struct{ Needed bool }
	c.Do(t, "GET", "/api/v1/setup", "", nil).JSON(t, &st)
	if !st.Needed {
		t.Fatal("GET /api/v1/setup: needed = false with no account")
	}
	m := regexp.MustCompile(`setup_token=([0-9a-f]{32})`).FindStringSubmatch(c.Log())
	if m == nil {
		t.Fatalf("no setup token in the log:\n%s", c.Log())
	}
	body := map[string]any{"setupToken": strings.Repeat("0", 32), "username": "root", "password": "a long enough password"}
	if r := c.Do(t, "POST", "/api/v1/setup", "", body); r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), "invalid_setup_token") {
		t.Errorf("setup with a wrong token = %d %s, want 401 invalid_setup_token", r.Status, r.Body)
	}
	body["setupToken"] = m[1]
	r := c.Do(t, "POST", "/api/v1/setup", "", body)
	if r.Status != http.StatusCreated || !strings.Contains(r.Header.Get("Set-Cookie"), "neoconsole_session=") {
		t.Fatalf("setup = %d %s (cookie %q), want 201 with a session", r.Status, r.Body, r.Header.Get("Set-Cookie"))
	}
	cookie := strings.SplitN(r.Header.Get("Set-Cookie"), ";", 2)[0]
	var me struct {
		User struct{ Username, Role string }
	}
	c.Do(t, "GET", "/api/v1/auth/me", "", nil, "Cookie", cookie).JSON(t, &me)
	if me.User.Username != "root" || me.User.Role != "admin" {
		t.Errorf("after setup, me = %+v, want admin root", me.User)
	}
	c.Do(t, "GET", "/api/v1/setup", "", nil).JSON(t, &st)
	if st.Needed {
		t.Error("GET /api/v1/setup: still needed after setup")
	}
	body["username"] = "second"
	if r := c.Do(t, "POST", "/api/v1/setup", "", body); r.Status != http.StatusConflict {
		t.Errorf("a second setup = %d %s, want 409", r.Status, r.Body)
	}
}

// TestManagedSettings: admins change the managed Headscale's DNS and address
// settings; Headscale restarts with them, they survive a console restart, and
// invalid ones are refused field by field without touching Headscale.
func TestManagedSettings(t *testing.T) {
	skipShort(t)
	c := consoletest.Start(t)
	type settings struct {
		ServerURL    string              `json:"serverUrl"`
		PrefixV4     string              `json:"prefixV4"`
		PrefixV6     string              `json:"prefixV6"`
		MagicDNS     bool                `json:"magicDns"`
		BaseDomain   string              `json:"baseDomain"`
		Nameservers  []string            `json:"nameservers"`
		SplitDNS     map[string][]string `json:"splitDns"`
		ExtraRecords []map[string]string `json:"extraRecords"`
	}
	var got struct {
		Mode     string
		Editable bool
		Settings settings
	}
	c.Do(t, "GET", "/api/v1/settings/headscale", c.AdminToken, nil).JSON(t, &got)
	if got.Mode != "managed" || !got.Editable || got.Settings.ServerURL != c.LoginServer {
		t.Fatalf("GET /api/v1/settings/headscale = %+v", got)
	}
	var hs struct {
		Connection struct{ Managed struct{ PID int } }
	}
	c.Do(t, "GET", "/api/v1/headscale", c.AdminToken, nil).JSON(t, &hs)
	pid := hs.Connection.Managed.PID

	bad := got.Settings
	bad.BaseDomain, bad.Nameservers, bad.PrefixV4 = "127.0.0.1", []string{"not-an-ip"}, "100.64.0.1/10"
	r := c.Do(t, "PUT", "/api/v1/settings/headscale", c.AdminToken, bad)
	for _, field := range []string{`"field":"nameservers[0]"`, `"field":"prefixV4"`} {
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), field) {
			t.Errorf("invalid settings = %d %s, want 400 naming %s", r.Status, r.Body, field)
		}
	}
	viewer := c.Account(t, "vic", "viewer")
	if r := c.Do(t, "PUT", "/api/v1/settings/headscale", viewer, got.Settings); r.Status != http.StatusForbidden {
		t.Errorf("viewer PUT settings = %d, want 403", r.Status)
	}

	want := got.Settings
	want.MagicDNS, want.BaseDomain = true, "corp.tailnet"
	want.Nameservers = []string{"9.9.9.9"}
	want.SplitDNS = map[string][]string{"int.example.com": {"10.0.0.53"}}
	want.ExtraRecords = []map[string]string{{"name": "grafana.corp.tailnet", "type": "A", "value": "100.64.0.9"}}
	if r := c.Do(t, "PUT", "/api/v1/settings/headscale", c.AdminToken, want); r.Status != http.StatusOK {
		t.Fatalf("PUT settings = %d %s", r.Status, r.Body)
	}
	conf, err := os.ReadFile(filepath.Join(c.DataDir, "headscale", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"base_domain: corp.tailnet", "int.example.com", "grafana.corp.tailnet", "9.9.9.9"} {
		if !strings.Contains(string(conf), s) {
			t.Errorf("headscale config lacks %q:\n%s", s, conf)
		}
	}
	c.Do(t, "GET", "/api/v1/headscale", c.AdminToken, nil).JSON(t, &hs)
	if hs.Connection.Managed.PID == pid {
		t.Errorf("headscale was not restarted (pid %d)", pid)
	}
	if _, id := mintV1Key(t, c, map[string]any{"user": "default", "expiresIn": "1h"}); id == 0 {
		t.Error("minting after the restart failed")
	}

	c.Restart(t)
	c.Do(t, "GET", "/api/v1/settings/headscale", c.AdminToken, nil).JSON(t, &got)
	if got.Settings.BaseDomain != "corp.tailnet" || !got.Settings.MagicDNS || len(got.Settings.ExtraRecords) != 1 {
		t.Errorf("after a console restart, settings = %+v", got.Settings)
	}
	var trail struct{ Entries []struct{ Outcome string } }
	c.Do(t, "GET", "/api/v1/audit?action=headscale.settings", c.AdminToken, nil).JSON(t, &trail)
	if len(trail.Entries) != 1 || trail.Entries[0].Outcome != "success" {
		t.Errorf("audit of settings = %+v, want one success", trail.Entries)
	}
}
