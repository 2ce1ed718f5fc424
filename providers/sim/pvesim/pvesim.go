// Package pvesim simulates the Proxmox VE API (/api2/json) over a
// *sim.Fleet, so the go-proxmox client used by providers/proxmox can be
// pointed at it. Every answer is {"data": …}. Errors carry their message in
// the HTTP status line as pveproxy does ("500 Configuration file
// 'nodes/pve1/qemu-server/100.conf' does not exist"); Go's server cannot
// write such a status line, so error answers are written on the hijacked
// connection, which is then closed. API tokens and ticket logins (with the
// CSRFPreventionToken on writes) are checked, power actions return UPIDs
// whose task status follows the fleet's transition, nodes can be taken
// offline (595 answers), and throttling is pveproxy's 503 or a 429.
//
// Fleet conventions: a VM's ID is its vmid ("100"), Kind is "qemu" or "lxc",
// Host is the node, Group the pool. Tags render as PVE tags (the value, or
// the key when the value is empty), except the sim's own keys TagTemplate
// and TagNoAgent. PVE has no paging: Options.PageSize is accepted and
// ignored.
package pvesim

import (
	"net/http"
	"strings"
	"sync"

	"github.com/neogenesys/console/providers/sim"
)

// Fleet tag keys that steer the simulator instead of becoming PVE tags.
const (
	// TagTemplate marks a guest as a template (template=1, never runs).
	TagTemplate = "pvesim:template"
	// TagNoAgent marks a qemu guest whose guest agent does not answer.
	TagNoAgent = "pvesim:noagent"
)

// Options configures a Server. Zero values are realistic defaults.
type Options struct {
	// PageSize is ignored: PVE lists a whole cluster in one answer. It is
	// here so every simulator takes the same options.
	PageSize int
	// Cluster is the cluster name (default "homelab").
	Cluster string
	// Standalone simulates a single host that is not in a cluster:
	// /cluster/status then has no cluster entry.
	Standalone bool
	// Nodes are nodes besides those the fleet's guests sit on.
	Nodes []string
	// Offline nodes start offline (see Server.SetOffline).
	Offline []string
	// TokenID and TokenSecret are the accepted API token (defaults
	// "root@pam!neoconsole" and a fixed UUID).
	TokenID     string
	TokenSecret string
	// Username and Password are the accepted ticket login (defaults
	// "root@pam" and "pvesim-password").
	Username string
	Password string
	// ThrottleStatus is the status of throttled answers: 503 (pveproxy
	// busy, the default) or 429.
	ThrottleStatus int
	// Version is the PVE version /version reports (default "8.2.4").
	Version string
}

func (o *Options) defaults() {
	if o.Cluster == "" {
		o.Cluster = "homelab"
	}
	if o.TokenID == "" {
		o.TokenID = "root@pam!neoconsole"
	}
	if o.TokenSecret == "" {
		o.TokenSecret = "5f1c7f2e-8d4b-4c7a-9a51-3b9e6f0d2c18"
	}
	if o.Username == "" {
		o.Username = "root@pam"
	}
	if o.Password == "" {
		o.Password = "pvesim-password"
	}
	if o.ThrottleStatus == 0 {
		o.ThrottleStatus = http.StatusServiceUnavailable
	}
	if o.Version == "" {
		o.Version = "8.2.4"
	}
}

// Server is a simulated Proxmox VE cluster.
type Server struct {
	Fleet  *sim.Fleet
	Faults *sim.Faults

	opts    Options
	handler http.Handler

	mu      sync.Mutex
	tickets map[string]ticket // by ticket string
	tasks   map[string]*task  // by UPID
	order   []string          // task UPIDs, oldest first, to bound the map
	corrupt map[string]bool   // vmids whose cluster/resources record is malformed
	offline map[string]bool   // nodes that answer 595
	pid     uint32
}

