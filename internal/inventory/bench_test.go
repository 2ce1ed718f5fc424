package inventory

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/neogenesys/console/providers"
)

// benchFleet is n VMs as a large mixed fleet looks: 5 providers, 4 regions
// each, 10 accounts, names from a few roles, IPs, tags, some enrolled.
func benchFleet(n int) []VM {
	r := rand.New(rand.NewPCG(1, 2))
	kinds := []string{"aws", "gcp", "azure", "lxd", "proxmox"}
	regions := [][]string{
		{"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"},
		{"us-central1-a", "europe-west1-b", "asia-east1-c", "us-east4-b"},
		{"eastus", "westeurope", "northeurope", "southeastasia"},
		{"lxd-a", "lxd-b", "lxd-c", "lxd-d"},
		{"pve1", "pve2", "pve3", "pve4"},
	}
	roles := []string{"web", "api", "db", "cache", "worker", "build", "gateway", "search", "queue", "batch"}
	envs := []string{"prod", "staging", "dev", "test"}
	teams := []string{"edge", "payments", "data", "platform", "ml", "infra", "growth"}
	states := []providers.State{providers.StateRunning, providers.StateRunning, providers.StateRunning,
		providers.StateStopped, providers.StatePending, providers.StateTerminated}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	vms := make([]VM, n)
	for i := range vms {
		p := r.IntN(len(kinds))
		cloud := int64(p*2 + r.IntN(2) + 1)
		role, env := roles[r.IntN(len(roles))], envs[r.IntN(len(envs))]
		name := fmt.Sprintf("%s-%s-%05d", role, env, i)
		var id string
		switch kinds[p] {
		case "aws":
			id = fmt.Sprintf("i-0%016x", r.Uint64())
		case "gcp":
			id = fmt.Sprint(r.Uint64() >> 2)
		case "azure":
			id = fmt.Sprintf("/subscriptions/%08x-0000-4000-8000-%012x/resourceGroups/rg-%s/providers/Microsoft.Compute/virtualMachines/%s",
				r.Uint32(), r.Uint64()&(1<<48-1), env, name)
		case "lxd":
			id = name
		default:
			id = fmt.Sprint(100 + i)
		}
		v := VM{
			Key: int64(i + 1), CloudID: cloud, CloudName: fmt.Sprintf("%s-account-%d", kinds[p], cloud),
			FirstSeen: now.Add(-time.Duration(r.IntN(90*24)) * time.Hour), LastSeen: now.Add(-time.Duration(r.IntN(600)) * time.Second),
			Enrollment: NotEnrolled,
			VM: providers.VM{
				Provider: kinds[p], AccountID: fmt.Sprint(cloud), ID: id, Name: name, State: states[r.IntN(len(states))],
				Region: regions[p][r.IntN(4)], Type: "m6i.large", VCPUs: 2, MemoryMB: 8192, DiskGB: 50,
				PrivateIPs: []string{fmt.Sprintf("10.%d.%d.%d", p, r.IntN(256), r.IntN(256))},
				Tags:       map[string]string{"env": env, "team": teams[r.IntN(len(teams))], "role": role},
				CreatedAt:  now.Add(-time.Duration(r.IntN(365*24)) * time.Hour),
				OS:         "linux", Image: "debian-12",
			},
		}
		if r.IntN(3) == 0 {
			v.PublicIPs = []string{fmt.Sprintf("203.0.%d.%d", r.IntN(256), r.IntN(256))}
		}
		if r.IntN(5) < 2 {
			v.Enrollment, v.NodeName = EnrolledOnline, name
			if r.IntN(4) == 0 {
				v.Enrollment = EnrolledOffline
			}
		}
		if r.IntN(50) == 0 {
			v.GoneAt = now.Add(-time.Hour)
		}
		vms[i] = v
	}
	return vms
}

// BenchmarkQuery measures queries (a text filter, often another filter, and
// a sort) over 100,000 VMs: latency percentiles over 200 queries per
// iteration, with every sort order already built; the snapshot's build time,
// the time to build the slowest sort order on demand (paid once per snapshot
// by the first query in that sort) and the heap the snapshot keeps, in all
// ("MB-retained") and beyond the VMs themselves ("MB-index").
func BenchmarkQuery(b *testing.B) {
	if testing.Short() {
		b.Skip("100,000 VMs: not under -short")
	}
	const n, perIter = 100_000, 200
	heapBefore := liveHeap()
	vms := benchFleet(n)
	heapVMs := liveHeap()
	start := time.Now()
	s := NewSnapshot(vms, nil, time.Now())
	build := time.Since(start)

	var orderBuild time.Duration // the slowest sort order built on demand
	for f := range s.orders {
		start := time.Now()
		s.orders[f]()
		orderBuild = max(orderBuild, time.Since(start))
	}
	heapAfter := liveHeap()

	words := []string{"web", "db-prod", "10.3.17", "payments", "00042", "i-0", "gateway staging", "203.0.1", "cache-dev-0", "ml"}
	extra := []string{"", "&provider=aws,gcp", "&state=running", "&region=eu-west-1", "&tag=env%3Dprod", "&enrollment=not-enrolled"}
	sorts := []string{"name", "-created", "region", "-lastSeen", "state", "cloud"}
	queries := make([]Query, perIter)
	for i := range queries {
		raw := "q=" + url.QueryEscape(words[i%len(words)]) + extra[i%len(extra)] + "&sort=" + sorts[i%len(sorts)]
		v, _ := url.ParseQuery(raw)
		q, err := ParseQuery(v)
		if err != nil {
			b.Fatal(err)
		}
		queries[i] = q
	}

	lat := make([]time.Duration, 0, perIter*b.N)
	matched := 0
	b.ResetTimer()
	for range b.N {
		for _, q := range queries {
			t := time.Now()
			p := s.Query(q)
			lat = append(lat, time.Since(t))
			matched += p.Total
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	b.ReportMetric(float64(matched)/float64(len(lat)), "rows/query")
	b.ReportMetric(ms(build), "build-ms")
	b.ReportMetric(ms(orderBuild), "order-ms")
	b.ReportMetric(float64(heapAfter-heapBefore)/(1<<20), "MB-retained")
	b.ReportMetric(float64(heapAfter-heapVMs)/(1<<20), "MB-index")
	runtime.KeepAlive(s)
}

// liveHeap is the heap in use after a full collection.
func liveHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
