package server

import (
	"net/http"

	"github.com/neogenesys/console/internal/store"
)

// public marks a route that needs no sign-in.
const public store.Role = ""

// route is one line of the route table: who may call it and what runs.
type route struct {
	Method  string
	Path    string
	Role    store.Role // minimum role; public for none
	Summary string
	handle  func(w http.ResponseWriter, r *http.Request) error
	stream  bool // long-lived response (SSE): no write timeout metrics
}

// Pattern is the ServeMux pattern of the route.
func (rt route) Pattern() string { return rt.Method + " " + rt.Path }

// routes is the whole HTTP surface, read top to bottom. The OpenAPI document
// and the authorization tests are checked against it.
func (s *Server) routes() []route {
	const (
		viewer   = store.RoleViewer
		operator = store.RoleOperator
		admin    = store.RoleAdmin
	)
	return []route{
		// Probes, metrics and the API document.
		{"GET", "/healthz", public, "Process is alive", s.healthz, false},
		{"GET", "/readyz", public, "Store and Headscale answer", s.readyz, false},
		{"GET", "/metrics", public, "Prometheus metrics", s.metricsHandler, false},
		{"GET", "/api/openapi.json", public, "This API's OpenAPI 3.1 document", s.openapi, false},

		// Signing in.
		{"GET", "/api/v1/setup", public, "Whether first-run setup is needed (no admin account yet)", s.setupStatus, false},
		{"POST", "/api/v1/setup", public, "Create the first admin with the setup token printed in the log; signs in", s.setup, false},
		{"POST", "/api/v1/auth/login", public, "Sign in with a username and password; sets the session cookie", s.login, false},
		{"POST", "/api/v1/auth/logout", viewer, "Sign out: end this session", s.logout, false},
		{"GET", "/api/v1/auth/me", viewer, "Who the caller is", s.me, false},

		// The seed contract (camelCase, as the original console defined it).
		{"POST", "/api/headscale/machines/register", operator, "Mint a single-use key for a named machine, with install commands", s.seedRegister, false},
		{"GET", "/api/headscale/machines", viewer, "List machines (tailnet nodes) in the seed's shape", s.seedMachines, false},
		{"DELETE", "/api/headscale/machines/{id}", operator, "Revoke a machine: delete the node from Headscale", s.deleteNode, false},
		{"POST", "/api/headscale/preauthkeys", operator, "Mint a pre-auth key in the seed's shape", s.seedPreAuthKey, false},

		// Tailnet nodes.
		{"GET", "/api/v1/nodes", viewer, "List nodes; filters q, user, tag, online, expired, orphaned", s.listNodes, false},
		{"GET", "/api/v1/nodes/{id}", viewer, "Get one node", s.getNode, false},
		{"POST", "/api/v1/nodes/{id}/rename", operator, "Rename a node", s.renameNode, false},
		{"PUT", "/api/v1/nodes/{id}/tags", operator, "Replace a node's tags", s.setNodeTags, false},
		{"PUT", "/api/v1/nodes/{id}/routes", operator, "Replace a node's approved routes (subnets and exit routes)", s.setNodeRoutes, false},
		{"POST", "/api/v1/nodes/{id}/exit-node", operator, "Approve or withdraw a node as exit node", s.setExitNode, false},
		{"POST", "/api/v1/nodes/{id}/expire", operator, "Expire a node's key now: the machine is logged out", s.expireNode, false},
		{"POST", "/api/v1/nodes/{id}/disable-expiry", operator, "Make a node's key never expire", s.disableNodeExpiry, false},
		{"DELETE", "/api/v1/nodes/{id}", operator, "Delete (revoke) a node", s.deleteNode, false},

		// Machines waiting for approval after `tailscale up` without a key.
		{"POST", "/api/v1/logins/{authId}/approve", operator, "Register a waiting machine for a user or tags", s.approveLogin, false},
		{"POST", "/api/v1/logins/{authId}/reject", operator, "Reject a waiting machine", s.rejectLogin, false},

		// Pre-auth keys.
		{"GET", "/api/v1/preauthkeys", viewer, "List pre-auth keys (masked)", s.listKeys, false},
		{"POST", "/api/v1/preauthkeys", operator, "Mint a pre-auth key for a user or tags", s.createKey, false},
		{"POST", "/api/v1/preauthkeys/{id}/expire", operator, "Expire a pre-auth key", s.expireKey, false},
		{"DELETE", "/api/v1/preauthkeys/{id}", operator, "Delete a pre-auth key", s.deleteKey, false},

		// Tailnet users.
		{"GET", "/api/v1/users", viewer, "List tailnet users", s.listUsers, false},
		{"POST", "/api/v1/users", admin, "Create a tailnet user", s.createUser, false},
		{"POST", "/api/v1/users/{id}/rename", admin, "Rename a tailnet user", s.renameUser, false},
		{"DELETE", "/api/v1/users/{id}", admin, "Delete a tailnet user", s.deleteUser, false},

		// Policy.
		{"GET", "/api/v1/policy", viewer, "Get the tailnet policy (HuJSON)", s.getPolicy, false},
		{"POST", "/api/v1/policy/check", operator, "Check a policy without saving it", s.checkPolicy, false},
		{"PUT", "/api/v1/policy", admin, "Check and save the tailnet policy", s.setPolicy, false},

		// Console accounts and API tokens.
		{"GET", "/api/v1/accounts", admin, "List console accounts", s.listAccounts, false},
		{"POST", "/api/v1/accounts", admin, "Create a console account", s.createAccount, false},
		{"PATCH", "/api/v1/accounts/{id}", admin, "Change an account's role, password or disabled flag", s.updateAccount, false},
		{"DELETE", "/api/v1/accounts/{id}", admin, "Delete a console account", s.deleteAccount, false},
		{"GET", "/api/v1/tokens", viewer, "List API tokens: yours, or everyone's for admins with all=true", s.listTokens, false},
		{"POST", "/api/v1/tokens", viewer, "Create an API token (shown once)", s.createToken, false},
		{"DELETE", "/api/v1/tokens/{id}", viewer, "Revoke an API token", s.revokeToken, false},

		// Cloud accounts (credentials are write-only).
		{"GET", "/api/v1/clouds", viewer, "List cloud accounts (secrets never shown; secretsSet names the ones stored)", s.listClouds, false},
		{"POST", "/api/v1/clouds", admin, "Connect a cloud account: name, kind and the kind's config", s.createCloud, false},
		{"GET", "/api/v1/clouds/kinds", viewer, "Provider kinds and their configuration fields (for add-cloud forms)", s.cloudKinds, false},
		{"POST", "/api/v1/clouds/check", admin, "Test a configuration without saving it: a new account's, or a change to a saved one", s.checkDraftCloud, false},
		{"GET", "/api/v1/clouds/{id}", viewer, "Get one cloud account", s.getCloud, false},
		{"PATCH", "/api/v1/clouds/{id}", admin, "Rename an account or change config fields (omitted secrets are kept)", s.updateCloud, false},
		{"DELETE", "/api/v1/clouds/{id}", admin, "Disconnect a cloud account", s.deleteCloud, false},
		{"POST", "/api/v1/clouds/{id}/check", admin, "Test the connection: identity and region count", s.checkCloud, false},
		{"POST", "/api/v1/clouds/{id}/sync", operator, "Sync an account's VMs now", s.syncCloud, false},
		{"GET", "/api/v1/clouds/{id}/syncs", viewer, "An account's sync status and history, newest first", s.cloudSyncs, false},
		{"GET", "/api/v1/clouds/{id}/vms", viewer, "The VMs of one account; same filters as /api/v1/vms", s.listCloudVMs, false},

		// The VM inventory.
		{"GET", "/api/v1/vms", viewer, "Query the inventory: q, provider, cloud, region, state, tag, enrollment, stale, gone, sort, limit, cursor; with facets", s.listVMs, false},
		{"GET", "/api/v1/vms/{id}", viewer, "One VM of the inventory", s.getVM, false},
		{"POST", "/api/v1/vms/{id}/start", operator, "Start a VM", s.startVM, false},
		{"POST", "/api/v1/vms/{id}/stop", operator, "Stop a VM (Azure: deallocate; Proxmox: shutdown)", s.stopVM, false},
		{"POST", "/api/v1/vms/{id}/reboot", operator, "Reboot a VM", s.rebootVM, false},
		{"POST", "/api/v1/vms/{id}/enroll", operator, "Mint a single-use key for a VM; install commands, a one-time install link, and the install run in the guest where the provider can", s.enrollVM, false},
		{"GET", "/api/v1/overview", viewer, "Counts across clouds, regions, VMs and nodes", s.overview, false},
		{"GET", "/api/v1/proxmox/clusters", viewer, "Proxmox VE clusters → nodes → guests, with health", s.proxmoxClusters, false},
		{"GET", "/install/{token}", public, "A one-time install script (?os=linux|macos|windows|proxmox); 404 unknown, 410 used or expired", s.install, false},

		// Audit, Headscale status and live events.
		{"GET", "/api/v1/audit", viewer, "Audit trail; filters user, action, target, since, until, before, limit", s.listAudit, false},
		{"GET", "/api/v1/audit/export", viewer, "Download the audit trail as CSV or JSON; same filters", s.exportAudit, true},
		{"GET", "/api/v1/headscale", viewer, "The Headscale connection and its health", s.headscaleStatus, false},
		{"GET", "/api/v1/settings/headscale", viewer, "Settings of the managed Headscale (read-only in external mode)", s.getHeadscaleSettings, false},
		{"PUT", "/api/v1/settings/headscale", admin, "Change the managed Headscale's settings and restart it", s.putHeadscaleSettings, false},
		{"GET", "/api/v1/events", viewer, "Live changes as Server-Sent Events", s.events, true},

		// The web app (and its index.html fallback).
		{"GET", "/", public, "Web console", s.ui, false},
	}
}
