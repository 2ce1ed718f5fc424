package server

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/internal/auth"
	"github.com/neogenesys/console/internal/store"
)

// Tailnet users.

var tailnetUserRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9._@-]{1,62}$`)

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := s.Headscale.ListUsers(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": users})
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name        string `json:"name"`
		DisplayName string `json:"displayName"`
		Email       string `json:"email"`
	}
	if err := decode(w, r, s.Config.HTTP.MaxBodyBytes, &req); err != nil {
		return err
	}
	if !tailnetUserRE.MatchString(req.Name) {
		return badRequest("name must be 2-63 characters: a letter, then letters, digits, '.', '_', '@' or '-'")
	}
	if len(req.DisplayName) > 128 || len(req.Email) > 254 {
		return badRequest("displayName must be at most 128 characters and email at most 254")
	}
	u, err := s.Headscale.CreateUser(r.Context(), req.Name, req.DisplayName, req.Email)
	s.record(r, "user.create", "user:"+req.Name, err, nil)
	if err != nil {
		return err
	}
	s.Events.Publish("user.created", u)
	writeJSON(w, http.StatusCreated, map[string]any{"user": u})
	return nil
}

func (s *Server) renameUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, s.Config.HTTP.MaxBodyBytes, &req); err != nil {
		return err
	}
	if !tailnetUserRE.MatchString(req.Name) {
		return badRequest("name must be 2-63 characters: a letter, then letters, digits, '.', '_', '@' or '-'")
	}
	u, err := s.Headscale.RenameUser(r.Context(), id, req.Name)
	s.record(r, "user.rename", fmt.Sprintf("user:%d", id), err, map[string]any{"name": req.Name})
	if err != nil {
		return err
	}
	s.Events.Publish("user.renamed", u)
	_ = s.Nodes.Refresh(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{"user": u})
	return nil
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) error {
	return s.changeByID(w, r, "user", "delete", "user.deleted", s.Headscale.DeleteUser)
}

// Policy.

const maxPolicyBytes = 1 << 20

func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Headscale.GetPolicy(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) decodePolicy(w http.ResponseWriter, r *http.Request) (string, error) {
	var req struct {
		Policy string `json:"policy"`
	}
	if err := decode(w, r, max(s.Config.HTTP.MaxBodyBytes, 2*maxPolicyBytes), &req); err != nil {
		return "", err
	}
	if req.Policy == "" {
		return "", badRequest("policy is required: the HuJSON document as a string")
	}
	if len(req.Policy) > maxPolicyBytes {
		return "", badRequest("policy must be at most %d bytes", maxPolicyBytes)
	}
	return req.Policy, nil
}

func (s *Server) checkPolicy(w http.ResponseWriter, r *http.Request) error {
	doc, err := s.decodePolicy(w, r)
	if err != nil {
		return err
	}
	if err := s.Headscale.CheckPolicy(r.Context(), doc); err != nil {
		return policyProblem(err)
	}
	writeJSON(w, http.StatusOK, map[string]bool{"valid": true})
	return nil
}

func (s *Server) setPolicy(w http.ResponseWriter, r *http.Request) error {
	doc, err := s.decodePolicy(w, r)
	if err != nil {
		return err
	}
	p, err := s.Headscale.SetPolicy(r.Context(), doc)
	s.record(r, "policy.set", "policy", err, map[string]any{"bytes": len(doc)})
	if err != nil {
		return policyProblem(err)
	}
	s.Events.Publish("policy.updated", map[string]time.Time{"updatedAt": p.UpdatedAt})
	writeJSON(w, http.StatusOK, p)
	return nil
}

// Console accounts.

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) error {
	users, err := s.Store.ListUsers(r.Context())
	if err != nil {
		return err
	}
	out := make([]accountJSON, len(users))
	for i, u := range users {
		out[i] = accountOf(u)
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": out})
	return nil
}

func (s *Server) createAccount(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Username string     `json:"username"`
		Password string     `json:"password"` // empty: one is generated and returned once
		Role     store.Role `json:"role"`
	}
	if err := decode(w, r, s.Config.HTTP.MaxBodyBytes, &req); err != nil {
		return err
	}
	u, generated, err := s.Auth.CreateUser(r.Context(), req.Username, req.Password, req.Role)
	s.record(r, "account.create", "account:"+truncateForMessage(req.Username), err, map[string]any{"role": req.Role})
	if err != nil {
		return err
	}
	body := map[string]any{"account": accountOf(u)}
	if generated != "" {
		body["password"] = generated
	}
	writeJSON(w, http.StatusCreated, body)
	return nil
}

func (s *Server) accountID(r *http.Request) (int64, error) {
	id, err := pathID(r, "id")
	if err != nil || id > 1<<62 {
		return 0, fmt.Errorf("%w: account id", errNotFound)
	}
	return int64(id), nil
}

func (s *Server) updateAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := s.accountID(r)
	if err != nil {
		return err
	}
	var req struct {
		Role     *store.Role `json:"role"`
		Disabled *bool       `json:"disabled"`
		Password *string     `json:"password"`
	}
	if err := decode(w, r, s.Config.HTTP.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.Password != nil {
		if err := auth.ValidatePassword(*req.Password); err != nil {
			return err
		}
	}
	u, err := s.Store.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	before := u
	detail := map[string]any{}
	if req.Role != nil {
		if !req.Role.Valid() {
			return badRequest("role must be admin, operator or viewer")
		}
		u.Role, detail["role"] = *req.Role, *req.Role
	}
	if req.Disabled != nil {
		u.Disabled, detail["disabled"] = *req.Disabled, *req.Disabled
	}
	if err := s.keepAnAdmin(r, u); err != nil {
		return err
	}
	u, err = s.Store.UpdateUser(r.Context(), u)
	if err == nil && (u.Role != before.Role || (u.Disabled && !before.Disabled)) {
		// A changed role or a disabled account takes effect at once.
		err = s.Store.DeleteUserSessions(r.Context(), id)
	}
	if err == nil && req.Password != nil {
		detail["password"] = "changed"
		err = s.Auth.SetPassword(r.Context(), id, *req.Password) // also ends the user's sessions
	}
	s.record(r, "account.update", "account:"+before.Username, err, detail)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"account": accountOf(u)})
	return nil
}

// keepAnAdmin refuses a change that would leave no active admin.
func (s *Server) keepAnAdmin(r *http.Request, changed store.User) error {
	if changed.Role == store.RoleAdmin && !changed.Disabled {
		return nil
	}
	users, err := s.Store.ListUsers(r.Context())
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.ID != changed.ID && u.Role == store.RoleAdmin && !u.Disabled {
			return nil
		}
	}
	return fmt.Errorf("%w: this would leave the console without an active admin", errConflict)
}

func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := s.accountID(r)
	if err != nil {
		return err
	}
	u, err := s.Store.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	u.Disabled = true
	if err := s.keepAnAdmin(r, u); err != nil {
		return err
	}
	err = s.Store.DeleteUser(r.Context(), id)
	s.record(r, "account.delete", "account:"+u.Username, err, nil)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
	return nil
}

// API tokens.

type tokenJSON struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"userId"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"createdAt"`
	ExpiresAt  *time.Time `json:"expiresAt,omitempty"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func tokenOut(t store.Token) tokenJSON {
	return tokenJSON{ID: t.ID, UserID: t.UserID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt,
		ExpiresAt: optTime(t.ExpiresAt), LastUsedAt: optTime(t.LastUsedAt), RevokedAt: optTime(t.RevokedAt)}
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	userID := p.User.ID
	if all, err := parseBoolParam(r, "all"); err != nil {
		return err
	} else if all != nil && *all {
		if err := requireRole(p, store.RoleAdmin); err != nil {
			return err
		}
		userID = 0
	}
	toks, err := s.Store.ListTokens(r.Context(), userID)
	if err != nil {
		return err
	}
	out := make([]tokenJSON, len(toks))
	for i, t := range toks {
		out[i] = tokenOut(t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	var req struct {
		Name      string `json:"name"`
		Username  string `json:"username"`  // admins may create tokens for others
		ExpiresIn string `json:"expiresIn"` // Go duration; empty: never expires
	}
	if err := decode(w, r, s.Config.HTTP.MaxBodyBytes, &req); err != nil {
		return err
	}
	owner := p.User
	if req.Username != "" && req.Username != p.User.Username {
		if err := requireRole(p, store.RoleAdmin); err != nil {
			return err
		}
		u, err := s.Store.GetUserByName(r.Context(), req.Username)
		if err != nil {
			return err
		}
		owner = u
	}
	var ttl time.Duration
	if req.ExpiresIn != "" {
		d, err := time.ParseDuration(req.ExpiresIn)
		if err != nil || d <= 0 {
			return badRequest("expiresIn %q must be a positive duration like 720h", truncateForMessage(req.ExpiresIn))
		}
		ttl = d
	}
	plain, t, err := s.Auth.CreateToken(r.Context(), owner.ID, req.Name, ttl)
	s.record(r, "token.create", "account:"+owner.Username, err, map[string]any{"name": truncateForMessage(req.Name)})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": plain, "info": tokenOut(t)})
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	tid, err := pathID(r, "id")
	if err != nil || tid > 1<<62 {
		return fmt.Errorf("%w: token id", errNotFound)
	}
	id := int64(tid)
	t, err := s.Store.GetToken(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && t.UserID != p.User.ID && p.User.Role != store.RoleAdmin) {
		return fmt.Errorf("%w: token %d", errNotFound, id)
	}
	if err != nil {
		return err
	}
	err = s.Store.RevokeToken(r.Context(), id, time.Now().UTC())
	s.record(r, "token.revoke", "token:"+strconv.FormatInt(id, 10), err, map[string]any{"name": t.Name})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
	return nil
}

// Audit.

type auditJSON struct {
	ID       int64      `json:"id"`
	Time     time.Time  `json:"time"`
	Username string     `json:"user"`
	Role     store.Role `json:"role"`
	Action   string     `json:"action"`
	Target   string     `json:"target"`
	Outcome  string     `json:"outcome"`
	SourceIP string     `json:"sourceIp"`
	Detail   string     `json:"detail,omitempty"`
}

// auditFilter reads the audit filters from the query.
func auditFilter(r *http.Request) (store.AuditFilter, error) {
	q := r.URL.Query()
	f := store.AuditFilter{Username: q.Get("user"), Action: q.Get("action"), Target: q.Get("target")}
	var err error
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := q.Get(name); v != "" {
			if *dst, err = time.Parse(time.RFC3339, v); err != nil {
				return f, badRequest("%s must be an RFC 3339 time like 2026-01-02T15:04:05Z", name)
			}
		}
	}
	if v := q.Get("before"); v != "" {
		if f.BeforeID, err = strconv.ParseInt(v, 10, 64); err != nil || f.BeforeID <= 0 {
			return f, badRequest("before must be a positive entry id (the nextBefore of the previous page)")
		}
	}
	f.Limit = 100
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > 1000 {
			return f, badRequest("limit must be between 1 and 1000")
		}
	}
	return f, nil
}

func auditOut(e store.AuditEntry) auditJSON {
	return auditJSON{ID: e.ID, Time: e.Time, Username: e.Username, Role: e.Role, Action: e.Action,
		Target: e.Target, Outcome: e.Outcome, SourceIP: e.SourceIP, Detail: e.Detail}
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	entries, err := s.Audit.List(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]auditJSON, len(entries))
	for i, e := range entries {
		out[i] = auditOut(e)
	}
	body := map[string]any{"entries": out}
	if len(entries) == f.Limit {
		body["nextBefore"] = entries[len(entries)-1].ID
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// maxExportRows bounds one export.
const maxExportRows = 1_000_000

// exportAudit streams every matching entry, newest first, as CSV or JSON.
func (s *Server) exportAudit(w http.ResponseWriter, r *http.Request) error {
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format != "csv" && format != "json" {
		return badRequest("format must be csv or json")
	}
	f.Limit = 1000
	first, err := s.Audit.List(r.Context(), f)
	if err != nil {
		return err
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	name := "neoconsole-audit-" + time.Now().UTC().Format("20060102-150405") + "." + format
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	var enc auditEncoder
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		enc = newCSVAudit(w)
	} else {
		w.Header().Set("Content-Type", "application/json")
		enc = newJSONAudit(w)
	}
	page, rows := first, 0
	for len(page) > 0 && rows < maxExportRows {
		for _, e := range page {
			if err := enc.write(auditOut(e)); err != nil {
				return nil // the client went away
			}
		}
		rows += len(page)
		if len(page) < f.Limit {
			break
		}
		f.BeforeID = page[len(page)-1].ID
		if page, err = s.Audit.List(r.Context(), f); err != nil {
			s.Log.Error("audit export", "error", err)
			break
		}
	}
	return enc.close()
}

// policyProblem turns Headscale's verdict on a policy into an invalid_policy
// problem that carries Headscale's explanation.
func policyProblem(err error) error {
	var he *headscale.Error
	if errors.As(err, &he) && errors.Is(err, headscale.ErrInvalidArgument) {
		return fmt.Errorf("%w: %s", errInvalidPolicy, he.Message)
	}
	return err
}
