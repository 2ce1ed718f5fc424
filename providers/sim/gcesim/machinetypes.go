package gcesim

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/neogenesys/console/providers/sim"
)

// catalog are the machine types every zone offers, with Compute Engine's
// published sizes (https://cloud.google.com/compute/docs/machine-resource).
var catalog = []sim.TypeSpec{
	{Name: "e2-micro", VCPUs: 2, MemoryMB: 1024},
	{Name: "e2-small", VCPUs: 2, MemoryMB: 2048},
	{Name: "e2-medium", VCPUs: 2, MemoryMB: 4096},
	{Name: "e2-standard-4", VCPUs: 4, MemoryMB: 16384},
	{Name: "n2-standard-4", VCPUs: 4, MemoryMB: 16384},
	{Name: "n2-highmem-8", VCPUs: 8, MemoryMB: 65536},
	{Name: "c3-highcpu-8", VCPUs: 8, MemoryMB: 16384},
	{Name: "c3-standard-22", VCPUs: 22, MemoryMB: 90112},
}

// machineTypes is the catalog plus the types of fleet VMs it lacks (sized
// as those VMs are), sorted by name.
func (s *Server) machineTypes() []sim.TypeSpec {
	out := slices.Clone(catalog)
	s.Fleet.List(func(vm *sim.VM) bool {
		if vm.Type != "" && !slices.ContainsFunc(out, func(t sim.TypeSpec) bool { return t.Name == vm.Type }) {
			out = append(out, sim.TypeSpec{Name: vm.Type, VCPUs: vm.VCPUs, MemoryMB: vm.MemoryMB})
		}
		return false
	})
	slices.SortFunc(out, func(a, b sim.TypeSpec) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

func renderMachineType(project, zone string, t sim.TypeSpec, i int) machineType {
	shared := t.Name == "e2-micro" || t.Name == "e2-small" || t.Name == "e2-medium"
	return machineType{
		Kind:                         "compute#machineType",
		ID:                           strconv.Itoa(800000 + i),
		CreationTimestamp:            timestamp(time.Unix(0, 0)),
		Name:                         t.Name,
		Description:                  fmt.Sprintf("%d vCPUs, %g GB RAM", t.VCPUs, float64(t.MemoryMB)/1024),
		GuestCPUs:                    t.VCPUs,
		MemoryMB:                     t.MemoryMB,
		MaximumPersistentDisks:       128,
		MaximumPersistentDisksSizeGB: "263168",
		Zone:                         zone,
		SelfLink:                     selfLinkBase + "projects/" + project + "/zones/" + zone + "/machineTypes/" + t.Name,
		IsSharedCPU:                  shared,
		Architecture:                 "X86_64",
	}
}

// GET /compute/v1/projects/{project}/zones/{zone}/machineTypes/{type}
func (s *Server) getMachineType(w http.ResponseWriter, r *http.Request) {
	project, zone, ok := s.checkZone(w, r, "compute.machineTypes.get")
	if !ok {
		return
	}
	name := r.PathValue("type")
	for i, t := range s.machineTypes() {
		if t.Name == name {
			writeJSON(w, renderMachineType(project, zone, t, i))
			return
		}
	}
	notFound(w, "projects/"+project+"/zones/"+zone+"/machineTypes/"+name)
}

// GET /compute/v1/projects/{project}/zones/{zone}/machineTypes
func (s *Server) listMachineTypes(w http.ResponseWriter, r *http.Request) {
	project, zone, ok := s.checkZone(w, r, "compute.machineTypes.list")
	if !ok {
		return
	}
	offset, size, ok := s.page(w, r)
	if !ok {
		return
	}
	types := s.machineTypes()
	out := machineTypeList{
		Kind:          "compute#machineTypeList",
		ID:            "projects/" + project + "/zones/" + zone + "/machineTypes",
		Items:         []machineType{},
		NextPageToken: nextToken(offset, size, len(types)),
		SelfLink:      selfLinkBase + "projects/" + project + "/zones/" + zone + "/machineTypes",
	}
	for i := min(offset, len(types)); i < min(offset+size, len(types)); i++ {
		out.Items = append(out.Items, renderMachineType(project, zone, types[i], i))
	}
	writeJSON(w, out)
}

// GET /compute/v1/projects/{project}/aggregated/machineTypes pages through
// the (zone, type) pairs, zone by zone.
func (s *Server) aggregatedMachineTypes(w http.ResponseWriter, r *http.Request) {
	project, ok := s.checkProject(w, r, "compute.machineTypes.list")
	if !ok {
		return
	}
	offset, size, ok := s.page(w, r)
	if !ok {
		return
	}
	types, zones := s.machineTypes(), s.zones()
	total := len(types) * len(zones)
	items := map[string]machineTypesScopedList{}
	for i := offset; i < min(offset+size, total); i++ {
		z, t := zones[i/len(types)], i%len(types)
		l := items["zones/"+z]
		l.MachineTypes = append(l.MachineTypes, renderMachineType(project, z, types[t], t))
		items["zones/"+z] = l
	}
	for _, z := range zones {
		if _, ok := items["zones/"+z]; !ok {
			items["zones/"+z] = machineTypesScopedList{Warning: noResults("zones/" + z)}
		}
	}
	writeJSON(w, machineTypeAggregatedList{
		Kind:          "compute#machineTypeAggregatedList",
		ID:            "projects/" + project + "/aggregated/machineTypes",
		Items:         items,
		NextPageToken: nextToken(offset, size, total),
		SelfLink:      selfLinkBase + "projects/" + project + "/aggregated/machineTypes",
	})
}
