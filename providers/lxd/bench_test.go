package lxd

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	lxdclient "github.com/canonical/lxd/client"
	"github.com/canonical/lxd/shared/api"

	"github.com/neogenesys/console/providers"
)

// BenchmarkList lists 10,000 instances in 10 projects. A real LXD cannot
// hold that many here, so a local HTTPS server replays a recorded LXD 5.0.2
// recursion=2 answer (the running container web1, cloned), 20 ms late on
// every request. "adapter" is the production List (one all-projects call,
// records decoded as they are read); "adapter-projects" the same with the
// ten projects configured (one call per project, four at a time);
// "sequential" what the LXD client offers directly: the project names, then
// GetInstancesFull per project, one after another.
func BenchmarkList(b *testing.B) {
	if testing.Short() {
		b.Skip("replays 10,000 instances; left out of -short runs")
	}
	const n, projects = 10000, 10
	var template json.RawMessage
	for _, rec := range loadRecords(b, recordedInstances) {
		var w wireInstance
		if err := json.Unmarshal(rec, &w); err == nil && w.Name == "web1" {
			template = rec
		}
	}
	r := newReplay(b, cloneRecords(b, template, n, projects), true)
	r.latency.Store(int64(20 * time.Millisecond))
	cfg := r.config(b)

	adapter := func(edit func(*Config)) func(b *testing.B) {
		return func(b *testing.B) {
			c := *cfg
			if edit != nil {
				edit(&c)
			}
			p, err := c.New("bench")
			if err != nil {
				b.Fatal(err)
			}
			defer p.(*Provider).Close()
			if _, err := p.Check(context.Background()); err != nil { // GET /1.0 is cached from here on
				b.Fatal(err)
			}
			run(b, n, func() (int, error) {
				got := 0
				err := p.List(context.Background(), func(providers.VM) error { got++; return nil })
				return got, err
			})
		}
	}
	b.Run("adapter", adapter(nil))
	b.Run("adapter-projects", adapter(func(c *Config) {
		c.Projects = nil
		for i := range projects {
			c.Projects = append(c.Projects, "proj-"+string(rune('0'+i)))
		}
	}))
	b.Run("sequential", func(b *testing.B) {
		c, err := lxdclient.ConnectLXD(cfg.Endpoint, &lxdclient.ConnectionArgs{
			TLSClientCert: cfg.ClientCert, TLSClientKey: cfg.ClientKey, TLSServerCert: cfg.ServerCert,
		})
		if err != nil {
			b.Fatal(err)
		}
		run(b, n, func() (int, error) {
			names, err := c.GetProjectNames()
			if err != nil {
				return 0, err
			}
			got := 0
			for _, name := range names {
				insts, err := c.UseProject(name).GetInstancesFull(api.InstanceTypeAny)
				if err != nil {
					return got, err
				}
				got += len(insts)
			}
			return got, nil
		})
	})
}

func run(b *testing.B, n int, list func() (int, error)) {
	b.ReportAllocs()
	lists := 0
	for b.Loop() {
		got, err := list()
		if err != nil || got != n {
			b.Fatalf("listed %d of %d: %v", got, n, err)
		}
		lists++
	}
	per := b.Elapsed() / time.Duration(lists)
	b.ReportMetric(float64(per.Microseconds())/1000, "ms/list")
	b.ReportMetric(float64(n)/per.Seconds(), "VMs/s")
}
