package ec2sim

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/neogenesys/console/providers/sim"
)

// Defaults of Options.
const (
	DefaultAccessKeyID     = "AKIASIMULATOR0000001"
	DefaultSecretAccessKey = "simulatorSecretKey/0000000000000000000000"
	DefaultAccountID       = "123456789012"
	// DefaultPageSize is the most instances one DescribeInstances page holds,
	// the API's own MaxResults limit.
	DefaultPageSize = 1000
)

// Options configure a Server; zero values give realistic defaults.
type Options struct {
	// PageSize caps the instances of one DescribeInstances page, whatever
	// MaxResults asks for (default 1000). Small values force paging.
	PageSize int
	// AccessKeyID and SecretAccessKey are the one long-term key the
	// simulator accepts (defaults DefaultAccessKeyID, DefaultSecretAccessKey).
	AccessKeyID     string
	SecretAccessKey string
	// AccountID owns that key (default DefaultAccountID). Roles assumed
	// through AssumeRole belong to the account in their ARN.
	AccountID string
	// ExternalID, when set, is required by AssumeRole, as a role's trust
	// policy with sts:ExternalId does.
	ExternalID string
	// Regions are reported by DescribeRegions besides the fleet's own
	// (default us-east-1 and us-west-2, so an account has a region without
	// instances, as real ones do).
	Regions []string
	// MaxSkew is how far X-Amz-Date may be from the clock (default 15 min).
	MaxSkew time.Duration
}

// Server is the simulated EC2 and STS endpoint.
type Server struct {
	Fleet  *sim.Fleet
	Faults *sim.Faults

	opts    Options
	handler http.Handler

	mu      sync.Mutex
	temp    map[string]tempCredential // AssumeRole credentials by access key
	corrupt map[string]bool           // VM ids sent malformed
}

// New returns a simulator serving fleet.
func New(fleet *sim.Fleet, opts Options) *Server {
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
	}
	if opts.AccessKeyID == "" {
		opts.AccessKeyID = DefaultAccessKeyID
	}
	if opts.SecretAccessKey == "" {
		opts.SecretAccessKey = DefaultSecretAccessKey
	}
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	if opts.Regions == nil {
		opts.Regions = []string{"us-east-1", "us-west-2"}
	}
	if opts.MaxSkew <= 0 {
		opts.MaxSkew = 15 * time.Minute
	}
	s := &Server{
		Fleet:   fleet,
		Faults:  &sim.Faults{},
		opts:    opts,
		temp:    map[string]tempCredential{},
		corrupt: map[string]bool{},
	}
	s.handler = s.Faults.Wrap(http.HandlerFunc(s.serve), s.throttled, s.failed)
	return s
}

// ServeHTTP answers one API call. The body is read before the injected
// latency: Go's server notices a client hanging up (and cancels the
// request's context, ending the wait) only once the body was read.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return // the client went away
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.handler.ServeHTTP(w, r)
}

// NeedsTLS is false: the SDK accepts a plain http endpoint.
func (s *Server) NeedsTLS() bool { return false }

// AccountConfig is the aws adapter configuration that points at this
// simulator served at baseURL.
func (s *Server) AccountConfig(baseURL string, caPEM []byte) map[string]any {
	return map[string]any{
		"accessKeyId":     s.opts.AccessKeyID,
		"secretAccessKey": s.opts.SecretAccessKey,
		"defaultRegion":   "us-east-1",
		"endpoint":        baseURL,
	}
}

// Corrupt makes DescribeInstances send VM id's record malformed: without its
// instanceId and with a state code EC2 does not define. (A garbage launchTime
// would not do: the SDK then refuses the whole page, not the one record.)
func (s *Server) Corrupt(id string) {
	s.mu.Lock()
	s.corrupt[id] = true
	s.mu.Unlock()
}

func (s *Server) isCorrupt(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.corrupt[id]
}

// regions is what DescribeRegions reports: the configured regions and every
// region of the fleet, sorted.
func (s *Server) regions() []string {
	out := slices.Concat(s.opts.Regions, s.Fleet.Regions())
	slices.Sort(out)
	return slices.Compact(out)
}

// maxBody bounds what the simulator reads of a request.
const maxBody = 1 << 20

// call is one authenticated request.
type call struct {
	params url.Values
	scope  scope
	who    principal
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return // the client went away
	}
	if isSSM(r) { // X-Amz-Target: AmazonSSM.*, AWS JSON 1.1 (ssm.go)
		s.serveSSM(w, r, body)
		return
	}
	service := serviceOf(r, nil)
	if len(body) > maxBody {
		writeError(w, service, errBadRequest("InvalidParameterValue", "request body too large"))
		return
	}
	params, err := url.ParseQuery(string(body))
	if err != nil || r.Method != http.MethodPost && r.Method != http.MethodGet {
		writeError(w, service, errBadRequest("MalformedQueryString", "the request is not a form-encoded query"))
		return
	}
	for k, v := range r.URL.Query() {
		params[k] = append(params[k], v...)
	}
	service = serviceOf(r, params)
	c, aerr := s.authenticate(r, body, params)
	if aerr != nil {
		writeError(w, service, aerr)
		return
	}
	switch c.scope.Service {
	case "sts":
		s.serveSTS(w, c)
	case "ec2":
		s.serveEC2(w, c)
	default:
		writeError(w, service, errBadRequest("InvalidAction", fmt.Sprintf("service %q is not simulated", c.scope.Service)))
	}
}

// serviceOf tells which error shape a request gets: the service of its
// credential scope, else a guess from its Action.
func serviceOf(r *http.Request, params url.Values) string {
	if a, err := parseAuthorization(r.Header.Get("Authorization")); err == nil && a.Scope.Service == "sts" {
		return "sts"
	}
	switch params.Get("Action") {
	case "GetCallerIdentity", "AssumeRole":
		return "sts"
	}
	return "ec2"
}

func (s *Server) throttled(w http.ResponseWriter, r *http.Request) {
	if serviceOf(r, nil) == "sts" {
		writeError(w, "sts", &apiError{Status: http.StatusBadRequest, Code: "Throttling", Message: "Rate exceeded"})
		return
	}
	writeError(w, "ec2", &apiError{Status: http.StatusServiceUnavailable, Code: "RequestLimitExceeded", Message: "Request limit exceeded."})
}

func (s *Server) failed(w http.ResponseWriter, r *http.Request) {
	if serviceOf(r, nil) == "sts" {
		writeError(w, "sts", &apiError{Status: http.StatusInternalServerError, Code: "InternalFailure", Message: "An internal error occurred."})
		return
	}
	writeError(w, "ec2", &apiError{Status: http.StatusInternalServerError, Code: "InternalError", Message: "An internal error has occurred."})
}
