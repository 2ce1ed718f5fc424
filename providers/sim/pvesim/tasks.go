package pvesim

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// maxTasks bounds the task table; the oldest tasks are forgotten first.
const maxTasks = 4096

// task is one worker started by a power action.
type task struct {
	upid      string
	node      string
	typ       string
	id        string
	user      string
	pid       uint32
	pstart    uint32
	starttime int64
	done      time.Time // when the worker finishes
}

// newTask records a worker and returns its UPID,
// "UPID:node:pid:pstart:starttime:type:id:user:" with hexadecimal numbers.
// The worker runs as long as the fleet's transition.
func (s *Server) newTask(node, typ, id, user string) string {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pid++
	t := &task{
		node: node, typ: typ, id: id, user: user, pid: s.pid, pstart: 0x0001E240 + s.pid,
		starttime: now.Unix(), done: now.Add(s.Fleet.Transition),
	}
	t.upid = fmt.Sprintf("UPID:%s:%08X:%08X:%08X:%s:%s:%s:", node, t.pid, t.pstart, t.starttime, typ, id, user)
	s.tasks[t.upid] = t
	s.order = append(s.order, t.upid)
	if len(s.order) > maxTasks {
		delete(s.tasks, s.order[0])
		s.order = s.order[1:]
	}
	return t.upid
}

// taskStatus is GET /nodes/{node}/tasks/{upid}/status: "running" until the
// worker ends, then "stopped" with its exitstatus.
func (s *Server) taskStatus(w http.ResponseWriter, r *http.Request) {
	upid, node := r.PathValue("upid"), r.PathValue("node")
	s.mu.Lock()
	t, ok := s.tasks[upid]
	s.mu.Unlock()
	switch {
	case ok && t.node == node:
	case s.unknownNode(w, node):
		return
	case !strings.HasPrefix(upid, "UPID:") || strings.Count(upid, ":") != 8:
		writeError(w, http.StatusInternalServerError, "unable to parse worker upid '"+upid+"'")
		return
	default:
		writeError(w, http.StatusInternalServerError, "no such task")
		return
	}
	out := map[string]any{
		"upid": t.upid, "node": t.node, "pid": t.pid, "pstart": t.pstart, "starttime": t.starttime,
		"type": t.typ, "id": t.id, "user": t.user, "status": "running",
	}
	if !time.Now().Before(t.done) {
		out["status"], out["exitstatus"] = "stopped", "OK"
	}
	writeData(w, out)
}
