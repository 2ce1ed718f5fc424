// Package gcesim simulates the Compute Engine v1 REST API over a sim.Fleet,
// closely enough for the real cloud.google.com/go/compute/apiv1 REST
// clients: zones, aggregated and per-zone instance lists with
// maxResults/pageToken paging (empty zones carry the NO_RESULTS_ON_PAGE
// warning), instance get, start/stop/reset returning zone operations that
// turn DONE once the fleet's transition time has passed, machine types,
// Google's JSON error shape, and OAuth 2.0 service-account authentication
// (a JWT-bearer token endpoint at /token and bearer tokens checked on every
// API call).
//
// A fleet VM lives in project vm.Group (Options.DefaultProject when empty)
// and zone vm.Zone; its instance name is vm.Name and its numeric id is
// vm.ID when that is all digits, else a hash of it. Terminated fleet VMs are
// deleted instances and do not appear.
package gcesim

import (
	"crypto/rsa"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/neogenesys/console/providers/sim"
)

// projectNumber is the number every simulated project reports in messages.
const projectNumber = 123456789012

// Options tune the simulator; zero values are realistic defaults.
type Options struct {
	// PageSize is the default and the largest maxResults a list honours
	// (Compute Engine: 500).
	PageSize int
	// Projects are known even without VMs; projects of fleet VMs are always
	// known. Other projects answer 404.
	Projects []string
	// Denied projects answer 403 forbidden: the service account lacks
	// permission there.
	Denied []string
	// Zones every project has besides the zones of fleet VMs (default
	// us-central1-a, us-central1-b, europe-west1-b).
	Zones []string
	// DefaultProject holds fleet VMs with no Group (default "acme-prod").
	DefaultProject string
	// ThrottleStatus is the HTTP status of throttled answers: 429 (default)
	// or 403, both with reason rateLimitExceeded as Compute Engine sends.
	ThrottleStatus int
	// Email is the service account's address (default
	// neoconsole@<DefaultProject>.iam.gserviceaccount.com).
	Email string
	// Key is the service account's key (default: a fresh RSA 2048 key).
	Key *rsa.PrivateKey
}

// Corruption says how Corrupt spoils a VM's record.
type Corruption string

const (
	CorruptStatus    Corruption = "status"    // a status word no client knows
	CorruptTimestamp Corruption = "timestamp" // an unparsable creationTimestamp
	CorruptName      Corruption = "name"      // no name at all
)

// Server is the simulated Compute Engine API.
type Server struct {
	Fleet  *sim.Fleet
	Faults *sim.Faults

	opts    Options
	tokens  *tokens
	ops     *operations
	handler http.Handler

	mu      sync.Mutex
	corrupt map[string]Corruption // fleet id → how its record is spoilt
	md      metadataStore         // instance metadata (metadata.go)
}

// New returns a simulator over fleet. It panics only if no RSA key can be
// generated (the system's random source is broken).
func New(fleet *sim.Fleet, opts Options) *Server {
	if opts.PageSize <= 0 {
		opts.PageSize = 500
	}
	if len(opts.Zones) == 0 {
		opts.Zones = []string{"us-central1-a", "us-central1-b", "europe-west1-b"}
	}
	if opts.DefaultProject == "" {
		opts.DefaultProject = "acme-prod"
	}
	if opts.ThrottleStatus != http.StatusForbidden {
		opts.ThrottleStatus = http.StatusTooManyRequests
	}
	if opts.Email == "" {
		opts.Email = "neoconsole@" + opts.DefaultProject + ".iam.gserviceaccount.com"
	}
	tok, err := newTokens(opts.Email, opts.Key)
	if err != nil {
		panic(err)
	}
	s := &Server{
		Fleet:   fleet,
		Faults:  &sim.Faults{},
		opts:    opts,
		tokens:  tok,
		ops:     newOperations(),
		corrupt: map[string]Corruption{},
	}
	s.handler = s.Faults.Wrap(tok.requireToken(s.routes()), s.throttled, s.failed)
	return s
}

func (s *Server) routes() http.Handler {
	const p = "/compute/v1/projects/{project}"
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+p+"/zones", s.listZones)
	mux.HandleFunc("GET "+p+"/zones/{zone}", s.getZone)
	mux.HandleFunc("GET "+p+"/aggregated/instances", s.aggregatedInstances)
	mux.HandleFunc("GET "+p+"/zones/{zone}/instances", s.listInstances)
	mux.HandleFunc("GET "+p+"/zones/{zone}/instances/{name}", s.getInstance)
	mux.HandleFunc("POST "+p+"/zones/{zone}/instances/{name}/start", s.power(sim.Start, "start"))
	mux.HandleFunc("POST "+p+"/zones/{zone}/instances/{name}/stop", s.power(sim.Stop, "stop"))
	mux.HandleFunc("POST "+p+"/zones/{zone}/instances/{name}/reset", s.power(sim.Reboot, "reset"))
	mux.HandleFunc("POST "+p+"/zones/{zone}/instances/{name}/setMetadata", s.setMetadata)
	mux.HandleFunc("GET "+p+"/aggregated/machineTypes", s.aggregatedMachineTypes)
	mux.HandleFunc("GET "+p+"/zones/{zone}/machineTypes", s.listMachineTypes)
	mux.HandleFunc("GET "+p+"/zones/{zone}/machineTypes/{type}", s.getMachineType)
	mux.HandleFunc("GET "+p+"/zones/{zone}/operations/{op}", s.getOperation)
	mux.HandleFunc("POST "+p+"/zones/{zone}/operations/{op}/wait", s.waitOperation)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		notFound(w, strings.TrimPrefix(r.URL.Path, "/compute/v1/"))
	})
	return mux
}

