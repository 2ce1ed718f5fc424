package cli

import (
	"flag"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/neogenesys/console/headscale"
)

// nodeJSON is a node as the API shows it.
type nodeJSON struct {
	headscale.Node
	Expired  bool   `json:"expired"`
	ExitNode bool   `json:"exitNode"`
	OS       string `json:"os"`
}

// nodeAnswer is the answer of the API calls about one node.
type nodeAnswer struct {
	Node nodeJSON `json:"node"`
}

// owner is a node's tags, or its user when it has none.
func owner(n nodeJSON) string {
	if len(n.Tags) > 0 {
		return join(n.Tags)
	}
	return n.User
}

func lastSeen(n nodeJSON) string {
	if n.Online {
		return "now"
	}
	return ago(n.LastSeen)
}

func runNodesList(e Env, args []string) error {
	fs, g := newFlags("nodes list", e)
	user := fs.String("user", "", "only nodes of this tailnet user")
	tag := fs.String("tag", "", "only nodes with this tag")
	online := fs.Bool("online", false, "only online nodes")
	offline := fs.Bool("offline", false, "only offline nodes")
	q := fs.String("q", "", "search names, addresses and tags")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("nodes list", pos); err != nil {
		return err
	}
	if *online && *offline {
		return usageErr("give --online or --offline, not both")
	}
	query := url.Values{}
	for k, v := range map[string]string{"user": *user, "tag": *tag, "q": *q} {
		if v != "" {
			query.Set(k, v)
		}
	}
	if *online || *offline {
		query.Set("online", strconv.FormatBool(*online))
	}
	var resp struct {
		Nodes []nodeJSON `json:"nodes"`
	}
	if printed, err := call(e, g, "GET", "/api/v1/nodes", query, nil, &resp); err != nil || printed {
		return err
	}
	t := newTable(e.Stdout, "ID", "NAME", "USER/TAGS", "ADDRESSES", "ONLINE", "LAST SEEN", "EXPIRES")
	for _, n := range resp.Nodes {
		t.row(strconv.FormatUint(n.ID, 10), n.Name, owner(n), join(n.IPAddresses), yesNo(n.Online), lastSeen(n), expiresIn(n.Expiry))
	}
	return t.flush()
}

func runNodesGet(e Env, args []string) error {
	fs, g := newFlags("nodes get", e)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID("nodes get", pos)
	if err != nil {
		return err
	}
	var resp nodeAnswer
	if printed, err := call(e, g, "GET", fmt.Sprintf("/api/v1/nodes/%d", id), nil, nil, &resp); err != nil || printed {
		return err
	}
	n := resp.Node
	t := newTable(e.Stdout)
	for _, kv := range [][2]string{
		{"ID:", strconv.FormatUint(n.ID, 10)},
		{"Name:", n.Name},
		{"Hostname:", n.Hostname},
		{"User:", n.User},
		{"Tags:", join(n.Tags)},
		{"Addresses:", join(n.IPAddresses)},
		{"Online:", yesNo(n.Online)},
		{"Last seen:", lastSeen(n)},
		{"Expires:", expiresIn(n.Expiry)},
		{"Created:", stamp(n.CreatedAt)},
		{"OS:", n.OS},
		{"Exit node:", yesNo(n.ExitNode)},
		{"Available routes:", join(n.AvailableRoutes)},
		{"Approved routes:", join(n.ApprovedRoutes)},
		{"Registered by:", n.RegisterMethod},
	} {
		t.row(kv[0], kv[1])
	}
	return t.flush()
}

func runNodesRevoke(e Env, args []string) error {
	return runIDAction(e, args, "nodes revoke", "DELETE", "/api/v1/nodes/%d", "node %d revoked")
}

func runNodesExpire(e Env, args []string) error {
	return runIDAction(e, args, "nodes expire", "POST", "/api/v1/nodes/%d/expire", "node %d expired: the machine is logged out")
}

func runNodesRename(e Env, args []string) error {
	fs, g := newFlags("nodes rename", e)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageErr("nodes rename needs an ID and a new name, got %d arguments", len(pos))
	}
	id, err := parseID("ID", pos[0])
	if err != nil {
		return err
	}
	var resp nodeAnswer
	body := map[string]string{"name": pos[1]}
	if printed, err := call(e, g, "POST", fmt.Sprintf("/api/v1/nodes/%d/rename", id), nil, body, &resp); err != nil || printed {
		return err
	}
	fmt.Fprintf(e.Stdout, "node %d renamed to %s\n", id, resp.Node.Name)
	return nil
}

