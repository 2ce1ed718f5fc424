package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/internal/enroll"
	"github.com/neogenesys/console/internal/store"
)

// maxKeyLifetime bounds how long a minted key may live.
const maxKeyLifetime = 365 * 24 * time.Hour

// keySpec is a validated request for a pre-auth key.
type keySpec struct {
	User       string // tailnet user name; empty with tags
	Tags       []string
	Reusable   bool
	Ephemeral  bool
	Expiration time.Time
	Purpose    string
}

// mintKey mints a pre-auth key: rate limit, user lookup (the default user is
// created when missing), Headscale, a record of the key, audit and metrics.
// The returned key holds the full secret; nothing else keeps it.
func (s *Server) mintKey(r *http.Request, spec keySpec) (headscale.PreAuthKey, error) {
	p := principalFrom(r.Context())
	if err := validateTags(spec.Tags); err != nil {
		return headscale.PreAuthKey{}, err
	}
	now := time.Now()
	switch {
	case !spec.Expiration.After(now.Add(time.Minute)):
		return headscale.PreAuthKey{}, badRequest("expiration must be in the future (at least a minute from now)")
	case spec.Expiration.After(now.Add(maxKeyLifetime)):
		return headscale.PreAuthKey{}, badRequest("expiration must be within %d days", int(maxKeyLifetime.Hours()/24))
	}
	req := headscale.KeyRequest{Tags: spec.Tags, Reusable: spec.Reusable, Ephemeral: spec.Ephemeral, Expiration: spec.Expiration}
	if len(spec.Tags) == 0 {
		if spec.User == "" {
			spec.User = s.Config.Headscale.DefaultUser
		}
		u, err := s.ensureUser(r, spec.User)
		if err != nil {
			return headscale.PreAuthKey{}, err
		}
		req.UserID = u.ID
	} else if spec.User != "" {
		return headscale.PreAuthKey{}, badRequest("give a user or tags, not both: a tagged key's nodes belong to their tags")
	}
	if ok, wait := s.mintLimiter.allow(fmt.Sprintf("user:%d", p.User.ID)); !ok {
		err := rateLimitedError{retryAfter: wait}
		s.record(r, "preauthkey.create", "", err, map[string]any{"reason": "rate limited"})
		return headscale.PreAuthKey{}, err
	}
	detail := map[string]any{"user": spec.User, "tags": spec.Tags, "reusable": spec.Reusable,
		"ephemeral": spec.Ephemeral, "expiration": spec.Expiration.UTC().Format(time.RFC3339)}
	if spec.Purpose != "" {
		detail["purpose"] = spec.Purpose
	}
	k, err := s.Headscale.CreatePreAuthKey(r.Context(), req)
	target := "preauthkey:"
	if err == nil {
		target += strconv.FormatUint(k.ID, 10)
	}
	s.record(r, "preauthkey.create", target, err, detail)
	if err != nil {
		return headscale.PreAuthKey{}, err
	}
	s.metrics.KeyMinted()
	rec := store.MintedKey{
		HeadscaleKeyID: k.ID, HeadscaleUser: spec.User, Tags: spec.Tags, Reusable: spec.Reusable,
		Ephemeral: spec.Ephemeral, ExpiresAt: k.Expiration, CreatedAt: now.UTC(), CreatedBy: p.User.Username, Purpose: spec.Purpose,
	}
	if err := s.Store.RecordMintedKey(context.WithoutCancel(r.Context()), rec); err != nil {
		s.Log.Error("record minted key", "key_id", k.ID, "error", err)
	}
	s.Events.Publish("preauthkey.created", keyOut(k))
	return k, nil
}

// ensureUser finds a tailnet user by name. The configured default user is
// created when missing; other names must exist.
func (s *Server) ensureUser(r *http.Request, name string) (headscale.User, error) {
	u, err := s.findUser(r.Context(), name)
	if !errors.Is(err, errNotFound) || name != s.Config.Headscale.DefaultUser {
		return u, err
	}
	u, err = s.Headscale.CreateUser(r.Context(), name, "", "")
	if errors.Is(err, headscale.ErrConflict) {
		return s.findUser(r.Context(), name) // created concurrently
	}
	s.record(r, "user.create", "user:"+name, err, map[string]any{"reason": "default user for minted keys"})
	return u, err
}