// ServeHTTP serves the token endpoint (outside the fault injection: it is
// another Google service) and the Compute API (behind it).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/token" {
		s.tokens.serveToken(w, r)
		return
	}
	s.handler.ServeHTTP(w, r)
}

// NeedsTLS is false: the REST clients accept a plain http endpoint.
func (s *Server) NeedsTLS() bool { return false }

// ServiceAccountJSON is the key file of the sim's service account, its
// token_uri pointing at baseURL.
func (s *Server) ServiceAccountJSON(baseURL string) []byte {
	b, err := KeyJSON(strings.TrimSuffix(baseURL, "/")+"/token", s.tokens.email, s.tokens.keyID, s.tokens.key)
	if err != nil {
		panic(err) // an RSA key we generated always marshals
	}
	return b
}

// Email is the service account's address, for callers that make keys the
// sim must reject.
func (s *Server) Email() string { return s.tokens.email }

// AccountConfig is the gcp adapter configuration for this sim at baseURL:
// every known project, the service-account key and the endpoint.
func (s *Server) AccountConfig(baseURL string, caPEM []byte) map[string]any {
	return map[string]any{
		"projects":        s.Projects(),
		"credentialsJson": string(s.ServiceAccountJSON(baseURL)),
		"endpoint":        strings.TrimSuffix(baseURL, "/"),
	}
}

// Corrupt makes VM id's record (a fleet id) malformed in every answer, as c
// says; c == "" repairs it.
func (s *Server) Corrupt(id string, c Corruption) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c == "" {
		delete(s.corrupt, id)
		return
	}
	s.corrupt[id] = c
}

func (s *Server) corruption(id string) Corruption {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.corrupt[id]
}

// Locate returns where a fleet VM lives in the API: its project, zone and
// instance name.
func (s *Server) Locate(vm sim.VM) (project, zone, name string) {
	return s.projectOf(&vm), s.zoneOf(&vm), vm.Name
}

func (s *Server) projectOf(vm *sim.VM) string {
	if vm.Group != "" {
		return vm.Group
	}
	return s.opts.DefaultProject
}

func (s *Server) zoneOf(vm *sim.VM) string {
	if vm.Zone != "" {
		return vm.Zone
	}
	return s.opts.Zones[0]
}

// Projects lists the known projects, sorted (denied ones included: they
// exist, the account just may not read them).
func (s *Server) Projects() []string {
	seen := map[string]bool{}
	for _, p := range s.opts.Projects {
		seen[p] = true
	}
	for _, p := range s.opts.Denied {
		seen[p] = true
	}
	s.Fleet.List(func(vm *sim.VM) bool {
		seen[s.projectOf(vm)] = true
		return false
	})
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// zones lists every zone, sorted: the configured ones and those of fleet VMs.
func (s *Server) zones() []string {
	seen := map[string]bool{}
	for _, z := range s.opts.Zones {
		seen[z] = true
	}
	s.Fleet.List(func(vm *sim.VM) bool {
		seen[s.zoneOf(vm)] = true
		return false
	})
	out := make([]string, 0, len(seen))
	for z := range seen {
		out = append(out, z)
	}
	slices.Sort(out)
	return out
}

// checkProject answers 404 or 403 and returns false when the request's
// project is unknown or denied.
func (s *Server) checkProject(w http.ResponseWriter, r *http.Request, permission string) (string, bool) {
	p := r.PathValue("project")
	if slices.Contains(s.opts.Denied, p) {
		writeError(w, http.StatusForbidden, "forbidden", "Required '%s' permission for 'projects/%s'", permission, p)
		return "", false
	}
	if !slices.Contains(s.Projects(), p) {
		notFound(w, "projects/"+p)
		return "", false
	}
	return p, true
}

// checkZone is checkProject plus the zone in the path.
func (s *Server) checkZone(w http.ResponseWriter, r *http.Request, permission string) (project, zone string, ok bool) {
	if project, ok = s.checkProject(w, r, permission); !ok {
		return "", "", false
	}
	zone = r.PathValue("zone")
	if !slices.Contains(s.zones(), zone) {
		notFound(w, "projects/"+project+"/zones/"+zone)
		return "", "", false
	}
	return project, zone, true
}

// regionOf is a zone's region: the zone name without its last "-x".
func regionOf(zone string) string {
	if i := strings.LastIndexByte(zone, '-'); i > 0 {
		return zone[:i]
	}
	return zone
}

// timestamp formats t the way Compute Engine does (RFC 3339, milliseconds,
// Pacific offset).
func timestamp(t time.Time) string {
	return t.In(pacific).Format("2006-01-02T15:04:05.000-07:00")
}

var pacific = time.FixedZone("PST", -8*60*60)
