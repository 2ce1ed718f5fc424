package armsim

import (
	"net/http"
	"strings"
	"time"
)

// operation is one long-running power action. It succeeds when the fleet's
// transition is over.
type operation struct {
	sub, action string
	started     time.Time
	done        time.Time
}

// maxOperations bounds the operations remembered; older finished ones go.
const maxOperations = 10000

func (s *Server) newOperation(sub, location, action string, transition time.Duration) string {
	id := newID()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if len(s.ops) >= maxOperations {
		for k, op := range s.ops {
			if now.Sub(op.done) > time.Minute {
				delete(s.ops, k)
			}
		}
	}
	s.ops[id] = &operation{sub: sub, action: action, started: now, done: now.Add(max(transition, 0))}
	return id
}

// asyncStatus is the Azure-AsyncOperation body.
type asyncStatus struct {
	StartTime string `json:"startTime"`
	EndTime   string `json:"endTime,omitempty"`
	Status    string `json:"status"`
	Name      string `json:"name"`
}

// getOperation answers both polling URLs of an action: the
// Azure-AsyncOperation one with a status body, the Location one
// (monitor=true) with 202 until done and then an empty 200.
func (s *Server) getOperation(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("op")
	s.mu.Lock()
	op, ok := s.ops[id]
	var cp operation
	if ok {
		cp = *op
	}
	now := s.now()
	s.mu.Unlock()
	if !ok || !strings.EqualFold(cp.sub, r.PathValue("sub")) {
		writeError(w, http.StatusNotFound, "NotFound", "The entity was not found in this Azure location.")
		return
	}
	finished := !now.Before(cp.done)
	if r.URL.Query().Get("monitor") == "true" {
		w.Header().Set("Content-Length", "0")
		if !finished {
			w.Header().Set("Location", baseURL(r)+r.URL.RequestURI())
			w.WriteHeader(http.StatusAccepted)
			return
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	st := asyncStatus{StartTime: cp.started.UTC().Format(time.RFC3339Nano), Status: "InProgress", Name: id}
	if finished {
		st.Status, st.EndTime = "Succeeded", cp.done.UTC().Format(time.RFC3339Nano)
	}
	writeJSON(w, http.StatusOK, st)
}