func (s *Server) findUser(ctx context.Context, name string) (headscale.User, error) {
	users, err := s.Headscale.ListUsers(ctx)
	if err != nil {
		return headscale.User{}, err
	}
	for _, u := range users {
		if u.Name == name {
			return u, nil
		}
	}
	return headscale.User{}, fmt.Errorf("%w: tailnet user %q does not exist", errNotFound, truncateForMessage(name))
}

// keyJSON is a key as lists show it: never the full secret.
type keyJSON struct {
	ID         uint64    `json:"id"`
	Key        string    `json:"key"`
	User       string    `json:"user,omitempty"`
	Tags       []string  `json:"tags"`
	Reusable   bool      `json:"reusable"`
	Ephemeral  bool      `json:"ephemeral"`
	Used       bool      `json:"used"`
	Expired    bool      `json:"expired"`
	Expiration time.Time `json:"expiration"`
	CreatedAt  time.Time `json:"createdAt"`
}

func keyOut(k headscale.PreAuthKey) keyJSON {
	return keyJSON{ID: k.ID, Key: maskKey(k.Key), User: k.User, Tags: k.Tags, Reusable: k.Reusable, Ephemeral: k.Ephemeral,
		Used: k.Used, Expired: k.Expired(time.Now()), Expiration: k.Expiration, CreatedAt: k.CreatedAt}
}

// maskKey keeps a recognisable prefix of a key and hides the rest.
func maskKey(k string) string {
	const keep = len("hskey-auth-") + 6
	if len(k) <= keep {
		return k
	}
	return k[:keep] + "…"
}

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := s.Headscale.ListPreAuthKeys(r.Context())
	if err != nil {
		return err
	}
	out := make([]keyJSON, len(keys))
	for i, k := range keys {
		out[i] = keyOut(k)
	}
	writeJSON(w, http.StatusOK, map[string]any{"preAuthKeys": out})
	return nil
}

func (s *Server) createKey(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		User       string     `json:"user"`
		Tags       []string   `json:"tags"`
		Reusable   bool       `json:"reusable"`
		Ephemeral  bool       `json:"ephemeral"`
		Expiration *time.Time `json:"expiration"`
		ExpiresIn  string     `json:"expiresIn"` // Go duration, e.g. "24h"; alternative to expiration
	}
	if err := decode(w, r, s.Config.HTTP.MaxBodyBytes, &req); err != nil {
		return err
	}
	exp, err := expirationOf(req.Expiration, req.ExpiresIn, s.Config.Headscale.DefaultKeyExpiry)
	if err != nil {
		return err
	}
	if req.User == "" && len(req.Tags) == 0 {
		return badRequest("give a user or at least one tag (tag:name)")
	}
	k, err := s.mintKey(r, keySpec{User: req.User, Tags: req.Tags, Reusable: req.Reusable, Ephemeral: req.Ephemeral, Expiration: exp})
	if err != nil {
		return err
	}
	out := keyOut(k)
	out.Key = k.Key // shown once, at creation
	writeJSON(w, http.StatusCreated, map[string]any{"preAuthKey": out, "installCommands": s.installCommands(k.Key, "")})
	return nil
}

func expirationOf(at *time.Time, in string, def time.Duration) (time.Time, error) {
	switch {
	case at != nil && in != "":
		return time.Time{}, badRequest("give expiration or expiresIn, not both")
	case at != nil:
		return *at, nil
	case in != "":
		d, err := time.ParseDuration(in)
		if err != nil || d <= 0 {
			return time.Time{}, badRequest("expiresIn %q must be a positive duration like 1h or 72h", truncateForMessage(in))
		}
		return time.Now().Add(d), nil
	}
	return time.Now().Add(def), nil
}

