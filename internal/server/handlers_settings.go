package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/internal/auth"
	"github.com/neogenesys/console/internal/store"
)

// ManagedHeadscale lets admins change the settings of a Headscale the
// console runs (managed mode). nil in external mode.
type ManagedHeadscale interface {
	Settings() headscale.Settings
	// Apply saves s and restarts Headscale with it; on failure the previous
	// settings stay in force.
	Apply(ctx context.Context, s headscale.Settings) error
}

// fieldErrors is a 400 whose problem lists each invalid field.
type fieldErrors []headscale.FieldError

func (f fieldErrors) Error() string {
	parts := make([]string, len(f))
	for i, e := range f {
		parts[i] = e.Error()
	}
	return "invalid settings: " + strings.Join(parts, "; ")
}

func (s *Server) headscaleSettingsOut() map[string]any {
	info := s.HeadscaleInfo()
	out := map[string]any{"mode": info.Mode, "editable": s.Managed != nil}
	if s.Managed != nil {
		out["settings"] = s.Managed.Settings()
	}
	return out
}

func (s *Server) getHeadscaleSettings(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, s.headscaleSettingsOut())
	return nil
}

func (s *Server) putHeadscaleSettings(w http.ResponseWriter, r *http.Request) error {
	if s.Managed == nil {
		return fmt.Errorf("%w: Headscale is external: change its settings in its own configuration", errConflict)
	}
	var req headscale.Settings
	if err := decode(w, r, s.Config.HTTP.MaxBodyBytes, &req); err != nil {
		return err
	}
	if errs := req.Validate(); len(errs) > 0 {
		return fieldErrors(errs)
	}
	err := s.Managed.Apply(r.Context(), req)
	s.record(r, "headscale.settings", "headscale", err, map[string]any{"serverUrl": req.ServerURL,
		"prefixV4": req.PrefixV4, "prefixV6": req.PrefixV6, "magicDns": req.MagicDNS, "baseDomain": req.BaseDomain})
	if err != nil {
		return fmt.Errorf("%w: %v", headscale.ErrUnavailable, err)
	}
	_ = s.Nodes.Refresh(r.Context())
	s.Events.Publish("headscale.settings", map[string]string{"serverUrl": req.ServerURL})
	writeJSON(w, http.StatusOK, s.headscaleSettingsOut())
	return nil
}

// First-run setup: while no admin exists, the console prints a one-time
// setup token in its log; whoever holds it creates the first admin in the
// browser.

const setupTokenSetting = "setup.token_sha256"

var errInvalidSetupToken = errors.New("invalid setup token")

// PrepareSetup returns a fresh setup token when no admin exists (and stores
// its hash), or "" when setup is not needed.
func (s *Server) PrepareSetup(ctx context.Context) (string, error) {
	n, err := s.Store.CountUsers(ctx, store.RoleAdmin)
	if err != nil || n > 0 {
		return "", err
	}
	token := randomHex(16)
	sum := sha256.Sum256([]byte(token))
	if err := s.Store.PutSetting(ctx, setupTokenSetting, hex.EncodeToString(sum[:])); err != nil {
		return "", err
	}
	return token, nil
}

func (s *Server) setupStatus(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Store.CountUsers(r.Context(), store.RoleAdmin)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]bool{"needed": n == 0})
	return nil
}

func (s *Server) setup(w http.ResponseWriter, r *http.Request) error {
	ip := s.clientIP(r)
	if ok, wait := s.loginLimiter.allow(ip); !ok {
		return rateLimitedError{retryAfter: wait}
	}
	var req struct {
		SetupToken string `json:"setupToken"`
		Username   string `json:"username"`
		Password   string `json:"password"`
	}
	if err := decode(w, r, s.Config.HTTP.MaxBodyBytes, &req); err != nil {
		return err
	}
	s.setupMu.Lock()
	defer s.setupMu.Unlock()
	n, err := s.Store.CountUsers(r.Context(), store.RoleAdmin)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: setup is done: an admin account exists; sign in instead", errConflict)
	}
	want, err := s.Store.GetSetting(r.Context(), setupTokenSetting)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(req.SetupToken)))
	if want == "" || subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(want)) != 1 {
		s.Audit.Record(r.Context(), s.actorNamed(r, store.User{}, req.Username), "setup.admin", "account:"+truncateForMessage(req.Username), errInvalidSetupToken, nil)
		return errInvalidSetupToken
	}
	if err := auth.ValidatePassword(req.Password); err != nil {
		return err
	}
	u, _, err := s.Auth.CreateUser(r.Context(), req.Username, req.Password, store.RoleAdmin)
	s.Audit.Record(r.Context(), s.actorNamed(r, u, req.Username), "setup.admin", "account:"+truncateForMessage(req.Username), err, nil)
	if err != nil {
		return err
	}
	_ = s.Store.PutSetting(r.Context(), setupTokenSetting, "")
	secret, _, _, err := s.Auth.Login(r.Context(), req.Username, req.Password, ip, r.UserAgent())
	if err != nil {
		return err
	}
	setSessionCookie(w, secret, s.secureCookies(r))
	writeJSON(w, http.StatusCreated, map[string]any{"user": accountOf(u)})
	return nil
}
