package armsim

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/neogenesys/console/providers/sim"
)

// vmList is ARM's page of a list: the values and, when more remain, an
// absolute nextLink that carries an opaque $skiptoken.
type vmList struct {
	Value    []vmResource `json:"value"`
	NextLink string       `json:"nextLink,omitempty"`
}

// listVMs is VirtualMachines_ListAll: every VM of the subscription, the
// model view by default, the instance view with statusOnly=true.
func (s *Server) listVMs(w http.ResponseWriter, r *http.Request) {
	sub := r.PathValue("sub")
	if !s.knownSubscription(sub) {
		subscriptionNotFound(w, sub)
		return
	}
	q := r.URL.Query()
	if q.Get("$expand") != "" && q.Get("$filter") == "" {
		writeError(w, http.StatusBadRequest, "InvalidParameter",
			"The value of parameter '$expand' is invalid: it can only be specified if a valid $filter option is specified.")
		return
	}
	start := 0
	if tok := q.Get("$skiptoken"); tok != "" {
		n, err := decodeSkipToken(tok)
		if err != nil {
			writeError(w, http.StatusBadRequest, "InvalidSkipToken", "The skip token '"+tok+"' is invalid.")
			return
		}
		start = n
	}
	// The skip token is a position in the fleet's insertion order, which
	// only ever grows, so pages stay consistent while VMs change state.
	pos, next := -1, -1
	var taken int
	page := s.Fleet.List(func(vm *sim.VM) bool {
		pos++
		if pos < start || next >= 0 || vm.State == sim.Terminated {
			return false
		}
		if vmSub, _, _, ok := armID(vm.ID); !ok || !strings.EqualFold(vmSub, sub) {
			return false
		}
		if taken == s.opts.PageSize {
			next = pos
			return false
		}
		taken++
		return true
	})
	status := strings.EqualFold(q.Get("statusOnly"), "true")
	out := vmList{Value: make([]vmResource, 0, len(page))}
	s.mu.Lock()
	for _, vm := range page {
		var res vmResource
		if status {
			res = statusOnly(vm, s.poweredOff[strings.ToLower(vm.ID)])
		} else {
			res = model(vm)
		}
		if s.corrupt[strings.ToLower(vm.ID)] {
			res.ID = ""
		}
		out.Value = append(out.Value, res)
	}
	s.mu.Unlock()
	if next >= 0 {
		q.Set("$skiptoken", encodeSkipToken(next))
		out.NextLink = baseURL(r) + r.URL.Path + "?" + q.Encode()
	}
	writeJSON(w, http.StatusOK, out)
}

func encodeSkipToken(pos int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("pos:" + strconv.Itoa(pos)))
}

func decodeSkipToken(tok string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, err
	}
	n, ok := strings.CutPrefix(string(b), "pos:")
	if !ok {
		return 0, errors.New("not a skip token")
	}
	return strconv.Atoi(n)
}

// findVM looks a VM up by its path segments, case-insensitively as ARM does,
// and otherwise writes ARM's 404 for the first missing level.
func (s *Server) findVM(w http.ResponseWriter, r *http.Request) (sim.VM, bool) {
	sub, group, name := r.PathValue("sub"), r.PathValue("rg"), r.PathValue("name")
	if !s.knownSubscription(sub) {
		subscriptionNotFound(w, sub)
		return sim.VM{}, false
	}
	id := VMID(sub, group, name)
	vm, err := s.Fleet.Get(id)
	if err != nil {
		found := s.Fleet.List(func(v *sim.VM) bool { return strings.EqualFold(v.ID, id) })
		if len(found) > 0 {
			vm, err = found[0], nil
		}
	}
	if err == nil && vm.State != sim.Terminated {
		return vm, true
	}
	groupExists := len(s.Fleet.List(func(v *sim.VM) bool {
		vs, vg, _, ok := armID(v.ID)
		return ok && strings.EqualFold(vs, sub) && strings.EqualFold(vg, group)
	})) > 0
	if !groupExists {
		writeError(w, http.StatusNotFound, "ResourceGroupNotFound", "Resource group '"+group+"' could not be found.")
		return sim.VM{}, false
	}
	writeError(w, http.StatusNotFound, "ResourceNotFound", fmt.Sprintf(
		"The Resource 'Microsoft.Compute/virtualMachines/%s' under resource group '%s' was not found. "+
			"For more details please go to https://aka.ms/ARMResourceNotFoundFix", name, group))
	return sim.VM{}, false
}