func (s *Server) installCommands(key, hostname string) []enroll.Command {
	cmds, err := enroll.Commands(enroll.Params{LoginServer: s.HeadscaleInfo().LoginServer, AuthKey: key, Hostname: hostname})
	if err != nil {
		s.Log.Warn("cannot write install commands", "error", err)
		return []enroll.Command{}
	}
	return cmds
}

func (s *Server) expireKey(w http.ResponseWriter, r *http.Request) error {
	return s.changeByID(w, r, "preauthkey", "expire", "preauthkey.expired", s.Headscale.ExpirePreAuthKey)
}

func (s *Server) deleteKey(w http.ResponseWriter, r *http.Request) error {
	return s.changeByID(w, r, "preauthkey", "delete", "preauthkey.deleted", s.Headscale.DeletePreAuthKey)
}

// changeByID runs a bodiless change to the object {id} of kind: audited as
// kind.verb on kind:id, announced as event, answered {"success":true}.
func (s *Server) changeByID(w http.ResponseWriter, r *http.Request, kind, verb, event string,
	change func(ctx context.Context, id uint64) error) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	err = change(r.Context(), id)
	s.record(r, kind+"."+verb, fmt.Sprintf("%s:%d", kind, id), err, nil)
	if err != nil {
		return err
	}
	s.Events.Publish(event, map[string]uint64{"id": id})
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
	return nil
}

// The seed contract.

func (s *Server) seedRegister(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name      string   `json:"name"`
		ExpiresIn *float64 `json:"expiresIn"` // hours
		User      string   `json:"user"`
	}
	if err := decode(w, r, s.Config.HTTP.MaxBodyBytes, &req); err != nil {
		return err
	}
	if err := enroll.ValidateHostname(req.Name); err != nil {
		return err
	}
	hours := 24.0
	if req.ExpiresIn != nil {
		hours = *req.ExpiresIn
	}
	if hours < 0.05 || hours > maxKeyLifetime.Hours() {
		return badRequest("expiresIn must be between 0.05 (3 minutes) and %d hours", int(maxKeyLifetime.Hours()))
	}
	ref := "mkey_" + randomHex(16)
	k, err := s.mintKey(r, keySpec{User: req.User, Expiration: time.Now().Add(time.Duration(hours * float64(time.Hour))),
		Purpose: "register:" + req.Name + " " + ref})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token": k.Key, "expiresAt": k.Expiration, "machineKey": ref, "keyId": strconv.FormatUint(k.ID, 10),
		"installCommands": s.installCommands(k.Key, req.Name),
	})
	return nil
}

type seedMachine struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	IPAddress string    `json:"ipAddress"`
	Status    string    `json:"status"` // connected or disconnected
	LastSeen  time.Time `json:"lastSeen"`
	OS        string    `json:"os"`
	User      string    `json:"user"`
}

func (s *Server) seedMachines(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.Nodes.Snapshot()
	if err != nil {
		return err
	}
	out := make([]seedMachine, len(snap.Nodes))
	for i, n := range snap.Nodes {
		m := seedMachine{ID: strconv.FormatUint(n.ID, 10), Name: n.Name, Status: "disconnected", LastSeen: n.LastSeen, OS: "unknown", User: n.User}
		if len(n.IPAddresses) > 0 {
			m.IPAddress = n.IPAddresses[0]
		}
		if n.Online {
			m.Status = "connected"
		}
		out[i] = m
	}
	writeJSON(w, http.StatusOK, map[string]any{"machines": out})
	return nil
}

func (s *Server) seedPreAuthKey(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Reusable   bool       `json:"reusable"`
		Ephemeral  bool       `json:"ephemeral"`
		Expiration *time.Time `json:"expiration"`
		User       string     `json:"user"`
	}
	if err := decode(w, r, s.Config.HTTP.MaxBodyBytes, &req); err != nil {
		return err
	}
	exp, err := expirationOf(req.Expiration, "", s.Config.Headscale.DefaultKeyExpiry)
	if err != nil {
		return err
	}
	k, err := s.mintKey(r, keySpec{User: req.User, Reusable: req.Reusable, Ephemeral: req.Ephemeral, Expiration: exp})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"key": k.Key, "id": strconv.FormatUint(k.ID, 10)})
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
