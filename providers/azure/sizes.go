package azure

import (
	"context"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
)

// vmSize is what a size name means in vCPUs and memory.
type vmSize struct {
	vcpus    int
	memoryMB int64
}

// sizeCache holds each location's size list for the provider's lifetime
// (sizes do not change meaning), fetching each location once even when
// several subscriptions ask at the same time. A failed fetch is forgotten
// so the next List tries again.
type sizeCache struct {
	mu sync.Mutex
	m  map[string]*sizeEntry // lower-case location
}

type sizeEntry struct {
	done  chan struct{} // closed when sizes and err are set
	sizes map[string]vmSize
	err   error
}

// fetchSizes lists one location's sizes with one subscription's client.
func fetchSizes(ctx context.Context, c *armcompute.VirtualMachineSizesClient, location string) (map[string]vmSize, error) {
	out := map[string]vmSize{}
	pager := c.NewListPager(location, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range page.Value {
			if s == nil || s.Name == nil {
				continue
			}
			var z vmSize
			if s.NumberOfCores != nil {
				z.vcpus = int(*s.NumberOfCores)
			}
			if s.MemoryInMB != nil {
				z.memoryMB = int64(*s.MemoryInMB)
			}
			out[strings.ToLower(*s.Name)] = z
		}
	}
	return out, nil
}

// get returns location's sizes, fetching them with fetch unless cached or
// being fetched. A fetch that failed only because its caller went away is
// retried (at most twice) for a caller still waiting.
func (c *sizeCache) get(ctx context.Context, location string, fetch func(context.Context, string) (map[string]vmSize, error)) (map[string]vmSize, error) {
	key := strings.ToLower(location)
	var err error
	for range 3 {
		c.mu.Lock()
		e := c.m[key]
		if e == nil {
			e = &sizeEntry{done: make(chan struct{})}
			c.m[key] = e
			c.mu.Unlock()
			e.sizes, e.err = fetch(ctx, location)
			if e.err != nil {
				c.forget(key, e)
			}
			close(e.done)
			return e.sizes, e.err
		}
		c.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err == nil {
			return e.sizes, nil
		}
		err = e.err
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return nil, err
}

// peek returns the sizes cached for location, nil when there are none.
func (c *sizeCache) peek(location string) map[string]vmSize {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[strings.ToLower(location)]
	if e == nil {
		return nil
	}
	select {
	case <-e.done:
		return e.sizes
	default:
		return nil
	}
}

func (c *sizeCache) forget(key string, e *sizeEntry) {
	c.mu.Lock()
	if c.m[key] == e {
		delete(c.m, key)
	}
	c.mu.Unlock()
}
