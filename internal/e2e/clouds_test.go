package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/internal/consoletest"
	"github.com/neogenesys/console/providers/sim/simrun"
)

// TestCloudAccounts connects simulated AWS and Proxmox VE accounts through
// the CLI and the API of the real binary (the production adapters behind
// it), checks them, and proves the credentials never reach the disk, the
// API, the audit trail or the log in the clear.
func TestCloudAccounts(t *testing.T) {
	skipShort(t)
	sims, err := simrun.Start(simrun.Options{VMs: 30, Seed: 9, Only: []string{"aws", "proxmox"}},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer simrun.Stop(sims)
	accounts := map[string]map[string]any{}
	for _, s := range sims {
		accounts[s.Kind] = s.Account
	}
	awsSecret, _ := accounts["aws"]["secretAccessKey"].(string)
	pveSecret, _ := accounts["proxmox"]["tokenSecret"].(string)
	if awsSecret == "" || pveSecret == "" {
		t.Fatalf("simulator accounts lack their secrets: %v", accounts)
	}

	c := consoletest.Start(t)

	// CLI: add from a config file and check at once.
	cfgFile := filepath.Join(t.TempDir(), "aws.json")
	raw, _ := json.Marshal(accounts["aws"])
	if err := os.WriteFile(cfgFile, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := c.Run("clouds", "add", "prod-aws", "--kind", "aws", "--config", cfgFile, "--check", "--token", c.AdminToken)
	if err != nil || !strings.Contains(out, "added aws account prod-aws") || !strings.Contains(out, "ok: ") {
		t.Fatalf("clouds add --check: %v\n%s", err, out)
	}

	// API: add Proxmox, check it.
	r := c.Do(t, "POST", "/api/v1/clouds", c.AdminToken, map[string]any{"name": "homelab", "kind": "proxmox", "config": accounts["proxmox"]})
	if r.Status != http.StatusCreated {
		t.Fatalf("POST /api/v1/clouds = %d %s", r.Status, r.Body)
	}
	var created struct {
		Cloud struct {
			ID         int64
			SecretsSet []string
		}
	}
	r.JSON(t, &created)
	pveID := created.Cloud.ID
	check := func(id int64) (res struct {
		OK          bool
		Identity    string
		RegionCount int
		ErrorKind   string
		Error       string
	}) {
		t.Helper()
		r := c.Do(t, "POST", fmt.Sprintf("/api/v1/clouds/%d/check", id), c.AdminToken, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("check = %d %s", r.Status, r.Body)
		}
		r.JSON(t, &res)
		return res
	}
	if res := check(pveID); !res.OK || res.Identity == "" || res.RegionCount == 0 {
		t.Fatalf("proxmox check = %+v", res)
	}

	// A viewer sees the accounts but no secret, and cannot change them.
	viewer := c.Account(t, "val", "viewer")
	r = c.Do(t, "GET", "/api/v1/clouds", viewer, nil)
	if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte("homelab")) {
		t.Fatalf("viewer list = %d %s", r.Status, r.Body)
	}
	if r := c.Do(t, "DELETE", fmt.Sprintf("/api/v1/clouds/%d", pveID), viewer, nil); r.Status != http.StatusForbidden {
		t.Errorf("viewer delete = %d", r.Status)
	}

	// Wrong credentials: the check says it is the credentials, by account name.
	r = c.Do(t, "PATCH", fmt.Sprintf("/api/v1/clouds/%d", pveID), c.AdminToken, map[string]any{"config": map[string]any{"tokenSecret": "00000000-0000-0000-0000-000000000000"}})
	if r.Status != http.StatusOK {
		t.Fatalf("PATCH = %d %s", r.Status, r.Body)
	}
	if res := check(pveID); res.OK || res.ErrorKind != "auth" || !strings.Contains(res.Error, `"homelab"`) {
		t.Errorf("check with a wrong token = %+v", res)
	}
	// Invalid config: refused, nothing changed.
	r = c.Do(t, "PATCH", fmt.Sprintf("/api/v1/clouds/%d", pveID), c.AdminToken, map[string]any{"config": map[string]any{"endpoint": "ftp://nowhere"}})
	if r.Status != http.StatusBadRequest || !bytes.Contains(r.Body, []byte("endpoint")) {
		t.Errorf("PATCH with a bad endpoint = %d %s", r.Status, r.Body)
	}
	r = c.Do(t, "PATCH", fmt.Sprintf("/api/v1/clouds/%d", pveID), c.AdminToken, map[string]any{"config": map[string]any{"tokenSecret": pveSecret}})
	if res := check(pveID); r.Status != http.StatusOK || !res.OK {
		t.Errorf("check after restoring the token = %+v", res)
	}

	out, err = c.Run("clouds", "list", "-o", "json", "--token", c.AdminToken)
	if err != nil || !strings.Contains(out, "prod-aws") || !strings.Contains(out, "homelab") {
		t.Fatalf("clouds list: %v\n%s", err, out)
	}
	audit, err := c.Run("audit", "list", "--action", "cloud.*", "-o", "json", "--token", c.AdminToken)
	if err != nil || !strings.Contains(audit, "cloud.create") || !strings.Contains(audit, "cloud.check") {
		t.Fatalf("audit list: %v\n%s", err, audit)
	}

	// No plaintext secret anywhere: CLI output, audit, log, database files.
	files, _ := filepath.Glob(filepath.Join(c.DataDir, "neoconsole.db*"))
	if len(files) == 0 {
		t.Fatal("no database files in the data dir")
	}
	places := map[string][]byte{"clouds list": []byte(out), "audit": []byte(audit), "log": []byte(c.Log())}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		places[f] = b
	}
	for where, b := range places {
		for _, secret := range []string{awsSecret, pveSecret} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds a plaintext secret", where)
			}
		}
	}

	// Restarted with the key file intact, the accounts still work.
	c.Restart(t)
	waitFor(t, 10*time.Second, "check after restart", func() bool { return check(pveID).OK })

	out, err = c.Run("clouds", "remove", fmt.Sprint(pveID), "--token", c.AdminToken)
	if err != nil || !strings.Contains(out, "removed") {
		t.Fatalf("clouds remove: %v\n%s", err, out)
	}
}
