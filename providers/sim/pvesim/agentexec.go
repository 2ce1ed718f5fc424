package pvesim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"weak"

	"github.com/neogenesys/console/providers/sim"
)

// The QEMU guest agent's command execution:
//
//	POST /nodes/{node}/qemu/{vmid}/agent/exec {command: [argv…], input-data}
//	  → {"pid": n}
//	GET  /nodes/{node}/qemu/{vmid}/agent/exec-status?pid=n
//	  → {"exited": 0} while it runs, then
//	    {"exited": 1, "exitcode": c, "out-data": …, "err-data": …}
//
// PVE base64-encodes input-data for the agent and decodes out-data and
// err-data from it, so the API carries plain strings. Like qemu-ga, a pid is
// forgotten once its exit has been reported.
//
// The simulated guest knows a few commands, all deterministic:
//
//	true                exit 0
//	false               exit 1
//	echo ARGS…          ARGS joined by spaces and a newline on stdout
//	cat                 its input on stdout
//	cat FILE…           exit 1, "No such file or directory" on stderr
//	tailscale ARGS…     exit 0, no output (what an enrollment runs)
//	sleep SECONDS       runs that long (real time), exit 0
//
// Every process first reports "running" once, then its exit. Anything else
// fails as qemu-ga does when it cannot spawn a program (a 500). Accepted
// commands are recorded per guest: Server.Executed.

// agentExecs holds each Server's exec state, keyed by a weak pointer so a
// Server that is no longer used is collected with its state.
var agentExecs sync.Map // weak.Pointer[Server] → *execState

type execState struct {
	mu       sync.Mutex
	nextPID  int
	procs    map[string]map[int]*guestProc // vmid → pid → process
	executed map[string][][]string         // vmid → argv of each accepted command
}

type guestProc struct {
	exitCode       int
	stdout, stderr string
	until          time.Time // runs until then
	polledOnce     bool
}

func (s *Server) agentExecState() *execState {
	key := weak.Make(s)
	if st, ok := agentExecs.Load(key); ok {
		return st.(*execState)
	}
	st, loaded := agentExecs.LoadOrStore(key, &execState{
		nextPID:  1000,
		procs:    map[string]map[int]*guestProc{},
		executed: map[string][][]string{},
	})
	if !loaded {
		runtime.AddCleanup(s, func(k weak.Pointer[Server]) { agentExecs.Delete(k) }, key)
	}
	return st.(*execState)
}

// Executed returns the argv of every command the guest agent of qemu guest
// vmid accepted, oldest first.
func (s *Server) Executed(vmid string) [][]string {
	st := s.agentExecState()
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([][]string, 0, len(st.executed[vmid]))
	for _, argv := range st.executed[vmid] {
		out = append(out, slices.Clone(argv))
	}
	return out
}

// agentReady answers as PVE does when the agent cannot take a command,
// reporting whether it did.
func agentReady(w http.ResponseWriter, vm *sim.VM, vmid int) bool {
	switch {
	case vm.State == sim.Stopped:
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("VM %d is not running", vmid))
		return false
	case vm.State != sim.Running || vm.Tags[TagNoAgent] != "":
		writeError(w, http.StatusInternalServerError, "QEMU guest agent is not running")
		return false
	}
	return true
}

// agentExec is POST /nodes/{node}/qemu/{vmid}/agent/exec.
func (s *Server) agentExec(w http.ResponseWriter, r *http.Request) {
	vm, vmid, ok := s.guest(w, r, "qemu")
	if !ok {
		return
	}
	argv, input, err := execParams(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "Parameter verification failed.")
		return
	}
	if len(argv) == 0 {
		writeErrorBody(w, http.StatusBadRequest, "Parameter verification failed.", map[string]any{
			"errors": map[string]string{"command": "property is missing and it is not optional"},
		})
		return
	}
	if !agentReady(w, &vm, vmid) {
		return
	}
	p, ok := runSimulated(argv, input)
	if !ok {
		writeError(w, http.StatusInternalServerError, fmt.Sprintf(
			"Agent error: Guest agent command failed, error was 'Failed to execute child process “%s” (No such file or directory)'", argv[0]))
		return
	}
	st := s.agentExecState()
	st.mu.Lock()
	st.nextPID++
	pid := st.nextPID
	id := strconv.Itoa(vmid)
	if st.procs[id] == nil {
		st.procs[id] = map[int]*guestProc{}
	}
	st.procs[id][pid] = p
	st.executed[id] = append(st.executed[id], slices.Clone(argv))
	st.mu.Unlock()
	writeData(w, map[string]int{"pid": pid})
}

// agentExecStatus is GET /nodes/{node}/qemu/{vmid}/agent/exec-status?pid=n.
func (s *Server) agentExecStatus(w http.ResponseWriter, r *http.Request) {
	vm, vmid, ok := s.guest(w, r, "qemu")
	if !ok {
		return
	}
	pidText := r.URL.Query().Get("pid")
	pid, err := strconv.Atoi(pidText)
	if err != nil {
		writeErrorBody(w, http.StatusBadRequest, "Parameter verification failed.", map[string]any{
			"errors": map[string]string{"pid": "type check ('integer') failed - got '" + pidText + "'"},
		})
		return
	}
	if !agentReady(w, &vm, vmid) {
		return
	}
	st := s.agentExecState()
	st.mu.Lock()
	defer st.mu.Unlock()
	id := strconv.Itoa(vmid)
	p := st.procs[id][pid]
	if p == nil {
		writeError(w, http.StatusInternalServerError, "Agent error: Guest agent command failed, error was 'Invalid parameter 'pid''")
		return
	}
	if !p.polledOnce || time.Now().Before(p.until) {
		p.polledOnce = true
		writeData(w, map[string]int{"exited": 0})
		return
	}
	delete(st.procs[id], pid)
	out := map[string]any{"exited": 1, "exitcode": p.exitCode}
	if p.stdout != "" {
		out["out-data"] = p.stdout
	}
	if p.stderr != "" {
		out["err-data"] = p.stderr
	}
	writeData(w, out)
}

// execParams reads command (a JSON array or string, or repeated form
// values) and input-data.
func execParams(r *http.Request) (argv []string, input string, err error) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var body struct {
			Command   json.RawMessage `json:"command"`
			InputData string          `json:"input-data"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(&body); err != nil {
			return nil, "", err
		}
		if len(body.Command) > 0 && json.Unmarshal(body.Command, &argv) != nil {
			var one string
			if err := json.Unmarshal(body.Command, &one); err != nil {
				return nil, "", err
			}
			argv = []string{one}
		}
		return argv, body.InputData, nil
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return nil, "", err
	}
	return r.PostForm["command"], r.PostForm.Get("input-data"), nil
}

// runSimulated "runs" argv in the simulated guest; false when the guest
// has no such program.
func runSimulated(argv []string, input string) (*guestProc, bool) {
	p := &guestProc{}
	switch argv[0] {
	case "true", "tailscale":
	case "false":
		p.exitCode = 1
	case "echo":
		p.stdout = strings.Join(argv[1:], " ") + "\n"
	case "cat":
		if len(argv) == 1 {
			p.stdout = input
			break
		}
		p.exitCode = 1
		for _, f := range argv[1:] {
			p.stderr += "cat: " + f + ": No such file or directory\n"
		}
	case "sleep":
		secs := 0.0
		if len(argv) > 1 {
			secs, _ = strconv.ParseFloat(argv[1], 64)
		}
		p.until = time.Now().Add(time.Duration(secs * float64(time.Second)))
	default:
		return nil, false
	}
	return p, true
}
