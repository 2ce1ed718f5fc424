package cli

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/neogenesys/console/internal/inventory"
)

// vmAnswer is the answer of the API calls about one VM.
type vmAnswer struct {
	VM inventory.VM `json:"vm"`
}

// vmPage is a page of GET /api/v1/vms, its VMs left raw so that -o json
// prints them as the console sent them.
type vmPage struct {
	VMs        []json.RawMessage `json:"vms"`
	Total      int               `json:"total"`
	NextCursor string            `json:"nextCursor"`
	Facets     json.RawMessage   `json:"facets"`
}

func runVMsList(e Env, args []string) error {
	fs, g := newFlags("vms list", e)
	var kinds, clouds, regions, states, tags, enrollments setFlags
	fs.Var(&kinds, "provider", "only VMs of this provider kind: aws, gcp, azure, lxd, proxmox (repeatable)")
	fs.Var(&clouds, "cloud", "only VMs of this cloud account ID (repeatable)")
	fs.Var(&regions, "region", "only VMs in this region or zone (repeatable)")
	fs.Var(&states, "state", "only VMs in this state: running, stopped, pending, stopping, terminated, unknown (repeatable)")
	fs.Var(&tags, "tag", "only VMs with this tag, key=value or key (repeatable; all must match)")
	fs.Var(&enrollments, "enrollment", "only VMs enrolled-online, enrolled-offline or not-enrolled (repeatable)")
	q := fs.String("q", "", "search names, provider ids, keys, addresses, tags and node names")
	sortBy := fs.String("sort", "", "name, key, provider, cloud, region, state, enrollment, created, firstSeen or lastSeen; - first for descending (default name)")
	limit := fs.Int("limit", 0, "VMs per page, 1-1000 (default 100)")
	cursor := fs.String("cursor", "", "start after the page that printed this cursor")
	all := fs.Bool("all", false, "follow the pages to the last one")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("vms list", pos); err != nil {
		return err
	}
	for _, c := range clouds {
		if _, err := parseID("--cloud", c); err != nil {
			return err
		}
	}
	if *limit < 0 || *limit > 1000 {
		return usageErr("--limit must be between 1 and 1000")
	}
	query := url.Values{}
	for name, vals := range map[string][]string{"provider": kinds, "cloud": clouds, "region": regions, "state": states,
		"tag": tags, "enrollment": enrollments, "q": {*q}, "sort": {*sortBy}, "cursor": {*cursor}} {
		for _, v := range vals {
			if v != "" {
				query.Add(name, v)
			}
		}
	}
	if *limit > 0 {
		query.Set("limit", strconv.Itoa(*limit))
	}
	if *all {
		return listAllVMs(e, g, query)
	}
	var page vmPage
	if printed, err := call(e, g, "GET", "/api/v1/vms", query, nil, &page); err != nil || printed {
		return err
	}
	if err := printVMs(e, page.VMs); err != nil {
		return err
	}
	if page.NextCursor != "" {
		fmt.Fprintf(e.Stderr, "%d of %d VMs shown; more: add --cursor %s (or --all)\n", len(page.VMs), page.Total, page.NextCursor)
	}
	return nil
}

// listAllVMs follows the cursors to the last page and prints every VM; with
// -o json, one answer shaped as a page holding them all.
func listAllVMs(e Env, g *globalFlags, query url.Values) error {
	asJSON, err := g.json()
	if err != nil {
		return err
	}
	c := g.client(e)
	var all vmPage
	seen := map[string]bool{}
	for {
		var page vmPage
		if err := c.do("GET", "/api/v1/vms", query, nil, &page); err != nil {
			return err
		}
		if all.Facets == nil {
			all.Facets = page.Facets
		}
		all.VMs = append(all.VMs, page.VMs...)
		all.Total = page.Total
		if page.NextCursor == "" {
			break
		}
		if seen[page.NextCursor] {
			return fmt.Errorf("the console gave cursor %q twice; stopped after %d VMs", page.NextCursor, len(all.VMs))
		}
		seen[page.NextCursor] = true
		query.Set("cursor", page.NextCursor)
	}
	if all.VMs == nil {
		all.VMs = []json.RawMessage{}
	}
	if asJSON {
		b, err := json.Marshal(all)
		if err != nil {
			return err
		}
		return printJSON(e.Stdout, b)
	}
	return printVMs(e, all.VMs)
}

