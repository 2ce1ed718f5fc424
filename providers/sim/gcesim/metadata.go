package gcesim

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"sync"

	"github.com/neogenesys/console/providers/sim"
)

// Instance metadata, as Compute Engine keeps it: an ordered list of
// key/value items under a fingerprint that changes with every
// instances.setMetadata. A setMetadata must carry the current fingerprint
// (optimistic locking): a stale or missing one is refused with 412
// conditionNotMet and changes nothing.

// metadataItem is one entry of a metadata resource's items.
type metadataItem struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Limits Compute Engine puts on metadata: keys match [a-zA-Z0-9-_]+ and are
// under 128 bytes, a value is at most 256 KiB, all keys and values together
// under 512 KB.
const (
	maxMetadataValue = 256 << 10
	maxMetadataTotal = 512 << 10
)

var metadataKey = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,127}$`)

// metadataStore holds the metadata of the instances that had theirs set;
// the others have none and their initial fingerprint. Its zero value is
// ready to use.
type metadataStore struct {
	mu   sync.Mutex
	byVM map[string]*vmMetadata // fleet id →
	seq  uint64
}

type vmMetadata struct {
	fingerprint string
	items       []metadataItem
}

// initialFingerprint is the fingerprint of an instance whose metadata was
// never set.
func initialFingerprint(vmID string) string { return hexFingerprint(vmID + "md") }

// current returns a VM's fingerprint and a copy of its items.
func (m *metadataStore) current(vmID string) (string, []metadataItem) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if md, ok := m.byVM[vmID]; ok {
		return md.fingerprint, append([]metadataItem(nil), md.items...)
	}
	return initialFingerprint(vmID), nil
}

// replace sets a VM's items when fingerprint is its current one and
// returns the new fingerprint; ok is false when the fingerprint is stale.
func (m *metadataStore) replace(vmID, fingerprint string, items []metadataItem) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := initialFingerprint(vmID)
	if md, found := m.byVM[vmID]; found {
		cur = md.fingerprint
	}
	if fingerprint != cur {
		return "", false
	}
	if m.byVM == nil {
		m.byVM = map[string]*vmMetadata{}
	}
	m.seq++
	next := hexFingerprint(vmID + "md" + strconv.FormatUint(m.seq, 10))
	m.byVM[vmID] = &vmMetadata{fingerprint: next, items: append([]metadataItem(nil), items...)}
	return next, true
}

// metadataOf is the metadata resource of a fleet VM, as instances.get
// renders it.
func (s *Server) metadataOf(vm *sim.VM) metadata {
	fp, items := s.md.current(vm.ID)
	return metadata{Kind: "compute#metadata", Fingerprint: fp, Items: items}
}

// locateVM finds the live fleet VM at project/zone/name.
func (s *Server) locateVM(project, zone, name string) (sim.VM, bool) {
	vms := s.Fleet.List(func(vm *sim.VM) bool { return vm.Name == name && s.listed(vm, project, zone) })
	if len(vms) == 0 {
		return sim.VM{}, false
	}
	return vms[0], true
}

// Metadata returns the metadata items of the instance project/zone/name as
// a map (empty when it has none), or nil when there is no such instance.
func (s *Server) Metadata(project, zone, name string) map[string]string {
	vm, ok := s.locateVM(project, zone, name)
	if !ok {
		return nil
	}
	_, items := s.md.current(vm.ID)
	out := make(map[string]string, len(items))
	for _, it := range items {
		out[it.Key] = it.Value
	}
	return out
}

// SetMetadataItem sets one metadata key of the instance project/zone/name,
// keeping the others, as an administrator editing it in the console would:
// the fingerprint changes. It reports false when there is no such instance.
func (s *Server) SetMetadataItem(project, zone, name, key, value string) bool {
	vm, ok := s.locateVM(project, zone, name)
	if !ok {
		return false
	}
	for {
		fp, items := s.md.current(vm.ID)
		replaced := false
		for i := range items {
			if items[i].Key == key {
				items[i].Value, replaced = value, true
			}
		}
		if !replaced {
			items = append(items, metadataItem{Key: key, Value: value})
		}
		if _, ok := s.md.replace(vm.ID, fp, items); ok {
			return true
		}
	}
}

// setMetadataBody is the request body of instances.setMetadata: a metadata
// resource.
type setMetadataBody struct {
	Kind        string         `json:"kind"`
	Fingerprint string         `json:"fingerprint"`
	Items       []metadataItem `json:"items"`
}

// POST /compute/v1/projects/{project}/zones/{zone}/instances/{name}/setMetadata
// replaces the instance's metadata items with the body's when its
// fingerprint is current, and answers a zone operation (already DONE: the
// sim applies metadata at once).
func (s *Server) setMetadata(w http.ResponseWriter, r *http.Request) {
	vm, ok := s.find(w, r, "compute.instances.setMetadata")
	if !ok {
		return
	}
	var body setMetadataBody
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 2*maxMetadataTotal)).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "parseError", "Invalid JSON payload received. %v", err)
		return
	}
	seen, total := map[string]bool{}, 0
	for i, it := range body.Items {
		switch {
		case !metadataKey.MatchString(it.Key):
			writeError(w, http.StatusBadRequest, "invalid", "Invalid value for field 'resource.items[%d].key': '%s'. Must be a match of regex '[a-zA-Z0-9-_]+' and shorter than 128 bytes.", i, it.Key)
			return
		case seen[it.Key]:
			writeError(w, http.StatusBadRequest, "invalid", "Invalid value for field 'resource.items[%d].key': '%s'. Duplicate keys are not allowed.", i, it.Key)
			return
		case len(it.Value) > maxMetadataValue:
			writeError(w, http.StatusBadRequest, "invalid", "Invalid value for field 'resource.items[%d].value': value exceeds the maximum size of %d bytes.", i, maxMetadataValue)
			return
		}
		seen[it.Key] = true
		total += len(it.Key) + len(it.Value)
	}
	if total > maxMetadataTotal {
		writeError(w, http.StatusBadRequest, "invalid", "Invalid value for field 'resource.items': metadata exceeds the maximum total size of %d bytes.", maxMetadataTotal)
		return
	}
	project, zone := s.projectOf(&vm), s.zoneOf(&vm)
	target := "projects/" + project + "/zones/" + zone + "/instances/" + vm.Name
	if _, ok := s.md.replace(vm.ID, body.Fingerprint, body.Items); !ok {
		writeError(w, http.StatusPreconditionFailed, "conditionNotMet",
			"Supplied fingerprint does not match current metadata fingerprint.")
		return
	}
	op := s.ops.add(project, zone, "setMetadata", selfLinkBase+target, numericID(vm.ID), s.tokens.email, 0)
	writeJSON(w, op.render(op.inserted))
}