func subscriptionNotFound(w http.ResponseWriter, sub string) {
	writeError(w, http.StatusNotFound, "SubscriptionNotFound", "The subscription '"+sub+"' could not be found.")
}

// getVM is VirtualMachines_Get; $expand=instanceView adds the run-time status.
func (s *Server) getVM(w http.ResponseWriter, r *http.Request) {
	vm, ok := s.findVM(w, r)
	if !ok {
		return
	}
	res := model(vm)
	if strings.EqualFold(r.URL.Query().Get("$expand"), "instanceView") {
		s.mu.Lock()
		off := s.poweredOff[strings.ToLower(vm.ID)]
		s.mu.Unlock()
		res.Properties.InstanceView = &vmInstanceView{ComputerName: res.Name, Statuses: statuses(vm, off)}
	}
	writeJSON(w, http.StatusOK, res)
}

// powerAction is VirtualMachines_Start, _Deallocate, _PowerOff and _Restart:
// 202 with the operation to poll.
func (s *Server) powerAction(w http.ResponseWriter, r *http.Request) {
	action := r.PathValue("action")
	var a sim.Action
	switch action {
	case "start":
		a = sim.Start
	case "deallocate", "powerOff":
		a = sim.Stop
	case "restart":
		a = sim.Reboot
	default:
		writeError(w, http.StatusNotFound, "NotFound", "The operation '"+action+"' is not supported on virtual machines.")
		return
	}
	vm, ok := s.findVM(w, r)
	if !ok {
		return
	}
	transition := s.Fleet.Transition
	prev, _, err := s.Fleet.Power(vm.ID, a)
	switch {
	case errors.Is(err, sim.ErrNotFound):
		writeError(w, http.StatusNotFound, "ResourceNotFound", "The Resource 'Microsoft.Compute/virtualMachines/"+vm.Name+"' was not found.")
		return
	case errors.Is(err, sim.ErrInvalidState) && (prev == sim.Pending || prev == sim.Stopping || prev == sim.Rebooting):
		writeError(w, http.StatusConflict, "Conflict", fmt.Sprintf(
			"The request failed due to conflict with a concurrent request. To resolve it, please refer to https://aka.ms/activitylog to get more details on the conflicting requests. Operation '%s' is not allowed on VM '%s' while it is %s.",
			action, r.PathValue("name"), statusWord(prev)))
		return
	case err != nil:
		writeError(w, http.StatusConflict, "OperationNotAllowed", fmt.Sprintf(
			"Operation '%s' is not allowed on VM '%s' since the VM is %s.", action, r.PathValue("name"), statusWord(prev)))
		return
	}
	key := strings.ToLower(vm.ID)
	s.mu.Lock()
	switch {
	case action == "powerOff" && prev == sim.Running:
		s.poweredOff[key] = true
	case action == "deallocate", action == "start":
		delete(s.poweredOff, key)
	}
	s.mu.Unlock()
	if prev == sim.Stopped && a == sim.Stop || prev == sim.Running && a == sim.Start {
		transition = 0 // idempotent: nothing to wait for
	}
	op := s.newOperation(r.PathValue("sub"), vm.Region, action, transition)
	u := fmt.Sprintf("%s/subscriptions/%s/providers/Microsoft.Compute/locations/%s/operations/%s?p=%s&api-version=%s",
		baseURL(r), r.PathValue("sub"), vm.Region, op, newID(), r.URL.Query().Get("api-version"))
	w.Header().Set("Azure-AsyncOperation", u)
	w.Header().Set("Location", u+"&monitor=true")
	w.Header().Set("x-ms-request-id", op)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusAccepted)
}

// statusWord is how ARM's messages name a power state.
func statusWord(st sim.State) string {
	switch st {
	case sim.Stopped:
		return "deallocated"
	case sim.Pending:
		return "starting"
	case sim.Stopping:
		return "deallocating"
	case sim.Rebooting:
		return "restarting"
	}
	return string(st)
}