func printVMs(e Env, raw []json.RawMessage) error {
	t := newTable(e.Stdout, "KEY", "NAME", "PROVIDER", "CLOUD", "REGION", "STATE", "IPS", "NODE")
	for _, r := range raw {
		var v inventory.VM
		if err := json.Unmarshal(r, &v); err != nil {
			return fmt.Errorf("unexpected answer from the console: %w", err)
		}
		t.row(strconv.FormatInt(v.Key, 10), v.Name, v.Provider, cloudOf(v), v.Region, string(v.State),
			join(slices.Concat(v.PrivateIPs, v.PublicIPs)), v.NodeName)
	}
	return t.flush()
}

// cloudOf names a VM's cloud account, by its ID when it has no name.
func cloudOf(v inventory.VM) string {
	if v.CloudName != "" {
		return v.CloudName
	}
	return strconv.FormatInt(v.CloudID, 10)
}

func runVMsGet(e Env, args []string) error {
	fs, g := newFlags("vms get", e)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	key, err := oneID("vms get", pos)
	if err != nil {
		return err
	}
	var resp vmAnswer
	if printed, err := call(e, g, "GET", fmt.Sprintf("/api/v1/vms/%d", key), nil, nil, &resp); err != nil || printed {
		return err
	}
	v := resp.VM
	var tags []string
	for _, k := range slices.Sorted(maps.Keys(v.Tags)) {
		tags = append(tags, k+"="+v.Tags[k])
	}
	node := v.NodeName
	if v.NodeID != 0 {
		node = fmt.Sprintf("%s (id %d, matched by %s)", v.NodeName, v.NodeID, v.NodeLink)
	}
	gone := ""
	if !v.GoneAt.IsZero() {
		gone = stamp(v.GoneAt)
	}
	t := newTable(e.Stdout)
	for _, kv := range [][2]string{
		{"Key:", strconv.FormatInt(v.Key, 10)},
		{"Name:", v.Name},
		{"Provider:", v.Provider},
		{"Cloud:", fmt.Sprintf("%s (id %d)", v.CloudName, v.CloudID)},
		{"Provider ID:", v.ID},
		{"State:", string(v.State)},
		{"Region:", v.Region},
		{"Zone:", v.Zone},
		{"Host:", v.Host},
		{"Cluster:", v.Cluster},
		{"Type:", v.Type},
		{"Size:", vmSize(v)},
		{"Private IPs:", join(v.PrivateIPs)},
		{"Public IPs:", join(v.PublicIPs)},
		{"OS:", v.OS},
		{"Image:", v.Image},
		{"Tags:", strings.Join(tags, ", ")},
		{"Created:", stamp(v.CreatedAt)},
		{"First seen:", stamp(v.FirstSeen)},
		{"Last seen:", ago(v.LastSeen)},
		{"Gone since:", gone},
		{"Stale:", yesNo(v.Stale)},
		{"Enrollment:", string(v.Enrollment)},
		{"Node:", node},
		{"Console:", v.ConsoleURL},
	} {
		t.row(kv[0], kv[1])
	}
	return t.flush()
}

// vmSize is a VM's vCPUs, memory and disk, those it has.
func vmSize(v inventory.VM) string {
	var parts []string
	if v.VCPUs > 0 {
		parts = append(parts, fmt.Sprintf("%d vCPU", v.VCPUs))
	}
	if v.MemoryMB > 0 {
		parts = append(parts, fmt.Sprintf("%d MB memory", v.MemoryMB))
	}
	if v.DiskGB > 0 {
		parts = append(parts, fmt.Sprintf("%d GB disk", v.DiskGB))
	}
	return join(parts)
}

func runVMsStart(e Env, args []string) error {
	return runIDAction(e, args, "vms start", "POST", "/api/v1/vms/%d/start", "start requested for vm %d")
}

func runVMsStop(e Env, args []string) error {
	return runIDAction(e, args, "vms stop", "POST", "/api/v1/vms/%d/stop", "stop requested for vm %d")
}

func runVMsReboot(e Env, args []string) error {
	return runIDAction(e, args, "vms reboot", "POST", "/api/v1/vms/%d/reboot", "reboot requested for vm %d")
}
