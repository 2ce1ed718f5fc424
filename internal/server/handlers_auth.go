package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/neogenesys/console/internal/auth"
	"github.com/neogenesys/console/internal/store"
)

type accountJSON struct {
	ID        int64      `json:"id"`
	Username  string     `json:"username"`
	Role      store.Role `json:"role"`
	Disabled  bool       `json:"disabled"`
	CreatedAt time.Time  `json:"createdAt"`
}

func accountOf(u store.User) accountJSON {
	return accountJSON{ID: u.ID, Username: u.Username, Role: u.Role, Disabled: u.Disabled, CreatedAt: u.CreatedAt}
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	ip := s.clientIP(r)
	if ok, wait := s.loginLimiter.allow(ip); !ok {
		// Not audited: refused attempts change nothing, and an anonymous
		// flood must not fill the trail.
		s.Log.Debug("login rate limited", "ip", ip)
		return rateLimitedError{retryAfter: wait}
	}
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := decode(w, r, s.Config.HTTP.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.Username == "" || req.Password == "" {
		return badRequest("username and password are required")
	}
	secret, _, u, err := s.Auth.Login(r.Context(), req.Username, req.Password, ip, r.UserAgent())
	target := "account:" + truncateForMessage(req.Username)
	if err != nil {
		if errors.Is(err, auth.ErrInvalidCredentials) {
			s.Audit.Record(r.Context(), s.actorNamed(r, u, req.Username), "auth.login", target, err, nil)
		}
		return err
	}
	setSessionCookie(w, secret, s.secureCookies(r))
	s.Audit.Record(r.Context(), s.actorNamed(r, u, u.Username), "auth.login", target, nil, nil)
	writeJSON(w, http.StatusOK, map[string]any{"user": accountOf(u)})
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	if c, err := r.Cookie(sessionCookie); err == nil && p.Session != "" {
		if err := s.Auth.Logout(r.Context(), c.Value); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	clearSessionCookie(w, s.secureCookies(r))
	s.record(r, "auth.logout", "account:"+p.User.Username, nil, nil)
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	method := "session"
	if p.TokenID != 0 {
		method = "token"
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": accountOf(p.User), "authMethod": method})
	return nil
}
