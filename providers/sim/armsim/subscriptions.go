package armsim

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/neogenesys/console/providers/sim"
)

// getSubscription is Subscriptions_Get (Microsoft.Resources).
func (s *Server) getSubscription(w http.ResponseWriter, r *http.Request) {
	sub := r.PathValue("sub")
	i := slices.IndexFunc(s.opts.Subscriptions, func(k string) bool { return strings.EqualFold(k, sub) })
	if i < 0 {
		subscriptionNotFound(w, sub)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id":                  "/subscriptions/" + s.opts.Subscriptions[i],
		"authorizationSource": "RoleBased",
		"managedByTenants":    []any{},
		"subscriptionId":      s.opts.Subscriptions[i],
		"tenantId":            s.opts.TenantID,
		"displayName":         fmt.Sprintf("Neogenesys Sim %d", i+1),
		"state":               "Enabled",
		"subscriptionPolicies": map[string]any{
			"locationPlacementId": "Public_2014-09-01",
			"quotaId":             "PayAsYouGo_2014-09-01",
			"spendingLimit":       "Off",
		},
	})
}

type location struct {
	ID                  string           `json:"id"`
	Name                string           `json:"name"`
	Type                string           `json:"type"`
	DisplayName         string           `json:"displayName"`
	RegionalDisplayName string           `json:"regionalDisplayName"`
	Metadata            locationMetadata `json:"metadata"`
}

type locationMetadata struct {
	RegionType     string `json:"regionType"`
	RegionCategory string `json:"regionCategory"`
}

// listLocations is Subscriptions_ListLocations: Azure's regions, plus any
// region the fleet uses that the built-in list lacks, and the logical
// geographies ARM lists beside them.
func (s *Server) listLocations(w http.ResponseWriter, r *http.Request) {
	sub := r.PathValue("sub")
	if !s.knownSubscription(sub) {
		subscriptionNotFound(w, sub)
		return
	}
	regions := physicalLocations()
	for _, name := range s.Fleet.Regions() {
		if !slices.ContainsFunc(regions, func(l [2]string) bool { return l[0] == name }) {
			regions = append(regions, [2]string{name, name})
		}
	}
	out := make([]location, 0, len(regions)+2)
	add := func(l [2]string, kind, category string) {
		out = append(out, location{
			ID: "/subscriptions/" + sub + "/locations/" + l[0], Name: l[0], Type: "Region",
			DisplayName: l[1], RegionalDisplayName: l[1],
			Metadata: locationMetadata{RegionType: kind, RegionCategory: category},
		})
	}
	for _, l := range regions {
		add(l, "Physical", "Recommended")
	}
	for _, l := range logicalLocations() {
		add(l, "Logical", "Other")
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": out})
}

type vmSize struct {
	Name                 string `json:"name"`
	NumberOfCores        int    `json:"numberOfCores"`
	OSDiskSizeInMB       int64  `json:"osDiskSizeInMB"`
	ResourceDiskSizeInMB int64  `json:"resourceDiskSizeInMB"`
	MemoryInMB           int64  `json:"memoryInMB"`
	MaxDataDiskCount     int    `json:"maxDataDiskCount"`
}

// listSizes is VirtualMachineSizes_List: the catalogue, plus the sizes of
// fleet VMs in that location the catalogue lacks (tests use made-up ones).
func (s *Server) listSizes(w http.ResponseWriter, r *http.Request) {
	if sub := r.PathValue("sub"); !s.knownSubscription(sub) {
		subscriptionNotFound(w, sub)
		return
	}
	loc := r.PathValue("loc")
	out := []vmSize{}
	for _, c := range catalogue() {
		out = append(out, vmSize{c.Name, c.Cores, c.OSDiskSizeMax, c.ResourceDisk, c.MemoryMB, c.MaxDataDisks})
	}
	for _, vm := range s.Fleet.List(func(v *sim.VM) bool { return strings.EqualFold(v.Region, loc) }) {
		if !slices.ContainsFunc(out, func(z vmSize) bool { return strings.EqualFold(z.Name, vm.Type) }) {
			out = append(out, vmSize{vm.Type, vm.VCPUs, 1047552, 0, vm.MemoryMB, 4})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": out})
}
