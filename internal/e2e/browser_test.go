package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neogenesys/console/headscale/headscaletest"
	"github.com/neogenesys/console/internal/consoletest"
)

// TestBrowser drives the web console in headless Chromium (playwright-core,
// web/e2e/*.test.mjs) against the real binary, a real managed Headscale and a
// real tailscaled: sign in, enroll a machine with the command the page shows,
// rename, tag, filter, a viewer's read-only pages, a Headscale crash, revoke.
// It saves a screenshot of every page in docs/screenshots and measures the
// Machines page with 10,000 nodes.
//
// Needs Debian's chromium (/usr/bin/chromium, or NEOCONSOLE_CHROMIUM), Node 20
// and the web app built with its dependencies (make web: npm ci && npm run build).
func TestBrowser(t *testing.T) {
	skipShort(t)
	b := browserPrereqs(t)

	c := consoletest.Start(t)
	if r := c.Do(t, "GET", "/", "", nil); !strings.Contains(string(r.Body), `<div id="root">`) {
		t.Fatalf("the console does not serve the web app (was bin/neoconsole-test built before web/dist?): GET / = %d %.200s", r.Status, r.Body)
	}
	const adminPass, viewerPass = "alice-password-1", "victor-password-1"
	for _, a := range []struct{ name, role, pass string }{{"alice", "admin", adminPass}, {"victor", "viewer", viewerPass}} {
		r := c.Do(t, "POST", "/api/v1/accounts", c.AdminToken, map[string]any{"username": a.name, "role": a.role, "password": a.pass})
		if r.Status != http.StatusCreated {
			t.Fatalf("create account %s: %d %s", a.name, r.Status, r.Body)
		}
	}
	// Tags must be defined in tagOwners before a node can carry them.
	policy := `{"tagOwners":{"tag:web":["default@"]},"acls":[{"action":"accept","src":["*"],"dst":["*:*"]}]}`
	if r := c.Do(t, "PUT", "/api/v1/policy", c.AdminToken, map[string]any{"policy": policy}); r.Status != http.StatusOK {
		t.Fatalf("set policy: %d %s", r.Status, r.Body)
	}
	// A second console with no account at all, for the first-run setup page.
	fresh := consoletest.Start(t, consoletest.NoAdmin())
	setupToken := regexp.MustCompile(`setup_token=([0-9a-f]{32})`).FindStringSubmatch(fresh.Log())
	if setupToken == nil {
		t.Fatalf("no setup token in the log of a console without accounts:\n%s", fresh.Log())
	}

	m := headscaletest.StartMachine(t, "web-01")
	laptop := headscaletest.StartMachine(t, "laptop") // waits for approval on the Pending logins page

	tmp := t.TempDir()
	enrollResult := filepath.Join(tmp, "enroll-result")
	pendingURL := filepath.Join(tmp, "pending-url")
	perfOut := filepath.Join(tmp, "perf.json")

	var wg sync.WaitGroup
	err := b.run(t, []string{"e2e/console.test.mjs", "e2e/setup.test.mjs", "e2e/perf.test.mjs"}, []string{
		"CONSOLE_URL=" + c.URL,
		"LOGIN_SERVER=" + c.LoginServer,
		"ADMIN_USER=alice", "ADMIN_PASSWORD=" + adminPass,
		"VIEWER_USER=victor", "VIEWER_PASSWORD=" + viewerPass,
		"ENROLL_RESULT=" + enrollResult,
		"PENDING_URL=" + pendingURL,
		"SETUP_URL=" + fresh.URL, "SETUP_TOKEN=" + setupToken[1],
		"PERF_OUT=" + perfOut,
	}, func(line string) {
		if rest, ok := strings.CutPrefix(line, "@@enroll "); ok {
			wg.Add(1)
			go func() {
				defer wg.Done()
				enroll(t, m, rest, enrollResult)
			}()
		}
		if line == "@@pending" {
			wg.Add(1)
			go func() {
				defer wg.Done()
				pending(t, laptop, c.LoginServer, pendingURL)
			}()
		}
	})
	wg.Wait()
	if err != nil {
		t.Fatalf("%v\nconsole log:\n%s\ntailscaled log:\n%s", err, c.Log(), m.Log())
	}
	if b, err := os.ReadFile(perfOut); err == nil {
		t.Logf("web console performance: %s", b)
	}
}

// enroll runs `tailscale up` with the flags the page showed (only the flags
// that enroll: login server, key, hostname) and writes "ok" or "error: …" to
// result for the browser test to read.
func enroll(t *testing.T, m *headscaletest.Machine, msg, result string) {
	var req struct{ Args []string }
	write := func(s string) { _ = os.WriteFile(result, []byte(s), 0o600) }
	if err := json.Unmarshal([]byte(msg), &req); err != nil {
		write("error: bad enroll message: " + err.Error())
		return
	}
	args := []string{"up"}
	for _, a := range req.Args {
		switch {
		case strings.HasPrefix(a, "--login-server="), strings.HasPrefix(a, "--authkey="), strings.HasPrefix(a, "--hostname="):
			args = append(args, a)
		default:
			write(fmt.Sprintf("error: unexpected flag %q in the shown command", a))
			return
		}
	}
	args = append(args, "--accept-dns=false", "--timeout=60s")
	out, err := m.Run(75*time.Second, args...)
	if err != nil {
		t.Logf("tailscale %s: %v\n%s", strings.Join(args, " "), err, out)
		write(fmt.Sprintf("error: %v: %s", err, out))
		return
	}
	t.Logf("tailscale up: ok %s", strings.TrimSpace(out))
	write("ok")
}

// pending runs `tailscale up` without a key on m: it waits for approval.
// The register URL it prints goes to file for the browser test to paste;
// "error: …" when there is none.
func pending(t *testing.T, m *headscaletest.Machine, loginServer, file string) {
	done := make(chan string, 1)
	go func() {
		out, err := m.Run(90*time.Second, "up", "--login-server="+loginServer, "--hostname=laptop", "--accept-dns=false", "--timeout=85s")
		if err != nil {
			done <- fmt.Sprintf("error: %v: %s", err, out)
			return
		}
		done <- "ok"
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _ := m.Run(5*time.Second, "status", "--json")
		var st struct{ AuthURL string }
		if i := strings.Index(out, "{"); i >= 0 {
			_ = json.Unmarshal([]byte(out[i:]), &st)
		}
		if strings.Contains(st.AuthURL, "/register/") {
			_ = os.WriteFile(file, []byte(st.AuthURL), 0o600)
			break
		}
		if time.Now().After(deadline) {
			_ = os.WriteFile(file, []byte("error: tailscale printed no register URL in 30s"), 0o600)
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	res := <-done
	t.Logf("tailscale up (pending login): %s", res)
}
