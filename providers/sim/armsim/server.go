package armsim

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/neogenesys/console/providers/sim"
)

// Options configure a Server. Zero values give realistic defaults.
type Options struct {
	// PageSize is how many VMs one list page holds (default 1000).
	PageSize int
	// Subscriptions the server knows (default: the two Populate uses).
	Subscriptions []string
	// TenantID, ClientID and ClientSecret are the one app registration the
	// token endpoint accepts (defaults: DefaultTenantID, DefaultClientID,
	// DefaultClientSecret).
	TenantID, ClientID, ClientSecret string
	// TokenLifetime is how long issued access tokens last (default 1 h).
	TokenLifetime time.Duration
}

// Defaults of the simulated tenant and app registration.
const (
	DefaultTenantID     = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	DefaultClientID     = "3c1c9f4e-8a5b-4e0b-9d7a-5f2e6c1b8a90"
	DefaultClientSecret = "sim8Q~armsim.Secret-0123456789abcdefghij"
)

// Server is the simulated ARM and Entra ID endpoint.
type Server struct {
	Fleet  *sim.Fleet
	Faults *sim.Faults

	opts  Options
	login http.Handler // Entra ID routes, never faulted
	arm   http.Handler // ARM routes behind auth and faults

	mu         sync.Mutex
	tokens     map[string]token      // access token → what it grants
	ops        map[string]*operation // async operation id → operation
	poweredOff map[string]bool       // VMs stopped with powerOff (still allocated)
	corrupt    map[string]bool       // VMs whose list record is sent malformed
	now        func() time.Time

	runs runCommands // runcommand.go
}

// New returns a server over fleet with Faults ready.
func New(fleet *sim.Fleet, opts Options) *Server {
	if opts.PageSize <= 0 {
		opts.PageSize = 1000
	}
	if len(opts.Subscriptions) == 0 {
		opts.Subscriptions = Subscriptions()
	}
	if opts.TenantID == "" {
		opts.TenantID = DefaultTenantID
	}
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DefaultClientSecret
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = time.Hour
	}
	s := &Server{
		Fleet:      fleet,
		Faults:     &sim.Faults{},
		opts:       opts,
		tokens:     map[string]token{},
		ops:        map[string]*operation{},
		poweredOff: map[string]bool{},
		corrupt:    map[string]bool{},
		now:        time.Now,
	}
	s.login = s.loginRoutes()
	s.arm = s.Faults.Wrap(s.authenticated(s.withAPIVersion(s.armRoutes())), s.throttled, s.failed)
	return s
}

func (s *Server) loginRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", s.openIDConfiguration)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.issueToken)
	return mux
}

func (s *Server) armRoutes() http.Handler {
	const vm = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}"
	const loc = "/subscriptions/{sub}/providers/Microsoft.Compute/locations/{loc}"
	mux := http.NewServeMux()
	mux.HandleFunc("GET /subscriptions/{sub}", s.getSubscription)
	mux.HandleFunc("GET /subscriptions/{sub}/locations", s.listLocations)
	mux.HandleFunc("GET /subscriptions/{sub}/providers/Microsoft.Compute/virtualMachines", s.listVMs)
	mux.HandleFunc("GET "+vm, s.getVM)
	mux.HandleFunc("POST "+vm+"/{action}", s.powerAction)
	mux.HandleFunc("POST "+vm+"/runCommand", s.runCommand)
	mux.HandleFunc("GET "+loc+"/operations/{op}", s.operationOrRunCommand)
	mux.HandleFunc("GET "+loc+"/vmSizes", s.listSizes)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "InvalidResourceType",
			"The resource type could not be found in the namespace for api version '"+r.URL.Query().Get("api-version")+"'.")
	})
	return mux
}

// ServeHTTP sends ARM paths (/subscriptions/…) through authentication and
// faults, everything else to the Entra ID routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/subscriptions/") {
		s.arm.ServeHTTP(w, r)
		return
	}
	s.login.ServeHTTP(w, r)
}

// NeedsTLS is true: azcore sends bearer tokens over https only.
func (s *Server) NeedsTLS() bool { return true }

// AccountConfig is the azure adapter's JSON config pointing at this server
// served at baseURL (https://…) with TLS certificate caPEM.
func (s *Server) AccountConfig(baseURL string, caPEM []byte) map[string]any {
	return map[string]any{
		"subscriptions": append([]string(nil), s.opts.Subscriptions...),
		"tenantId":      s.opts.TenantID,
		"clientId":      s.opts.ClientID,
		"clientSecret":  s.opts.ClientSecret,
		"endpoint":      baseURL,
		"authorityHost": baseURL,
		"caCert":        string(caPEM),
	}
}

// Corrupt makes the VM's list records arrive without their id, the one field
// a client cannot do without.
func (s *Server) Corrupt(id string) {
	s.mu.Lock()
	s.corrupt[strings.ToLower(id)] = true
	s.mu.Unlock()
}

// ExpireTokens makes every issued access token expired, as after an hour.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, t := range s.tokens {
		t.expires = s.now().Add(-time.Second)
		s.tokens[k] = t
	}
}

// baseURL is how the client reached this server; ARM's links are absolute.
func baseURL(r *http.Request) string { return "https://" + r.Host }

func (s *Server) knownSubscription(sub string) bool {
	for _, k := range s.opts.Subscriptions {
		if strings.EqualFold(k, sub) {
			return true
		}
	}
	return false
}
