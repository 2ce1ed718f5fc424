package pvesim

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ticketLife is how long PVE accepts a login ticket.
const ticketLife = 2 * time.Hour

// maxTickets bounds the ticket table; the oldest are dropped beyond it.
const maxTickets = 1000

type ticket struct {
	user    string
	csrf    string
	expires time.Time
}

type userKey struct{}

// userOf is the authenticated user (or token id) of a request.
func userOf(r *http.Request) string {
	u, _ := r.Context().Value(userKey{}).(string)
	return u
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// authenticate checks a request's credentials the ways pveproxy does: an
// API token in the Authorization header, or a ticket cookie plus, on writes,
// the CSRFPreventionToken header. Only the login itself goes without.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api2/json/access/ticket" {
			next.ServeHTTP(w, r)
			return
		}
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "PVEAPIToken=") {
			id, secret, ok := strings.Cut(strings.TrimPrefix(h, "PVEAPIToken="), "=")
			if !ok || !equal(id, s.opts.TokenID) || !equal(secret, s.opts.TokenSecret) {
				writeError(w, http.StatusUnauthorized, "authentication failure")
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, id)))
			return
		}
		if c, err := r.Cookie("PVEAuthCookie"); err == nil {
			t, ok := s.lookupTicket(c.Value)
			if !ok {
				writeError(w, http.StatusUnauthorized, "permission denied - invalid PVE ticket")
				return
			}
			if r.Method != http.MethodGet && r.Method != http.MethodHead && !equal(r.Header.Get("CSRFPreventionToken"), t.csrf) {
				writeError(w, http.StatusUnauthorized, "Permission denied - invalid csrf token")
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, t.user)))
			return
		}
		writeError(w, http.StatusUnauthorized, "No ticket")
	})
}

func (s *Server) lookupTicket(v string) (ticket, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[v]
	if !ok || time.Now().After(t.expires) {
		return ticket{}, false
	}
	return t, true
}

// login is POST /access/ticket: username (with realm, or a separate realm
// parameter) and password, where the password may also be a valid ticket of
// that user (PVE's renewal).
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	form, err := formValues(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "Parameter verification failed.")
		return
	}
	user, pass := form["username"], form["password"]
	if realm := form["realm"]; realm != "" && !strings.Contains(user, "@") {
		user += "@" + realm
	}
	ok := user != "" && equal(user, s.opts.Username) && equal(pass, s.opts.Password)
	if !ok {
		if t, valid := s.lookupTicket(pass); valid && t.user == user {
			ok = true
		}
	}
	if !ok {
		writeError(w, http.StatusUnauthorized, "authentication failure")
		return
	}
	now := time.Now()
	stamp := fmt.Sprintf("%08X", now.Unix())
	t := ticket{user: user, csrf: stamp + ":" + randomText(), expires: now.Add(ticketLife)}
	value := "PVE:" + user + ":" + stamp + "::" + randomText()
	s.mu.Lock()
	if len(s.tickets) >= maxTickets {
		for k, old := range s.tickets { // drop an older ticket
			if old.expires.Before(t.expires) {
				delete(s.tickets, k)
				break
			}
		}
	}
	s.tickets[value] = t
	s.mu.Unlock()
	writeData(w, map[string]any{
		"username":            user,
		"ticket":              value,
		"CSRFPreventionToken": t.csrf,
		"clustername":         s.clusterName(),
		"cap":                 map[string]any{"vms": map[string]int{"VM.PowerMgmt": 1, "VM.Audit": 1}},
	})
}

func randomText() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	return base64.RawStdEncoding.EncodeToString(b)
}

func (s *Server) clusterName() any {
	if s.opts.Standalone {
		return nil
	}
	return s.opts.Cluster
}
