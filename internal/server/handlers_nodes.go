package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/internal/audit"
	"github.com/neogenesys/console/internal/enroll"
	"github.com/neogenesys/console/internal/inventory"
	"github.com/neogenesys/console/internal/store"
	"github.com/neogenesys/console/internal/tailnet"
)

// exitRoutes are the routes a node advertises to offer itself as exit node.
var exitRoutes = []string{"0.0.0.0/0", "::/0"}

// nodeJSON is a node as the API shows it.
type nodeJSON struct {
	headscale.Node
	Expired  bool   `json:"expired"`
	ExitNode bool   `json:"exitNode"` // approved as exit node
	OS       string `json:"os"`       // from the matched cloud VM; "unknown" until then
	// VM is the inventory VM the node runs on, when one is linked.
	VM *inventory.NodeVM `json:"vm,omitempty"`
	// Orphaned: the node's VM is gone from its cloud.
	Orphaned bool `json:"orphaned"`
}

// nodeOut shows a node and the VM it runs on (nil when none is linked).
func nodeOut(n headscale.Node, now time.Time, vm *inventory.NodeVM) nodeJSON {
	osName := "unknown"
	if vm != nil && vm.OS != "" {
		osName = vm.OS
	}
	return nodeJSON{
		Node: n, Expired: n.Expired(now), OS: osName, VM: vm, Orphaned: vm != nil && vm.Gone,
		ExitNode: slices.Contains(n.ApprovedRoutes, exitRoutes[0]) && slices.Contains(n.ApprovedRoutes, exitRoutes[1]),
	}
}

func parseBoolParam(r *http.Request, name string) (*bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, badRequest("query parameter %s must be true or false, not %q", name, truncateForMessage(v))
	}
	return &b, nil
}

func (s *Server) listNodes(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := tailnet.Filter{Q: strings.TrimSpace(q.Get("q")), User: q.Get("user"), Tag: q.Get("tag")}
	var err error
	if f.Online, err = parseBoolParam(r, "online"); err != nil {
		return err
	}
	if f.Expired, err = parseBoolParam(r, "expired"); err != nil {
		return err
	}
	orphaned, err := parseBoolParam(r, "orphaned")
	if err != nil {
		return err
	}
	if len(f.Q) > 200 || len(f.User) > 200 || len(f.Tag) > 200 {
		return badRequest("q, user and tag must each be at most 200 characters")
	}
	snap, err := s.Nodes.Snapshot()
	if err != nil {
		return err
	}
	enc := s.nodeJSON.get(snap, s.vmOfNode)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "Accept-Encoding")
	if f == (tailnet.Filter{}) && orphaned == nil {
		body := enc.full
		if acceptsGzip(r) {
			body = enc.gzipped()
			h.Set("Content-Encoding", "gzip")
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		_, err := w.Write(body)
		return err
	}
	var buf bytes.Buffer
	enc.writeBody(&buf, func(i int) bool {
		if orphaned != nil {
			vm := s.vmOfNode(snap.Nodes[i].ID)
			if (vm != nil && vm.Gone) != *orphaned {
				return false
			}
		}
		return f.Match(snap.Nodes[i], snap.FetchedAt)
	})
	_, err = w.Write(buf.Bytes())
	return err
}

// acceptsGzip reports whether the client takes a gzip-encoded answer.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}

// node returns a node from the view, or from Headscale when the view has not
// seen it yet.
func (s *Server) node(ctx context.Context, id uint64) (headscale.Node, error) {
	n, ok, err := s.Nodes.Node(id)
	switch {
	case err != nil:
		return s.Headscale.GetNode(ctx, id) // the view is stale: ask Headscale
	case !ok:
		return headscale.Node{}, fmt.Errorf("%w: node %d", errNotFound, id)
	}
	return n, nil
}

func (s *Server) getNode(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.node(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"node": nodeOut(n, time.Now(), s.vmOfNode(n.ID))})
	return nil
}

