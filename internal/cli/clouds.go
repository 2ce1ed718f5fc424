package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// cloudAccount is the API's cloud account, as the CLI prints it.
type cloudAccount struct {
	ID         int64          `json:"id"`
	Name       string         `json:"name"`
	Kind       string         `json:"kind"`
	Config     map[string]any `json:"config"`
	SecretsSet []string       `json:"secretsSet"`
	CreatedAt  time.Time      `json:"createdAt"`
	CreatedBy  string         `json:"createdBy"`
}

type cloudCheck struct {
	OK          bool     `json:"ok"`
	Identity    string   `json:"identity"`
	Regions     []string `json:"regions"`
	RegionCount int      `json:"regionCount"`
	Error       string   `json:"error"`
	ErrorKind   string   `json:"errorKind"`
	TookMS      int64    `json:"tookMs"`
}

func runCloudsList(e Env, args []string) error {
	fs, g := newFlags("clouds list", e)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("clouds list", pos); err != nil {
		return err
	}
	var resp struct {
		Clouds []cloudAccount `json:"clouds"`
	}
	if printed, err := call(e, g, "GET", "/api/v1/clouds", nil, nil, &resp); err != nil || printed {
		return err
	}
	t := newTable(e.Stdout, "ID", "NAME", "KIND", "SECRETS STORED", "CREATED", "BY")
	for _, a := range resp.Clouds {
		t.row(strconv.FormatInt(a.ID, 10), a.Name, a.Kind, strings.Join(a.SecretsSet, ","), stamp(a.CreatedAt), a.CreatedBy)
	}
	return t.flush()
}

// setFlags collects repeated --set key=value flags.
type setFlags []string

func (s *setFlags) String() string     { return strings.Join(*s, " ") }
func (s *setFlags) Set(v string) error { *s = append(*s, v); return nil }

func runCloudsAdd(e Env, args []string) error {
	fs, g := newFlags("clouds add", e)
	kind := fs.String("kind", "", "provider kind: aws, gcp, azure, lxd or proxmox")
	file := fs.String("config", "", "JSON file with the account's config (- reads stdin)")
	var sets setFlags
	fs.Var(&sets, "set", "config field as key=value (repeatable; JSON values such as [\"a\",\"b\"] are parsed)")
	check := fs.Bool("check", false, "test the connection once added")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("clouds add needs exactly one NAME, got %d arguments", len(pos))
	}
	if *kind == "" {
		return usageErr("clouds add needs --kind (aws, gcp, azure, lxd or proxmox)")
	}
	config, err := cloudConfig(e, *file, sets)
	if err != nil {
		return err
	}
	body := map[string]any{"name": pos[0], "kind": *kind, "config": config}
	var resp struct {
		Cloud cloudAccount `json:"cloud"`
	}
	if printed, err := call(e, g, "POST", "/api/v1/clouds", nil, body, &resp); err != nil || printed {
		return err
	}
	fmt.Fprintf(e.Stdout, "added %s account %s (id %d)\n", resp.Cloud.Kind, resp.Cloud.Name, resp.Cloud.ID)
	if !*check {
		return nil
	}
	return checkCloud(e, g, uint64(resp.Cloud.ID))
}

// cloudConfig reads --config and applies --set on top.
func cloudConfig(e Env, file string, sets []string) (map[string]any, error) {
	config := map[string]any{}
	if file != "" {
		var raw []byte
		var err error
		if file == "-" {
			raw, err = io.ReadAll(io.LimitReader(e.Stdin, 1<<20))
		} else {
			raw, err = os.ReadFile(file)
		}
		if err != nil {
			return nil, usageErr("--config: %v", err)
		}
		if err := json.Unmarshal(raw, &config); err != nil {
			return nil, usageErr("--config %s: not a JSON object: %v", file, err)
		}
	}
	for _, s := range sets {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return nil, usageErr("--set %q: want key=value", s)
		}
		var parsed any
		if strings.ContainsAny(v[:min(1, len(v))], "[{") && json.Unmarshal([]byte(v), &parsed) == nil {
			config[k] = parsed
		} else {
			config[k] = v
		}
	}
	return config, nil
}

func runCloudsCheck(e Env, args []string) error {
	fs, g := newFlags("clouds check", e)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID("clouds check", pos)
	if err != nil {
		return err
	}
	return checkCloud(e, g, id)
}

func checkCloud(e Env, g *globalFlags, id uint64) error {
	var res cloudCheck
	printed, err := call(e, g, "POST", fmt.Sprintf("/api/v1/clouds/%d/check", id), nil, nil, &res)
	if err != nil {
		return err
	}
	if !printed && res.OK {
		fmt.Fprintf(e.Stdout, "ok: %s, %d regions (%d ms)\n", res.Identity, res.RegionCount, res.TookMS)
	}
	if !res.OK && !printed {
		return fmt.Errorf("check failed (%s): %s", res.ErrorKind, res.Error)
	}
	return nil
}

func runCloudsRemove(e Env, args []string) error {
	return runIDAction(e, args, "clouds remove", "DELETE", "/api/v1/clouds/%d", "cloud account %d removed")
}