func runNodesTags(e Env, args []string) error {
	fs, g := newFlags("nodes tags", e)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageErr("nodes tags needs an ID and the tags as one comma-separated argument (\"\" removes all tags), got %d arguments", len(pos))
	}
	id, err := parseID("ID", pos[0])
	if err != nil {
		return err
	}
	var resp nodeAnswer
	body := map[string][]string{"tags": splitList(pos[1])}
	if printed, err := call(e, g, "PUT", fmt.Sprintf("/api/v1/nodes/%d/tags", id), nil, body, &resp); err != nil || printed {
		return err
	}
	if len(resp.Node.Tags) == 0 {
		fmt.Fprintf(e.Stdout, "node %d has no tags now\n", id)
		return nil
	}
	fmt.Fprintf(e.Stdout, "node %d tags: %s\n", id, join(resp.Node.Tags))
	return nil
}

func runNodesRoutes(e Env, args []string) error {
	fs, g := newFlags("nodes routes", e)
	approve := fs.String("approve", "", `routes to approve, replacing the approved ones, e.g. 10.0.0.0/24,0.0.0.0/0,::/0 ("" withdraws all)`)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID("nodes routes", pos)
	if err != nil {
		return err
	}
	approving := false
	fs.Visit(func(f *flag.Flag) { approving = approving || f.Name == "approve" })
	method, path, body := "GET", fmt.Sprintf("/api/v1/nodes/%d", id), any(nil)
	if approving {
		method, path, body = "PUT", path+"/routes", map[string][]string{"routes": splitList(*approve)}
	}
	var resp nodeAnswer
	if printed, err := call(e, g, method, path, nil, body, &resp); err != nil || printed {
		return err
	}
	n := resp.Node
	routes := slices.Concat(n.AvailableRoutes, n.ApprovedRoutes)
	slices.Sort(routes)
	routes = slices.Compact(routes)
	if len(routes) == 0 {
		fmt.Fprintf(e.Stdout, "node %d advertises no routes and has none approved\n", id)
		return nil
	}
	t := newTable(e.Stdout, "ROUTE", "AVAILABLE", "APPROVED")
	for _, r := range routes {
		t.row(r, yesNo(slices.Contains(n.AvailableRoutes, r)), yesNo(slices.Contains(n.ApprovedRoutes, r)))
	}
	return t.flush()
}

// authIDRE matches Headscale's auth ids, as the console checks them.
var authIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{8,128}$`)

// authID takes the id `tailscale up` printed, or the whole URL it printed.
func authID(cmd string, pos []string) (string, error) {
	if len(pos) != 1 {
		return "", usageErr("%s needs exactly one AUTH_ID (or the URL `tailscale up` printed), got %d arguments", cmd, len(pos))
	}
	id := pos[0]
	if i := strings.LastIndex(id, "/"); i >= 0 {
		id = id[i+1:]
	}
	if !authIDRE.MatchString(id) {
		return "", usageErr("AUTH_ID %q is not valid: paste the id (or the URL) that `tailscale up` printed", pos[0])
	}
	return id, nil
}

func runLoginsApprove(e Env, args []string) error {
	fs, g := newFlags("logins approve", e)
	user := fs.String("user", "", "tailnet user the machine belongs to")
	tags := fs.String("tags", "", "comma-separated tags the machine gets, e.g. tag:server")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	id, err := authID("logins approve", pos)
	if err != nil {
		return err
	}
	body := struct {
		User string   `json:"user,omitempty"`
		Tags []string `json:"tags,omitempty"`
	}{*user, splitList(*tags)}
	if (body.User == "") == (len(body.Tags) == 0) {
		return usageErr("give exactly one of --user U or --tags tag:a,…")
	}
	var resp nodeAnswer
	if printed, err := call(e, g, "POST", "/api/v1/logins/"+id+"/approve", nil, body, &resp); err != nil || printed {
		return err
	}
	n := resp.Node
	fmt.Fprintf(e.Stdout, "machine registered as node %d (%s) for %s\n", n.ID, n.Name, owner(n))
	return nil
}

func runLoginsReject(e Env, args []string) error {
	fs, g := newFlags("logins reject", e)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	id, err := authID("logins reject", pos)
	if err != nil {
		return err
	}
	if printed, err := call(e, g, "POST", "/api/v1/logins/"+id+"/reject", nil, nil, nil); err != nil || printed {
		return err
	}
	fmt.Fprintf(e.Stdout, "login %s rejected\n", id)
	return nil
}
