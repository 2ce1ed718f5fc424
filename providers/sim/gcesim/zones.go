package gcesim

import (
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"time"
)

func (s *Server) renderZone(project, name string) zone {
	h := fnv.New32a()
	h.Write([]byte(name))
	return zone{
		Kind:                  "compute#zone",
		ID:                    strconv.FormatUint(uint64(2000+h.Sum32()%1000), 10),
		CreationTimestamp:     timestamp(time.Unix(0, 0)),
		Name:                  name,
		Description:           name,
		Status:                "UP",
		Region:                selfLinkBase + "projects/" + project + "/regions/" + regionOf(name),
		SelfLink:              selfLinkBase + "projects/" + project + "/zones/" + name,
		AvailableCPUPlatforms: []string{"Intel Sapphire Rapids", "Intel Cascade Lake", "AMD Milan"},
	}
}

// GET /compute/v1/projects/{project}/zones
func (s *Server) listZones(w http.ResponseWriter, r *http.Request) {
	project, ok := s.checkProject(w, r, "compute.zones.list")
	if !ok {
		return
	}
	offset, size, ok := s.page(w, r)
	if !ok {
		return
	}
	all := s.zones()
	out := zoneList{
		Kind:          "compute#zoneList",
		ID:            "projects/" + project + "/zones",
		Items:         []zone{},
		NextPageToken: nextToken(offset, size, len(all)),
		SelfLink:      selfLinkBase + "projects/" + project + "/zones",
	}
	for _, z := range all[min(offset, len(all)):min(offset+size, len(all))] {
		out.Items = append(out.Items, s.renderZone(project, z))
	}
	writeJSON(w, out)
}

// GET /compute/v1/projects/{project}/zones/{zone}
func (s *Server) getZone(w http.ResponseWriter, r *http.Request) {
	project, ok := s.checkProject(w, r, "compute.zones.get")
	if !ok {
		return
	}
	z := r.PathValue("zone")
	if !slices.Contains(s.zones(), z) {
		notFound(w, "projects/"+project+"/zones/"+z)
		return
	}
	writeJSON(w, s.renderZone(project, z))
}
