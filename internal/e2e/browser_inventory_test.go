package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neogenesys/console/headscale/headscaletest"
	"github.com/neogenesys/console/internal/consoletest"
	"github.com/neogenesys/console/providers/lxd/lxdtest"
	"github.com/neogenesys/console/providers/sim/simrun"
)

// TestBrowserInventory drives the inventory pages in headless Chromium
// (web/e2e/inventory.test.mjs, web/e2e/vmsperf.test.mjs) against the real
// binary, a real managed Headscale, a real LXD daemon with busybox
// containers and the four cloud simulators (about 10,000 VMs): an admin adds
// a cloud of each kind through its form (test connection, then save) and
// sees its VMs; filters land in the URL; a container is stopped from its row
// and its state changes without a reload; a container is enrolled from its
// row (the install runs in it through LXD exec; a real tailscaled joins with
// the key it received) and shows connected, matched to its node; a failing
// simulator shows its error and stale marker while the rest stays usable; a
// viewer sees no power button. Screenshots of every inventory page go to
// docs/screenshots; the VMs page's first render and filter latency with
// ~10,000 VMs are measured.
//
// The page asks this test for what a browser cannot do through lines on
// its output: "@@fail <kind> on|off" makes that simulator fail every call
// (or stop failing); "@@join" starts a tailscaled with the key the install
// passed to the container's (stub) tailscale. The outcome goes to the file
// in JOIN_RESULT.
func TestBrowserInventory(t *testing.T) {
	skipShort(t)
	b := browserPrereqs(t)

	const perSim = 2500
	sims, err := simrun.Start(simrun.Options{VMs: perSim, Seed: 7, Transition: 500 * time.Millisecond},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer simrun.Stop(sims)

	lxd := lxdtest.Start(t)
	lxd.LaunchAll(t, lxdtest.Spec{Name: "app-1"}, lxdtest.Spec{Name: "app-2"}, lxdtest.Spec{Name: "enrollee"})
	// A stub tailscale in the enrollee records the arguments of `tailscale up`
	// (the container has no network to reach Headscale through).
	lxd.Lxc(t, "exec", "enrollee", "--", "sh", "-c",
		`printf '#!/bin/sh\necho "$@" > /tmp/tailscale-args\n' > /bin/tailscale && chmod +x /bin/tailscale`)

	c := consoletest.Start(t, consoletest.WithEnv("NEOCONSOLE_INVENTORY_SYNC_INTERVAL=3s"))
	const adminPass, viewerPass = "alice-password-1", "victor-password-1"
	for _, a := range []struct{ name, role, pass string }{{"alice", "admin", adminPass}, {"victor", "viewer", viewerPass}} {
		r := c.Do(t, "POST", "/api/v1/accounts", c.AdminToken, map[string]any{"username": a.name, "role": a.role, "password": a.pass})
		if r.Status != http.StatusCreated {
			t.Fatalf("create account %s: %d %s", a.name, r.Status, r.Body)
		}
	}
	if r := c.Do(t, "POST", "/api/v1/users", c.AdminToken, map[string]any{"name": "alice"}); r.Status != http.StatusCreated {
		t.Fatalf("create tailnet user: %d %s", r.Status, r.Body)
	}

	// The accounts the page adds through its forms: each simulator's config
	// and the LXD daemon's socket.
	type cloud struct {
		Kind   string         `json:"kind"`
		Name   string         `json:"name"`
		Config map[string]any `json:"config"`
	}
	var accounts []cloud
	byKind := map[string]*simrun.Running{}
	for _, s := range sims {
		accounts = append(accounts, cloud{Kind: s.Kind, Name: "sim-" + s.Kind, Config: s.Account})
		byKind[s.Kind] = s
	}
	accounts = append(accounts, cloud{Kind: "lxd", Name: "lab", Config: map[string]any{"endpoint": lxd.UnixEndpoint()}})
	cloudsJSON, err := json.Marshal(accounts)
	if err != nil {
		t.Fatal(err)
	}

	tmp := t.TempDir()
	joinResult := filepath.Join(tmp, "join-result")
	perfOut := filepath.Join(tmp, "vms-perf.json")
	var wg sync.WaitGroup
	var machineLog func() string
	failRE := regexp.MustCompile(`^@@fail (\w+) (on|off)$`)
	err = b.run(t, []string{"e2e/inventory.test.mjs", "e2e/vmsperf.test.mjs"}, []string{
		"CONSOLE_URL=" + c.URL,
		"LOGIN_SERVER=" + c.LoginServer,
		"ADMIN_USER=alice", "ADMIN_PASSWORD=" + adminPass,
		"VIEWER_USER=victor", "VIEWER_PASSWORD=" + viewerPass,
		"CLOUDS=" + string(cloudsJSON),
		"JOIN_RESULT=" + joinResult,
		"PERF_OUT=" + perfOut,
	}, func(line string) {
		if m := failRE.FindStringSubmatch(line); m != nil {
			s := byKind[m[1]]
			switch {
			case s == nil:
				t.Errorf("the page asked to fail %q: no such simulator", m[1])
			case m[2] == "on":
				s.Faults.Fail(1 << 20)
			default:
				s.Faults.Fail(0)
			}
		}
		if line == "@@join" {
			m := headscaletest.StartMachine(t, "enrollee")
			machineLog = m.Log
			wg.Add(1)
			go func() {
				defer wg.Done()
				join(t, lxd, m, c.LoginServer, joinResult)
			}()
		}
	})
	wg.Wait()
	if err != nil {
		ml := ""
		if machineLog != nil {
			ml = machineLog()
		}
		t.Fatalf("%v\nconsole log:\n%s\ntailscaled log:\n%s", err, c.Log(), ml)
	}
	if b, err := os.ReadFile(perfOut); err == nil {
		t.Logf("VMs page performance: %s", b)
	}
}

// join reads the key the console's install passed to the container's stub
// tailscale and brings a real tailscaled up with it (standing in for the
// container's own, which cannot reach Headscale); "ok" or "error: …" goes to
// result.
func join(t *testing.T, lxd *lxdtest.Daemon, m *headscaletest.Machine, loginServer, result string) {
	write := func(s string) { _ = os.WriteFile(result, []byte(s), 0o600) }
	args := lxd.Lxc(t, "exec", "enrollee", "--", "cat", "/tmp/tailscale-args")
	key := regexp.MustCompile(`--authkey=(\S+)`).FindStringSubmatch(args)
	if key == nil || !strings.Contains(args, "--login-server="+loginServer) {
		write(fmt.Sprintf("error: the install ran tailscale with %q", args))
		return
	}
	if out, err := m.Up(loginServer, key[1]); err != nil {
		write(fmt.Sprintf("error: tailscale up: %v: %s", err, out))
		return
	}
	write("ok")
}

// run runs the node test files in web/ with env (plus CHROMIUM and
// SCREENSHOT_DIR), logging every line of their output and passing it to
// onLine (in this goroutine: onLine may call t.Fatal). The error carries the
// last lines of output.
func (b browser) run(t *testing.T, files, env []string, onLine func(string)) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	args := append([]string{"--test", "--test-concurrency=1", "--test-reporter=spec"}, files...)
	cmd := exec.CommandContext(ctx, b.node, args...)
	cmd.Dir = b.webDir
	cmd.Env = append(append(os.Environ(), env...), "CHROMIUM="+b.chromium, "SCREENSHOT_DIR="+b.screenshots)
	cmd.WaitDelay = 10 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start node: %w", err)
	}
	var tail []string
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		t.Log(line)
		tail = append(tail, line)
		if len(tail) > 80 {
			tail = tail[1:]
		}
		onLine(line)
	}
	_, _ = io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("browser tests failed (%w); last output:\n%s", err, strings.Join(tail, "\n"))
	}
	return nil
}