// New returns a Server over fleet.
func New(fleet *sim.Fleet, opts Options) *Server {
	opts.defaults()
	s := &Server{
		Fleet:   fleet,
		Faults:  &sim.Faults{},
		opts:    opts,
		tickets: map[string]ticket{},
		tasks:   map[string]*task{},
		corrupt: map[string]bool{},
		offline: map[string]bool{},
		pid:     0x000A1B2C,
	}
	for _, n := range opts.Offline {
		s.offline[n] = true
	}
	s.handler = s.Faults.Wrap(s.authenticate(s.routes()), s.throttled, s.failed)
	return s
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	const api = "/api2/json"
	mux.HandleFunc("POST "+api+"/access/ticket", s.login)
	mux.HandleFunc("GET "+api+"/version", s.version)
	mux.HandleFunc("GET "+api+"/cluster/status", s.clusterStatus)
	mux.HandleFunc("GET "+api+"/cluster/resources", s.clusterResources)
	mux.HandleFunc("GET "+api+"/nodes", s.nodeIndex)
	mux.HandleFunc("GET "+api+"/nodes/{node}/{kind}/{vmid}/status/current", s.onNode(s.guestStatus))
	mux.HandleFunc("POST "+api+"/nodes/{node}/{kind}/{vmid}/status/{action}", s.onNode(s.guestPower))
	mux.HandleFunc("GET "+api+"/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces", s.onNode(s.agentInterfaces))
	mux.HandleFunc("GET "+api+"/nodes/{node}/lxc/{vmid}/interfaces", s.onNode(s.lxcInterfaces))
	mux.HandleFunc("POST "+api+"/nodes/{node}/qemu/{vmid}/agent/exec", s.onNode(s.agentExec))
	mux.HandleFunc("GET "+api+"/nodes/{node}/qemu/{vmid}/agent/exec-status", s.onNode(s.agentExecStatus))
	mux.HandleFunc("GET "+api+"/nodes/{node}/tasks/{upid}/status", s.onNode(s.taskStatus))
	mux.HandleFunc("/", notImplemented)
	return mux
}

// ServeHTTP serves the PVE API under /api2/json.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// NeedsTLS is true: PVE serves HTTPS only, and the adapter's tests exercise
// CA trust and fingerprint pinning.
func (s *Server) NeedsTLS() bool { return true }

// AccountConfig is the proxmox adapter configuration that points at this
// simulator served at baseURL, trusting caPEM.
func (s *Server) AccountConfig(baseURL string, caPEM []byte) map[string]any {
	cfg := map[string]any{
		"endpoint":    baseURL,
		"tokenId":     s.opts.TokenID,
		"tokenSecret": s.opts.TokenSecret,
	}
	if len(caPEM) > 0 {
		cfg["caCert"] = string(caPEM)
	}
	return cfg
}

// Corrupt makes the cluster/resources record of guest vmid malformed (its
// vmid becomes a word), as a buggy or newer server might send it.
func (s *Server) Corrupt(vmid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.corrupt[vmid] = true
}

// SetOffline takes a node off the cluster network or brings it back: while
// offline, /cluster/status reports it offline, its guests' status is
// "unknown" and requests routed to it answer 595.
func (s *Server) SetOffline(node string, offline bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if offline {
		s.offline[node] = true
	} else {
		delete(s.offline, node)
	}
}

// ExpireSessions forgets every login ticket, as a restarted cluster or an
// expired ticket would: cookie requests then answer 401.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tickets)
}

func (s *Server) isOffline(node string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offline[node]
}

func (s *Server) isCorrupt(vmid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.corrupt[vmid]
}

// throttled answers as a busy pveproxy does.
func (s *Server) throttled(w http.ResponseWriter, _ *http.Request) {
	code := s.opts.ThrottleStatus
	writeError(w, code, http.StatusText(code))
}

func (s *Server) failed(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusInternalServerError, "unable to read file '/etc/pve/.members' - Connection timed out")
}

func notImplemented(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/api2/json")
	writeError(w, http.StatusNotImplemented, "Method '"+r.Method+" "+path+"' not implemented")
}