// nodeChange runs one change to a node, audits it, refreshes the view and
// answers with the node as it now is.
func (s *Server) nodeChange(w http.ResponseWriter, r *http.Request, action string, detail map[string]any,
	change func(ctx context.Context, id uint64) (headscale.Node, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := change(r.Context(), id)
	s.record(r, action, fmt.Sprintf("node:%d", id), err, detail)
	if err != nil {
		return err
	}
	_ = s.Nodes.Refresh(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{"node": nodeOut(n, time.Now(), s.vmOfNode(n.ID))})
	return nil
}

func (s *Server) renameNode(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, s.Config.HTTP.MaxBodyBytes, &req); err != nil {
		return err
	}
	if err := enroll.ValidateHostname(req.Name); err != nil {
		return err
	}
	return s.nodeChange(w, r, "node.rename", map[string]any{"name": req.Name}, func(ctx context.Context, id uint64) (headscale.Node, error) {
		return s.Headscale.RenameNode(ctx, id, req.Name)
	})
}

var tagRE = regexp.MustCompile(`^tag:[a-z0-9][a-z0-9-]{0,62}$`)

func validateTags(tags []string) error {
	if len(tags) > 64 {
		return badRequest("at most 64 tags")
	}
	for _, t := range tags {
		if !tagRE.MatchString(t) {
			return badRequest("tag %q must look like tag:name (lowercase letters, digits and '-')", truncateForMessage(t))
		}
	}
	return nil
}

func (s *Server) setNodeTags(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Tags []string `json:"tags"`
	}
	if err := decode(w, r, s.Config.HTTP.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.Tags == nil {
		return badRequest("tags is required (an array; [] removes all tags)")
	}
	if err := validateTags(req.Tags); err != nil {
		return err
	}
	return s.nodeChange(w, r, "node.tags", map[string]any{"tags": req.Tags}, func(ctx context.Context, id uint64) (headscale.Node, error) {
		return s.Headscale.SetTags(ctx, id, req.Tags)
	})
}