// browser is what a Playwright test needs.
type browser struct {
	node, chromium, webDir, screenshots string
}

// browserPrereqs finds Node, Chromium and the built web app, failing with
// how to get what is missing; screenshots go to docs/screenshots unless
// NEOCONSOLE_SCREENSHOTS says otherwise ("-": none).
func browserPrereqs(t *testing.T) browser {
	t.Helper()
	root := headscaletest.ModuleRoot(t)
	b := browser{webDir: filepath.Join(root, "web"), chromium: os.Getenv("NEOCONSOLE_CHROMIUM")}
	if b.chromium == "" {
		b.chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(b.chromium); err != nil {
		t.Fatalf("Chromium not found at %s: install it: apt-get install -y chromium (or set NEOCONSOLE_CHROMIUM)", b.chromium)
	}
	var err error
	if b.node, err = exec.LookPath("node"); err != nil {
		t.Fatalf("node not found: the browser tests need Node 20 (and npm ci in web/)")
	}
	if _, err := os.Stat(filepath.Join(b.webDir, "node_modules", "playwright-core")); err != nil {
		t.Fatalf("web/node_modules/playwright-core is missing: run make web (npm ci in web/)")
	}
	if _, err := os.Stat(filepath.Join(b.webDir, "dist", "index.html")); err != nil {
		// The console binary embeds web/dist when it is built: build the app first.
		t.Log("web/dist/index.html is missing: running npm run build in web/ (make web does this)")
		cmd := exec.Command("npm", "run", "build")
		cmd.Dir = b.webDir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm run build: %v\n%s", err, out)
		}
	}
	b.screenshots = filepath.Join(root, "docs", "screenshots")
	if v := os.Getenv("NEOCONSOLE_SCREENSHOTS"); v != "" {
		b.screenshots = v
	}
	if b.screenshots == "-" {
		b.screenshots = ""
	}
	return b
}
