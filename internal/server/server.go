// Package server is the console's HTTP face: the route table, middleware
// (authentication, roles, cross-origin protection, limits, metrics), the
// JSON API, Server-Sent Events and the OpenAPI document.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/neogenesys/console/config"
	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/internal/audit"
	"github.com/neogenesys/console/internal/auth"
	"github.com/neogenesys/console/internal/clouds"
	"github.com/neogenesys/console/internal/events"
	"github.com/neogenesys/console/internal/inventory"
	"github.com/neogenesys/console/internal/secrets"
	"github.com/neogenesys/console/internal/store"
	"github.com/neogenesys/console/internal/tailnet"
	"github.com/prometheus/client_golang/prometheus"
)

// HeadscaleInfo describes the Headscale connection, for /readyz and Settings.
type HeadscaleInfo struct {
	Mode        string            `json:"mode"` // managed or external
	Address     string            `json:"address"`
	LoginServer string            `json:"loginServer"`
	Managed     *headscale.Status `json:"managed,omitempty"`
}

// Deps is everything the server uses. All fields are required unless noted.
type Deps struct {
	Config    config.Config
	Log       *slog.Logger
	Store     store.Store
	Headscale headscale.Client
	Nodes     *tailnet.View
	Auth      *auth.Service
	Audit     *audit.Trail
	Events    *events.Hub
	// HeadscaleInfo reports the connection; it is called per request.
	HeadscaleInfo func() HeadscaleInfo
	// Registry receives the server's metrics; nil makes a private one.
	Registry *prometheus.Registry
	// UI serves the web app at /; nil serves a minimal page.
	UI http.Handler
	// Version is the build's version string.
	Version string
	// Clouds manages the connected cloud accounts.
	Clouds *clouds.Service
	// Inventory is the VM inventory's sync engine.
	Inventory *inventory.Engine
	// Secrets seals what the console stores for later (install links' keys).
	Secrets *secrets.Box
	// Managed is the managed Headscale's settings; nil in external mode.
	Managed ManagedHeadscale
}

// Server handles the console's HTTP traffic.
type Server struct {
	Deps
	metrics        *metrics
	loginLimiter   *limiter
	mintLimiter    *limiter
	trustedProxies []netip.Prefix
	cop            *http.CrossOriginProtection
	handler        http.Handler
	setupMu        sync.Mutex
	nodeJSON       nodeJSONCache
}

// New builds the server and its route table.
func New(d Deps) (*Server, error) {
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	s := &Server{
		Deps:         d,
		loginLimiter: newLimiter(d.Config.Auth.LoginRate),
		mintLimiter:  newLimiter(d.Config.Auth.KeyMintRate),
		cop:          http.NewCrossOriginProtection(),
	}
	for _, c := range d.Config.HTTP.TrustedProxies {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return nil, err
		}
		s.trustedProxies = append(s.trustedProxies, p)
	}
	if pub := d.Config.PublicURL(); pub != "" {
		// The console's own public address is same-origin even behind a proxy
		// that rewrites Host.
		_ = s.cop.AddTrustedOrigin(originOf(pub))
	}
	m, err := newMetrics(d.Registry)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.Pattern(), s.wrap(rt))
	}
	s.handler = s.recoverer(securityHeaders(mux))
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Metrics exposes the counters other parts of the console feed.
func (s *Server) Metrics() *metrics { return s.metrics }

// HeadscaleCallObserver returns the hook headscale.DialConfig.OnCall takes.
func HeadscaleCallObserver(reg prometheus.Registerer) func(op string, d time.Duration, err error) {
	dur := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "neoconsole_headscale_call_duration_seconds", Help: "Latency of gRPC calls to Headscale.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
	}, []string{"op"})
	errs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "neoconsole_headscale_call_errors_total", Help: "Failed gRPC calls to Headscale.",
	}, []string{"op"})
	reg.MustRegister(dur, errs)
	return func(op string, d time.Duration, err error) {
		dur.WithLabelValues(op).Observe(d.Seconds())
		if err != nil {
			errs.WithLabelValues(op).Inc()
		}
	}
}

// ready reports whether the store and Headscale answer.
func (s *Server) ready(ctx context.Context) map[string]string {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	checks := map[string]string{"store": "ok", "headscale": "ok"}
	if err := s.Store.Ping(ctx); err != nil {
		checks["store"] = "unavailable"
		s.Log.Warn("readiness: store", "error", err)
	}
	if err := s.Headscale.Health(ctx); err != nil {
		checks["headscale"] = "unavailable"
		s.Log.Warn("readiness: headscale", "error", err)
	}
	return checks
}