func validateRoutes(routes []string) ([]string, error) {
	if len(routes) > 256 {
		return nil, badRequest("at most 256 routes")
	}
	out := make([]string, 0, len(routes))
	for _, rt := range routes {
		p, err := netip.ParsePrefix(strings.TrimSpace(rt))
		if err != nil {
			return nil, badRequest("route %q is not a CIDR prefix like 10.0.0.0/24", truncateForMessage(rt))
		}
		if p != p.Masked() {
			return nil, badRequest("route %q has host bits set; did you mean %s?", rt, p.Masked())
		}
		out = append(out, p.String())
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func (s *Server) setNodeRoutes(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Routes []string `json:"routes"`
	}
	if err := decode(w, r, s.Config.HTTP.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.Routes == nil {
		return badRequest("routes is required (an array; [] withdraws every approval)")
	}
	routes, err := validateRoutes(req.Routes)
	if err != nil {
		return err
	}
	return s.nodeChange(w, r, "node.routes", map[string]any{"routes": routes}, func(ctx context.Context, id uint64) (headscale.Node, error) {
		return s.Headscale.SetApprovedRoutes(ctx, id, routes)
	})
}

func (s *Server) setExitNode(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Enabled *bool `json:"enabled"`
	}
	if err := decode(w, r, s.Config.HTTP.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.Enabled == nil {
		return badRequest("enabled (true or false) is required")
	}
	return s.nodeChange(w, r, "node.exit_node", map[string]any{"enabled": *req.Enabled}, func(ctx context.Context, id uint64) (headscale.Node, error) {
		n, err := s.Headscale.GetNode(ctx, id)
		if err != nil {
			return n, err
		}
		routes := slices.DeleteFunc(slices.Clone(n.ApprovedRoutes), func(r string) bool { return slices.Contains(exitRoutes, r) })
		if *req.Enabled {
			routes = append(routes, exitRoutes...)
		}
		return s.Headscale.SetApprovedRoutes(ctx, id, routes)
	})
}

func (s *Server) expireNode(w http.ResponseWriter, r *http.Request) error {
	return s.nodeChange(w, r, "node.expire", nil, s.Headscale.ExpireNode)
}

func (s *Server) disableNodeExpiry(w http.ResponseWriter, r *http.Request) error {
	return s.nodeChange(w, r, "node.disable_expiry", nil, s.Headscale.DisableNodeExpiry)
}

// revokeNode deletes a node, audits it and refreshes the view.
func (s *Server) revokeNode(r *http.Request, id uint64) error {
	detail := map[string]any{}
	if n, err := s.node(r.Context(), id); err == nil {
		detail["name"], detail["user"] = n.Name, n.User
	}
	err := s.Headscale.DeleteNode(r.Context(), id)
	s.record(r, "node.delete", fmt.Sprintf("node:%d", id), err, detail)
	if err != nil {
		return err
	}
	_ = s.Nodes.Refresh(r.Context())
	return nil
}

func (s *Server) deleteNode(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.revokeNode(r, id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
	return nil
}

// authIDRE matches Headscale's auth ids; approveLogin also takes the whole
// register URL `tailscale up` prints and keeps its last segment.
var authIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{8,128}$`)

func parseAuthID(raw string) (string, error) {
	id := raw
	if i := strings.LastIndex(id, "/"); i >= 0 {
		id = id[i+1:]
	}
	if !authIDRE.MatchString(id) {
		return "", badRequest("auth id %q is not valid: paste the id (or the URL) that `tailscale up` printed", truncateForMessage(raw))
	}
	return id, nil
}

func (s *Server) approveLogin(w http.ResponseWriter, r *http.Request) error {
	authID, err := parseAuthID(r.PathValue("authId"))
	if err != nil {
		return err
	}
	var req struct {
		User string   `json:"user"`
		Tags []string `json:"tags"`
	}
	if err := decode(w, r, s.Config.HTTP.MaxBodyBytes, &req); err != nil {
		return err
	}
	if (req.User == "") == (len(req.Tags) == 0) {
		return badRequest("give a user or tags (tag:name), not both")
	}
	if err := validateTags(req.Tags); err != nil {
		return err
	}
	user := req.User
	if user == "" {
		u, err := s.ensureUser(r, s.Config.Headscale.DefaultUser)
		if err != nil {
			return err
		}
		user = u.Name
	}
	detail := map[string]any{"user": user, "tags": req.Tags}
	n, err := s.Headscale.RegisterPending(r.Context(), authID, user)
	if err == nil && len(req.Tags) > 0 {
		n, err = s.Headscale.SetTags(r.Context(), n.ID, req.Tags)
	}
	target := "login:" + authID
	if n.ID != 0 {
		detail["node"] = n.ID
	}
	s.record(r, "login.approve", target, err, detail)
	if err != nil {
		return err
	}
	_ = s.Nodes.Refresh(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{"node": nodeOut(n, time.Now(), s.vmOfNode(n.ID))})
	return nil
}

func (s *Server) rejectLogin(w http.ResponseWriter, r *http.Request) error {
	authID, err := parseAuthID(r.PathValue("authId"))
	if err != nil {
		return err
	}
	err = s.Headscale.RejectPending(r.Context(), authID)
	s.record(r, "login.reject", "login:"+authID, err, nil)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
	return nil
}

// actorNamed is the audit actor for a login attempt, before a session exists.
func (s *Server) actorNamed(r *http.Request, u store.User, name string) audit.Actor {
	return audit.Actor{UserID: u.ID, Username: truncateForMessage(name), Role: u.Role, SourceIP: s.clientIP(r)}
}

// vmOfNode is the VM the inventory linked to node id, nil when none.
func (s *Server) vmOfNode(id uint64) *inventory.NodeVM {
	if s.Inventory == nil {
		return nil
	}
	if vm, ok := s.Inventory.VMOfNode(id); ok {
		return &vm
	}
	return nil
}
