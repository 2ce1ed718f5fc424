package gcesim

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// An op is one zone operation. It is RUNNING until the transition it stands
// for is over, then DONE, as Compute Engine reports a start or stop done
// once the instance has reached its new status.
type op struct {
	id, name, project, zone  string
	opType, target, targetID string
	user                     string
	inserted, done           time.Time
}

func (o *op) render(now time.Time) operation {
	zoneLink := selfLinkBase + "projects/" + o.project + "/zones/" + o.zone
	out := operation{
		Kind: "compute#operation", ID: o.id, Name: o.name, Zone: zoneLink,
		OperationType: o.opType, TargetLink: o.target, TargetID: o.targetID,
		Status: "RUNNING", User: o.user, InsertTime: timestamp(o.inserted), StartTime: timestamp(o.inserted),
		SelfLink: zoneLink + "/operations/" + o.name,
	}
	if !now.Before(o.done) {
		out.Status, out.Progress, out.EndTime = "DONE", 100, timestamp(o.done)
	}
	return out
}

// operations keeps the operations of the last hour.
type operations struct {
	mu  sync.Mutex
	ops map[string]*op
	seq uint64
}

const opRetention = time.Hour

func newOperations() *operations { return &operations{ops: map[string]*op{}} }

func (ops *operations) add(project, zone, opType, target, targetID, user string, took time.Duration) *op {
	now := time.Now()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	ops.mu.Lock()
	defer ops.mu.Unlock()
	for k, o := range ops.ops {
		if now.Sub(o.inserted) > opRetention {
			delete(ops.ops, k)
		}
	}
	ops.seq++
	o := &op{
		id:      strconv.FormatUint(7000000000000000000+ops.seq, 10),
		name:    "operation-" + strconv.FormatInt(now.UnixMilli(), 10) + "-" + hex.EncodeToString(b),
		project: project, zone: zone, opType: opType, target: target, targetID: targetID, user: user,
		inserted: now, done: now.Add(took),
	}
	ops.ops[o.name] = o
	return o
}

func (ops *operations) get(project, zone, name string) (*op, bool) {
	ops.mu.Lock()
	defer ops.mu.Unlock()
	o, ok := ops.ops[name]
	if !ok || o.project != project || o.zone != zone {
		return nil, false
	}
	return o, true
}

// GET /compute/v1/projects/{project}/zones/{zone}/operations/{op}
func (s *Server) getOperation(w http.ResponseWriter, r *http.Request) {
	project, zone, ok := s.checkZone(w, r, "compute.zoneOperations.get")
	if !ok {
		return
	}
	o, ok := s.ops.get(project, zone, r.PathValue("op"))
	if !ok {
		notFound(w, "projects/"+project+"/zones/"+zone+"/operations/"+r.PathValue("op"))
		return
	}
	writeJSON(w, o.render(time.Now()))
}

// waitLimit is how long operations.wait blocks at most, as in Compute Engine.
const waitLimit = 2 * time.Minute

// POST /compute/v1/projects/{project}/zones/{zone}/operations/{op}/wait
// blocks until the operation is DONE or two minutes have passed.
func (s *Server) waitOperation(w http.ResponseWriter, r *http.Request) {
	project, zone, ok := s.checkZone(w, r, "compute.zoneOperations.get")
	if !ok {
		return
	}
	o, ok := s.ops.get(project, zone, r.PathValue("op"))
	if !ok {
		notFound(w, "projects/"+project+"/zones/"+zone+"/operations/"+r.PathValue("op"))
		return
	}
	if d := min(time.Until(o.done), waitLimit); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	writeJSON(w, o.render(time.Now()))
}
