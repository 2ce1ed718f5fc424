package cli

import (
	"os"
	"path/filepath"
	"testing"
)

func TestClouds(t *testing.T) {
	listAnswer := `{"clouds":[
		{"id":1,"name":"homelab","kind":"proxmox","config":{"endpoint":"https://pve:8006"},"secretsSet":["tokenSecret"],"createdAt":"2026-02-01T00:00:00Z","createdBy":"ada"},
		{"id":2,"name":"prod","kind":"aws","config":{},"secretsSet":[],"createdAt":"2026-02-02T00:00:00Z","createdBy":"ada"}]}`
	cfgFile := filepath.Join(t.TempDir(), "aws.json")
	if err := os.WriteFile(cfgFile, []byte(`{"accessKeyId":"AKIAEXAMPLE","secretAccessKey":"env:AWS_SECRET","regions":["eu-west-1"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	created := `{"cloud":{"id":3,"name":"prod-eu","kind":"aws","config":{},"secretsSet":[],"createdAt":"2026-03-01T12:00:00Z","createdBy":"ada"}}`
	runAPICases(t, []apiCase{
		{name: "list", args: []string{"clouds", "list"},
			req: &wantReq{method: "GET", path: "/api/v1/clouds"}, answer: listAnswer,
			out: "" +
				"ID  NAME     KIND     SECRETS STORED  CREATED               BY\n" +
				"1   homelab  proxmox  tokenSecret     2026-02-01T00:00:00Z  ada\n" +
				"2   prod     aws      -               2026-02-02T00:00:00Z  ada\n"},
		{name: "list json", args: []string{"clouds", "list", "-o", "json"},
			req: &wantReq{method: "GET", path: "/api/v1/clouds"}, answer: listAnswer},
		{name: "add from file and sets", args: []string{"clouds", "add", "prod-eu", "--kind", "aws", "--config", cfgFile,
			"--set", `regions=["eu-west-1","eu-central-1"]`, "--set", "defaultRegion=eu-west-1"},
			req: &wantReq{method: "POST", path: "/api/v1/clouds", body: `{"name":"prod-eu","kind":"aws","config":{
				"accessKeyId":"AKIAEXAMPLE","secretAccessKey":"env:AWS_SECRET","regions":["eu-west-1","eu-central-1"],"defaultRegion":"eu-west-1"}}`},
			status: 201, answer: created, out: "added aws account prod-eu (id 3)\n"},
		{name: "add invalid", args: []string{"clouds", "add", "x", "--kind", "aws", "--set", "regions=nowhere"}, status: 400,
			req:    &wantReq{method: "POST", path: "/api/v1/clouds", body: `{"name":"x","kind":"aws","config":{"regions":"nowhere"}}`},
			answer: problemJSON(400, "invalid_request", "invalid cloud account: x: config: regions: must be []string, not a JSON string", ""), code: 1,
			errHas: []string{"x: config: regions"}},
		{name: "add without kind", args: []string{"clouds", "add", "x"}, code: 2, errHas: []string{"needs --kind"}},
		{name: "add bad set", args: []string{"clouds", "add", "x", "--kind", "aws", "--set", "novalue"}, code: 2, errHas: []string{"want key=value"}},
		{name: "add missing file", args: []string{"clouds", "add", "x", "--kind", "aws", "--config", "/nonexistent.json"}, code: 2, errHas: []string{"--config"}},
		{name: "check ok", args: []string{"clouds", "check", "1"},
			req:    &wantReq{method: "POST", path: "/api/v1/clouds/1/check"},
			answer: `{"ok":true,"identity":"homelab","regions":["pve1","pve2"],"regionCount":2,"tookMs":41}`,
			out:    "ok: homelab, 2 regions (41 ms)\n"},
		{name: "check failed", args: []string{"clouds", "check", "1"},
			req:    &wantReq{method: "POST", path: "/api/v1/clouds/1/check"},
			answer: `{"ok":false,"regions":[],"regionCount":0,"error":"cloud account \"homelab\": provider rejected the credentials","errorKind":"auth","tookMs":12}`,
			code:   1, errHas: []string{"check failed (auth)", "rejected the credentials"}},
		{name: "remove", args: []string{"clouds", "remove", "2"},
			req: &wantReq{method: "DELETE", path: "/api/v1/clouds/2"}, answer: successAnswer, out: "cloud account 2 removed\n"},
	})
}
