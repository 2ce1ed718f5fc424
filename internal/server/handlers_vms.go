package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/internal/inventory"
	"github.com/neogenesys/console/providers"
)

// The inventory: every VM of every cloud account, read from the engine's
// snapshot (never from the providers), and power actions.

func (s *Server) listVMs(w http.ResponseWriter, r *http.Request) error {
	return s.queryVMs(w, r.URL.Query())
}

func (s *Server) listCloudVMs(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Clouds.Get(r.Context(), int64(id)); err != nil {
		return err
	}
	q := r.URL.Query()
	q.Del("cloud")
	q.Set("cloud", strconv.FormatUint(id, 10))
	return s.queryVMs(w, q)
}

func (s *Server) queryVMs(w http.ResponseWriter, v url.Values) error {
	q, err := inventory.ParseQuery(v)
	if err != nil {
		return fmt.Errorf("%w: %w", errBadRequest, err)
	}
	page := s.Inventory.Snapshot().Query(q)
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) getVM(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	vm, ok := s.Inventory.Snapshot().VM(int64(id))
	if !ok {
		return fmt.Errorf("%w: vm %d is not in the inventory", errNotFound, id)
	}
	writeJSON(w, http.StatusOK, map[string]any{"vm": vm})
	return nil
}

func (s *Server) startVM(w http.ResponseWriter, r *http.Request) error {
	return s.powerVM(w, r, providers.Start)
}
func (s *Server) stopVM(w http.ResponseWriter, r *http.Request) error {
	return s.powerVM(w, r, providers.Stop)
}
func (s *Server) rebootVM(w http.ResponseWriter, r *http.Request) error {
	return s.powerVM(w, r, providers.Reboot)
}

// powerVM asks the VM's provider for a power action. The answer comes when
// the provider accepted it (202); the transition arrives as vm.state events.
func (s *Server) powerVM(w http.ResponseWriter, r *http.Request, a providers.Action) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	vm, err := s.Inventory.Power(r.Context(), int64(id), a)
	detail := map[string]any{"name": vm.Name, "cloudId": vm.CloudID, "providerId": vm.ID}
	s.record(r, "vm."+string(a), fmt.Sprintf("vm:%d", id), err, detail)
	if err != nil {
		return err
	}
	s.Events.Publish("vm.power", map[string]any{"key": id, "action": a, "name": vm.Name})
	writeJSON(w, http.StatusAccepted, map[string]any{"vm": vm, "action": a, "accepted": true})
	return nil
}

func (s *Server) cloudSyncs(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Clouds.Get(r.Context(), int64(id)); err != nil {
		return err
	}
	limit := 20
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
			return badRequest("limit must be 1 to 1000")
		}
	}
	runs, err := s.Inventory.SyncRuns(r.Context(), int64(id), limit)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(runs))
	for i, run := range runs {
		out[i] = map[string]any{"startedAt": run.StartedAt, "endedAt": run.EndedAt, "vms": run.VMs, "error": run.Error,
			"tookMs": run.EndedAt.Sub(run.StartedAt).Milliseconds()}
	}
	var status any
	for _, st := range s.Inventory.Snapshot().Accounts() {
		if st.CloudID == int64(id) {
			status = st
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": status, "runs": out})
	return nil
}

func (s *Server) syncCloud(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Clouds.Get(r.Context(), int64(id)); err != nil {
		return err
	}
	s.Inventory.SyncNow(int64(id))
	s.record(r, "cloud.sync", fmt.Sprintf("cloud:%d", id), nil, nil)
	writeJSON(w, http.StatusAccepted, map[string]bool{"requested": true})
	return nil
}

func (s *Server) overview(w http.ResponseWriter, r *http.Request) error {
	snap := s.Inventory.Snapshot()
	var nodes []headscale.Node
	if ns, err := s.Nodes.Snapshot(); err == nil {
		nodes = ns.Nodes
	}
	writeJSON(w, http.StatusOK, inventory.Overview(snap.All(), snap.Accounts(), nodes, time.Now(), s.Config.Inventory.SyncInterval))
	return nil
}

func (s *Server) proxmoxClusters(w http.ResponseWriter, r *http.Request) error {
	snap := s.Inventory.Snapshot()
	writeJSON(w, http.StatusOK, map[string]any{"clusters": inventory.ProxmoxClusters(snap.All(), snap.Accounts(), time.Now())})
	return nil
}
