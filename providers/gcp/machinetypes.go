package gcp

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	compute "cloud.google.com/go/compute/apiv1"
	"cloud.google.com/go/compute/apiv1/computepb"
	"google.golang.org/api/googleapi"
)

// typeSizes is what a machine type says about size.
type typeSizes struct {
	VCPUs    int
	MemoryMB int64
}

// typeCache resolves machine type names to sizes, asking the API once per
// name for the provider's lifetime: a predefined type (e2-small) has the same
// size in every zone and project, and instances only name a few types, so a
// Get per new name costs far less than the aggregated machine-type list
// (every type of every zone, thousands of entries). Custom types carry their
// size in the name and cost no request.
type typeCache struct {
	client *compute.MachineTypesClient

	mu      sync.Mutex
	entries map[string]*typeEntry
}

type typeEntry struct {
	done  chan struct{} // closed when sizes/err are set
	sizes typeSizes
	err   error
}

func newTypeCache(c *compute.MachineTypesClient) *typeCache {
	return &typeCache{client: c, entries: map[string]*typeEntry{}}
}

// customType matches custom machine type names: [family-]custom-CPUS-MEMORY[-ext],
// e2's shared-core custom types naming micro/small/medium instead of a count.
var customType = regexp.MustCompile(`^(?:[a-z0-9]+-)?custom-(\d+|micro|small|medium)-(\d+)(?:-ext)?$`)

func parseCustom(name string) (typeSizes, bool) {
	m := customType.FindStringSubmatch(name)
	if m == nil {
		return typeSizes{}, false
	}
	mem, err := strconv.ParseInt(m[2], 10, 64)
	if err != nil {
		return typeSizes{}, false
	}
	cpus, err := strconv.Atoi(m[1])
	if err != nil {
		cpus = 2 // e2 shared-core: two vCPUs, a fraction of a core
	}
	return typeSizes{VCPUs: cpus, MemoryMB: mem}, true
}

// zoneOfType reads the zone out of a machine type URL
// (…/projects/p/zones/z/machineTypes/t).
func zoneOfType(u string) string {
	_, rest, ok := strings.Cut(u, "/zones/")
	if !ok {
		return ""
	}
	z, _, _ := strings.Cut(rest, "/")
	return z
}

// lookupAttempts bounds how often one lookup starts over after the fetch it
// waited for failed (with its own caller's context, say).
const lookupAttempts = 3

// sizes returns the size of the machine type an instance names by URL. An
// unknown type (404) has zero sizes; other errors are returned.
func (c *typeCache) sizes(ctx context.Context, project, typeURL string) (typeSizes, error) {
	name := lastSegment(typeURL)
	if name == "" {
		return typeSizes{}, nil
	}
	if s, ok := parseCustom(name); ok {
		return s, nil
	}
	var err error
	for range lookupAttempts {
		c.mu.Lock()
		e, ok := c.entries[name]
		if !ok {
			e = &typeEntry{done: make(chan struct{})}
			c.entries[name] = e
			c.mu.Unlock()
			c.fetch(ctx, e, project, zoneOfType(typeURL), name)
			return e.sizes, e.err
		}
		c.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return typeSizes{}, ctx.Err()
		}
		if e.err == nil {
			return e.sizes, nil
		}
		err = e.err
		if ctx.Err() != nil {
			return typeSizes{}, ctx.Err()
		}
	}
	return typeSizes{}, err
}

// fetch fills e; a failed fetch is forgotten so a later lookup tries again.
func (c *typeCache) fetch(ctx context.Context, e *typeEntry, project, zone, name string) {
	defer close(e.done)
	mt, err := c.client.Get(ctx, &computepb.GetMachineTypeRequest{Project: project, Zone: zone, MachineType: name}, retry(true))
	var ge *googleapi.Error
	switch {
	case err == nil:
		e.sizes = typeSizes{VCPUs: int(mt.GetGuestCpus()), MemoryMB: int64(mt.GetMemoryMb())}
	case errors.As(err, &ge) && ge.Code == http.StatusNotFound:
		// A retired or private type: sizes stay unknown, the VM is still listed.
	default:
		e.err = mapErr(scope{where: project + "/" + zone + "/machineTypes/" + name}, err)
		c.mu.Lock()
		delete(c.entries, name)
		c.mu.Unlock()
	}
}
