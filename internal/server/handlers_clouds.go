package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/neogenesys/console/internal/clouds"
	"github.com/neogenesys/console/internal/inventory"
	"github.com/neogenesys/console/providers"
)

// Cloud accounts. Configurations carry credentials: the handlers never log
// or audit a config, only which fields changed.

// cloudJSON is an account with its sync status, for cards and lists.
type cloudJSON struct {
	clouds.Account
	Sync *inventory.AccountStatus `json:"sync,omitempty"`
}

func (s *Server) withSync(a clouds.Account) cloudJSON {
	out := cloudJSON{Account: a}
	for _, st := range s.Inventory.Snapshot().Accounts() {
		if st.CloudID == a.ID {
			out.Sync = &st
		}
	}
	return out
}

func (s *Server) listClouds(w http.ResponseWriter, r *http.Request) error {
	all, err := s.Clouds.List(r.Context())
	if err != nil {
		return err
	}
	out := make([]cloudJSON, len(all))
	for i, a := range all {
		out[i] = s.withSync(a)
	}
	writeJSON(w, http.StatusOK, map[string]any{"clouds": out})
	return nil
}

func (s *Server) getCloud(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.Clouds.Get(r.Context(), int64(id))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"cloud": s.withSync(a)})
	return nil
}

func (s *Server) createCloud(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name   string          `json:"name"`
		Kind   string          `json:"kind"`
		Config json.RawMessage `json:"config"`
	}
	if err := decode(w, r, s.Config.HTTP.MaxBodyBytes, &req); err != nil {
		return err
	}
	a, err := s.Clouds.Create(r.Context(), req.Name, req.Kind, req.Config, s.actor(r).Username)
	target := "cloud:" + truncateForMessage(req.Name)
	if err == nil {
		target = fmt.Sprintf("cloud:%d", a.ID)
	}
	s.record(r, "cloud.create", target, err, map[string]any{"name": truncateForMessage(req.Name), "kind": truncateForMessage(req.Kind),
		"fields": configFields(req.Config)})
	if err != nil {
		return err
	}
	s.Events.Publish("cloud.created", a)
	writeJSON(w, http.StatusCreated, map[string]any{"cloud": a})
	return nil
}

func (s *Server) updateCloud(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Name   *string         `json:"name"`
		Config json.RawMessage `json:"config"`
	}
	if err := decode(w, r, s.Config.HTTP.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.Name == nil && len(req.Config) == 0 {
		return badRequest("nothing to change: send name and/or config")
	}
	a, err := s.Clouds.Update(r.Context(), int64(id), req.Name, req.Config)
	detail := map[string]any{"fields": configFields(req.Config)}
	if req.Name != nil {
		detail["name"] = truncateForMessage(*req.Name)
	}
	s.record(r, "cloud.update", fmt.Sprintf("cloud:%d", id), err, detail)
	if err != nil {
		return err
	}
	s.Events.Publish("cloud.updated", a)
	writeJSON(w, http.StatusOK, map[string]any{"cloud": a})
	return nil
}

func (s *Server) deleteCloud(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	err = s.Clouds.Delete(r.Context(), int64(id))
	s.record(r, "cloud.delete", fmt.Sprintf("cloud:%d", id), err, nil)
	if err != nil {
		return err
	}
	s.Events.Publish("cloud.deleted", map[string]uint64{"id": id})
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
	return nil
}

func (s *Server) checkCloud(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	res, err := s.Clouds.Check(r.Context(), int64(id))
	if err != nil {
		return err
	}
	var checkErr error
	if !res.OK {
		checkErr = fmt.Errorf("%s", res.ErrorKind)
	}
	s.record(r, "cloud.check", fmt.Sprintf("cloud:%d", id), checkErr,
		map[string]any{"identity": res.Identity, "regions": res.RegionCount, "tookMs": res.TookMS})
	writeJSON(w, http.StatusOK, res)
	return nil
}

// cloudKinds describes each provider kind's configuration fields, for the
// web console's add-cloud forms.
func (s *Server) cloudKinds(w http.ResponseWriter, r *http.Request) error {
	type kindJSON struct {
		Name   string            `json:"name"`
		Title  string            `json:"title"`
		Fields []providers.Field `json:"fields"`
	}
	out := []kindJSON{}
	for _, name := range providers.Names() {
		k, err := providers.Lookup(name)
		if err != nil {
			return err
		}
		out = append(out, kindJSON{Name: k.Name, Title: k.Title, Fields: providers.Fields(k.NewConfig())})
	}
	writeJSON(w, http.StatusOK, map[string]any{"kinds": out})
	return nil
}

// checkDraftCloud tests a configuration without saving it: a new account's
// (kind + config) or a change to a saved one (id + config).
func (s *Server) checkDraftCloud(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Kind   string          `json:"kind"`
		ID     int64           `json:"id"`
		Config json.RawMessage `json:"config"`
	}
	if err := decode(w, r, s.Config.HTTP.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.ID < 0 {
		return badRequest("id must be a cloud account id, or left out for a new account")
	}
	if req.ID == 0 && req.Kind == "" {
		return badRequest("kind is required for a new account (or give the id of a saved one)")
	}
	res, err := s.Clouds.CheckDraft(r.Context(), req.Kind, req.ID, req.Config)
	target := "cloud:draft"
	if req.ID > 0 {
		target = fmt.Sprintf("cloud:%d", req.ID)
	}
	checkErr := err
	if err == nil && !res.OK {
		checkErr = fmt.Errorf("%s", res.ErrorKind)
	}
	s.record(r, "cloud.check", target, checkErr, map[string]any{"draft": true, "kind": truncateForMessage(req.Kind),
		"fields": configFields(req.Config), "identity": res.Identity, "regions": res.RegionCount, "tookMs": res.TookMS})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// configFields names the top-level fields of a config without their values,
// for the audit trail.
func configFields(raw json.RawMessage) []string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return []string{}
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, truncateForMessage(k))
	}
	slices.SortFunc(out, strings.Compare)
	return out
}
