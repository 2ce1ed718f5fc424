package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/neogenesys/console/internal/audit"
	"github.com/neogenesys/console/internal/auth"
	"github.com/neogenesys/console/internal/store"
)

const sessionCookie = "neoconsole_session"

type ctxKey int

const principalKey ctxKey = 0

// principalFrom returns who the request acts as (zero for anonymous).
func principalFrom(ctx context.Context) auth.Principal {
	p, _ := ctx.Value(principalKey).(auth.Principal)
	return p
}

// wrap turns a route into a handler: metrics, authentication, cross-origin
// protection, role check, then the route's own handler, whose error is
// written as a problem document.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			s.metrics.observe(rt, sw.status, time.Since(start))
		}()
		if err := s.authorize(sw, r, rt); err != nil {
			writeError(sw, r, s.Log, err)
			return
		}
		if err := rt.handle(sw, r); err != nil {
			writeError(sw, r, s.Log, err)
		}
	})
}

// authorize authenticates the request (bearer token or session cookie),
// refuses cross-origin unsafe requests that ride a cookie, and checks the
// route's role. On success the principal is stored in r's context.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, rt route) error {
	if rt.Role == public {
		// No sign-in needed, and none looked up; a cross-site login is
		// still refused.
		if !isSafeMethod(r.Method) {
			if err := s.cop.Check(r); err != nil {
				return fmt.Errorf("%w: %v", errCrossOrigin, err)
			}
		}
		return nil
	}
	p, authErr := s.authenticate(r)
	if p.TokenID == 0 && !isSafeMethod(r.Method) {
		// Browsers: refuse cross-site requests riding the cookie (CSRF).
		if err := s.cop.Check(r); err != nil {
			return fmt.Errorf("%w: %v", errCrossOrigin, err)
		}
	}
	if authErr != nil && !errors.Is(authErr, auth.ErrUnauthenticated) {
		return authErr // the store failed: not the caller's fault
	}
	if authErr != nil {
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			clearSessionCookie(w, s.secureCookies(r))
		}
		return authErr
	}
	if p.User.Role.Rank() < rt.Role.Rank() {
		return fmt.Errorf("%w: this needs the %s role; you are %s", errForbidden, rt.Role, p.User.Role)
	}
	*r = *r.WithContext(context.WithValue(r.Context(), principalKey, p))
	return nil
}

func (s *Server) authenticate(r *http.Request) (auth.Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return auth.Principal{}, auth.ErrUnauthenticated
		}
		return s.Auth.AuthenticateToken(r.Context(), strings.TrimSpace(tok))
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return auth.Principal{}, auth.ErrUnauthenticated
	}
	return s.Auth.AuthenticateSession(r.Context(), c.Value)
}

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// actor is the audit actor of a request.
func (s *Server) actor(r *http.Request) audit.Actor {
	p := principalFrom(r.Context())
	a := audit.Actor{UserID: p.User.ID, Username: p.User.Username, Role: p.User.Role, SourceIP: s.clientIP(r)}
	if a.Username == "" {
		a.Username = "anonymous"
	}
	return a
}

// record appends an audit entry for the request.
func (s *Server) record(r *http.Request, action, target string, err error, detail map[string]any) {
	s.Audit.Record(r.Context(), s.actor(r), action, target, err, detail)
}

// clientIP is the peer address, or the client named by X-Forwarded-For when
// the peer is a trusted proxy (the right-most untrusted hop).
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(peer) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !s.trusted(a) {
			return a.String()
		}
	}
	return host
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.trustedProxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// secureCookies tells whether cookies must carry the Secure flag.
func (s *Server) secureCookies(r *http.Request) bool {
	switch s.Config.Auth.SecureCookies {
	case "always":
		return true
	case "never":
		return false
	}
	return r.TLS != nil || strings.HasPrefix(s.Config.HTTP.PublicURL, "https://")
}

// setSessionCookie sets a browser-session cookie: its lifetime is decided on
// the server, where the session slides forward while it is used.
func setSessionCookie(w http.ResponseWriter, value string, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode,
	})
}

func clearSessionCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1,
	})
}

// recoverer turns a panic into a 500 problem and a log line.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
				writeProblem(w, Problem{Status: http.StatusInternalServerError, Code: "internal", Detail: "internal error"})
			}
		}()
		next.ServeHTTP(&problemWriter{ResponseWriter: w}, r)
	})
}

// securityHeaders sets headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status code for metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// problemWriter replaces ServeMux's plain-text 404 and 405 answers with
// problem documents, so every error of the API has one shape.
type problemWriter struct {
	http.ResponseWriter
	swallow bool
}

func (w *problemWriter) WriteHeader(code int) {
	if (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) &&
		strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		w.swallow = true
		codeName := "not_found"
		detail := "no such route"
		if code == http.StatusMethodNotAllowed {
			codeName, detail = "method_not_allowed", "method not allowed here; allowed: "+w.Header().Get("Allow")
		}
		writeProblem(w.ResponseWriter, Problem{Status: code, Code: codeName, Detail: detail})
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *problemWriter) Write(b []byte) (int, error) {
	if w.swallow {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w *problemWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// requireRole is for handlers whose rule depends on the target (e.g. tokens
// of other users).
func requireRole(p auth.Principal, role store.Role) error {
	if p.User.Role.Rank() < role.Rank() {
		return fmt.Errorf("%w: this needs the %s role", errForbidden, role)
	}
	return nil
}
