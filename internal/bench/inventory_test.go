package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/neogenesys/console/config"
	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/headscale/headscalefake"
	"github.com/neogenesys/console/internal/audit"
	"github.com/neogenesys/console/internal/auth"
	"github.com/neogenesys/console/internal/inventory"
	"github.com/neogenesys/console/internal/server"
	"github.com/neogenesys/console/internal/store"
	"github.com/neogenesys/console/internal/tailnet"
)

// Sizes of the inventory benchmarks.
const (
	syncVMs      = 10_000                // BenchmarkInventorySync: VMs over all accounts
	syncLatency  = 50 * time.Millisecond // added to every simulator request
	bigFleet     = 100_000               // BenchmarkVMsAPI, BenchmarkInventoryMemory
	bigAccounts  = 10                    // accounts the 100,000 VMs are spread over
	tailnetNodes = 10_000                // BenchmarkInventoryMemory
	apiRequests  = 300                   // BenchmarkVMsAPI: timed sequential requests
)

// BenchmarkInventorySync syncs 10,000 VMs from five simulated accounts of
// four scopes each (startInvSims: AWS ×2 by region, GCP ×2 by project,
// Azure by subscription; 500 VMs per scope), every simulator request
// delayed by 50 ms, pages of NEOCONSOLE_BENCH_INV_PAGE VMs (default 50:
// 10 pages per scope). It measures:
//
//   - full: one sync of every account through the real engine
//     (inventory.New over clouds.Service and a new SQLite store; accounts
//     made by clouds.Service.Create from the simulators' AccountConfig),
//     the five Syncs started at once as Run starts them with Parallel ≥ 5,
//     until the snapshot holds every VM. This is what b.N repeats (ns/op).
//     Its listing part (start to the last account's listing end, from the
//     sync runs) is reported too: the rest is writing to SQLite;
//   - critical: the slowest single scope listed alone: each account's
//     adapter built with its config narrowed to one region / project /
//     subscription, List timed on its own, one scope after another; the
//     slowest is the chain of pages nothing can shorten;
//   - sequential: the sum of those 20 single-scope listings, i.e. the same
//     calls one after another (Azure's adapter still reads its two lists of
//     a subscription side by side: it has no knob for that);
//   - also: Run with the default Options (Parallel 4) until every account
//     reports LastSuccess, and the engine syncing the accounts one after
//     another (each adapter still parallel inside).
//
// Run it with
//
//	go test -run '^$' -bench BenchmarkInventorySync -benchtime 1x ./internal/bench/
func BenchmarkInventorySync(b *testing.B) {
	if testing.Short() {
		b.Skip("syncs 10,000 VMs with 50 ms per request: not under -short")
	}
	pageSize := envInt(b, "NEOCONSOLE_BENCH_INV_PAGE", 50)
	accts := startInvSims(b, syncVMs/5, pageSize, syncLatency)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute) // bounds every phase
	defer cancel()

	// Warm-up, untimed: every account listed once, all at once, which also
	// gives the count each sync must reach.
	want := map[string]int{}
	{
		var wg sync.WaitGroup
		counts, errs := make([]int, len(accts)), make([]error, len(accts))
		for i, a := range accts {
			wg.Go(func() { counts[i], errs[i] = listOnce(ctx, a.kind, a.cfg) })
		}
		wg.Wait()
		total := 0
		for i, a := range accts {
			if errs[i] != nil {
				b.Fatalf("warm-up list %s: %v", a.name, errs[i])
			}
			want[a.name] = counts[i]
			total += counts[i]
		}
		logf("bench: %d accounts list %d VMs (pages of %d, %s per request)", len(accts), total, pageSize, syncLatency)
	}

	// newEngine is a fresh engine over a fresh store with the five accounts.
	newEngine := func(opts inventory.Options) (*inventory.Engine, []store.CloudAccount) {
		s := newInvStack(b)
		e := s.engine(nil, opts)
		var sa []store.CloudAccount
		for _, a := range accts {
			sa = append(sa, s.create(b, a.name, a.kind, a.cfg))
		}
		return e, sa
	}
	// check says whether every account synced and the snapshot holds its VMs.
	check := func(e *inventory.Engine) error {
		st := e.Snapshot().Accounts()
		if len(st) != len(accts) {
			return fmt.Errorf("%d accounts in the snapshot, want %d", len(st), len(accts))
		}
		for _, s := range st {
			switch {
			case s.LastSuccess.IsZero() || s.Error != "":
				return fmt.Errorf("%s: no successful sync (error %q)", s.Name, s.Error)
			case s.VMs != want[s.Name]:
				return fmt.Errorf("%s: %d VMs, want %d", s.Name, s.VMs, want[s.Name])
			}
		}
		return nil
	}

	// (a) Full sync: five Syncs at once, then the snapshot readers see.
	var full, fullList time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		e, sa := newEngine(inventory.Options{})
		runtime.GC()
		b.StartTimer()
		start := time.Now()
		var wg sync.WaitGroup
		errs := make([]error, len(sa))
		for i, a := range sa {
			wg.Go(func() { errs[i] = e.Sync(ctx, a) })
		}
		wg.Wait()
		e.Refresh()
		d := time.Since(start)
		b.StopTimer()
		for i, err := range errs {
			if err != nil {
				b.Fatalf("sync %s: %v", sa[i].Name, err)
			}
		}
		if err := check(e); err != nil {
			b.Fatal(err)
		}
		if full == 0 || d < full {
			full = d
			// When the last listing ended: a sync run records the
			// listing (StartedAt to EndedAt); the rest of a Sync is
			// writing the changes to the store.
			fullList = 0
			for _, a := range sa {
				runs, err := e.SyncRuns(ctx, a.ID, 1)
				if err != nil || len(runs) != 1 {
					b.Fatalf("sync runs of %s: %v", a.Name, err)
				}
				fullList = max(fullList, runs[0].EndedAt.Sub(start))
			}
		}
	}

	// Run with its defaults, until every account reports LastSuccess.
	runWith := func(opts inventory.Options) time.Duration {
		e, _ := newEngine(opts)
		runtime.GC()
		rctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		start := time.Now()
		go func() { defer close(done); e.Run(rctx) }()
		var d time.Duration
		for deadline := start.Add(5 * time.Minute); ; time.Sleep(2 * time.Millisecond) {
			if check(e) == nil {
				d = time.Since(start)
				break
			}
			if time.Now().After(deadline) {
				stop()
				<-done
				b.Fatalf("Run: not every account synced in 5 min: %v", check(e))
			}
		}
		stop()
		<-done
		return d
	}
	runDefault := runWith(inventory.Options{})
	run5 := runWith(inventory.Options{Parallel: 5})

	// The engine, one account after another.
	var engineSeq time.Duration
	{
		e, sa := newEngine(inventory.Options{})
		runtime.GC()
		start := time.Now()
		for _, a := range sa {
			if err := e.Sync(ctx, a); err != nil {
				b.Fatalf("sync %s: %v", a.Name, err)
			}
		}
		e.Refresh()
		engineSeq = time.Since(start)
		if err := check(e); err != nil {
			b.Fatal(err)
		}
	}

	// (b) and (c): every scope listed alone, one after another.
	type scopeRun struct {
		account, kind, scope string
		vms                  int
		requests             int64
		took                 time.Duration
	}
	var scopes []scopeRun
	var critical, sequential time.Duration
	var slowest scopeRun
	for _, a := range accts {
		n := 0
		for _, sc := range a.scopes {
			r0 := a.faults.Requests()
			start := time.Now()
			got, err := listOnce(ctx, a.kind, a.narrowed(sc))
			d := time.Since(start)
			if err != nil {
				b.Fatalf("list %s %s: %v", a.name, sc, err)
			}
			r := scopeRun{a.name, a.kind, sc, got, a.faults.Requests() - r0, d}
			scopes = append(scopes, r)
			sequential += d
			if d > critical {
				critical, slowest = d, r
			}
			n += got
		}
		if n != want[a.name] {
			b.Fatalf("%s: the scopes list %d VMs, the account %d", a.name, n, want[a.name])
		}
	}

	out := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(out, "\nInventory sync: %d VMs, %d accounts × 4 scopes, pages of %d, %s per request, %d cores\n",
		syncVMs, len(accts), pageSize, syncLatency, runtime.NumCPU())
	fmt.Fprintln(out, "account\tkind\tscope\tVMs\trequests\tms\t")
	for _, r := range scopes {
		fmt.Fprintf(out, "%s\t%s\t%s\t%d\t%d\t%.0f\t\n", r.account, r.kind, r.scope, r.vms, r.requests, ms(r.took))
	}
	out.Flush()
	out = tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(out, "\nmeasure\twall ms\t")
	fmt.Fprintf(out, "(a) full: 5 accounts synced at once by the engine\t%.0f\t\n", ms(full))
	fmt.Fprintf(out, "    of which listing (start to the last listing's end)\t%.0f\t\n", ms(fullList))
	fmt.Fprintf(out, "(b) critical: slowest scope alone (%s %s, %d requests)\t%.0f\t\n", slowest.account, slowest.scope, slowest.requests, ms(critical))
	fmt.Fprintf(out, "(c) sequential: the 20 scopes one after another\t%.0f\t\n", ms(sequential))
	fmt.Fprintf(out, "full / critical (target ≤ 1.3)\t%.2f\t\n", float64(full)/float64(critical))
	fmt.Fprintf(out, "sequential / full (target ≥ 10)\t%.1f\t\n", float64(sequential)/float64(full))
	fmt.Fprintf(out, "listing only: full listing / critical, sequential / full listing\t%.2f, %.1f\t\n",
		float64(fullList)/float64(critical), float64(sequential)/float64(fullList))
	fmt.Fprintf(out, "Run, default Options (Parallel 4), until all LastSuccess\t%.0f\t\n", ms(runDefault))
	fmt.Fprintf(out, "Run, Parallel 5, until all LastSuccess\t%.0f\t\n", ms(run5))
	fmt.Fprintf(out, "engine Sync, accounts one after another\t%.0f\t\n", ms(engineSeq))
	out.Flush()

	b.ReportMetric(ms(full), "full-ms")
	b.ReportMetric(ms(fullList), "full-listing-ms")
	b.ReportMetric(ms(critical), "critical-ms")
	b.ReportMetric(ms(sequential), "sequential-ms")
	b.ReportMetric(float64(full)/float64(critical), "full/critical")
	b.ReportMetric(float64(sequential)/float64(full), "sequential/full")
	b.ReportMetric(ms(runDefault), "run-default-ms")
	b.ReportMetric(ms(run5), "run-parallel5-ms")
	b.ReportMetric(ms(engineSeq), "engine-seq-ms")
}

// newVMsServer is the real internal/server.Server over eng, assembled as
// internal/server's tests assemble it (fake Headscale, real store, auth,
// audit, tailnet view), served on 127.0.0.1, with a viewer's API token.
func newVMsServer(b *testing.B, s *invStack, eng *inventory.Engine) (base, token string) {
	b.Helper()
	ctx := context.Background()
	cfg := config.Default()
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	fake := headscalefake.New()
	view := tailnet.NewView(fake, s.hub, s.log, time.Second)
	if err := view.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	srv, err := server.New(server.Deps{
		Config: cfg, Log: s.log, Store: s.st, Headscale: fake, Nodes: view,
		Auth: auth.NewService(s.st, cfg.Auth.SessionTTL), Audit: audit.New(s.st, s.log), Events: s.hub,
		HeadscaleInfo: func() server.HeadscaleInfo {
			return server.HeadscaleInfo{Mode: "external", Address: "fake:50443", LoginServer: "https://hs.example.com"}
		},
		Version: "bench", Clouds: s.clouds, Secrets: s.box, Inventory: eng,
	})
	if err != nil {
		b.Fatal(err)
	}
	u, err := s.st.CreateUser(ctx, store.User{Username: "bench", PasswordHash: "unused", Role: store.RoleViewer})
	if err != nil {
		b.Fatal(err)
	}
	token, _, err = srv.Auth.CreateToken(ctx, u.ID, "bench", 0)
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	b.Cleanup(hs.Close)
	return hs.URL, token
}

// vmsQueries are the queries BenchmarkVMsAPI sends: a search word, often
// another filter, sorted by name, default page size (100).
func vmsQueries(n int) []string {
	words := []string{"web", "db-prod", "10.3.17", "payments", "00042", "i-0", "gateway staging", "203.0.1", "cache-dev-0", "ml"}
	extra := []string{"", "&provider=aws,gcp", "&state=running", "&region=eu-west-1", "&tag=env%3Dprod", "&enrollment=not-enrolled"}
	out := make([]string, n)
	for i := range out {
		out[i] = "q=" + url.QueryEscape(words[i%len(words)]) + extra[i%len(extra)] + "&sort=name"
	}
	return out
}

// BenchmarkVMsAPI measures GET /api/v1/vms?q=…&sort=name on the real
// server (internal/server.Server behind net/http on 127.0.0.1, bearer
// token) over 100,000 VMs loaded through the engine: ten accounts of a
// synthetic kind listed by engine.Sync into a SQLite store, 10,000 tailnet
// nodes joined. 300 sequential requests (after 5 untimed) give p50 and
// p99; the same queries as Snapshot.Query plus JSON encoding in-process
// show what is the handler's own share. The loop then times one request
// per iteration.
func BenchmarkVMsAPI(b *testing.B) {
	if testing.Short() {
		b.Skip("100,000 VMs: not under -short")
	}
	s := newInvStack(b)
	nodes := fakeNodes(tailnetNodes)
	eng := s.engine(func() ([]headscale.Node, error) { return nodes, nil }, inventory.Options{})
	load := loadFleet(b, s, eng, bigFleet, bigAccounts)
	base, token := newVMsServer(b, s, eng)
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{DisableCompression: true}}

	queries := vmsQueries(apiRequests)
	var bodyBytes, rows int64
	get := func(raw string) error {
		req, err := http.NewRequest("GET", base+"/api/v1/vms?"+raw, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var page struct {
			Total int               `json:"total"`
			Items []json.RawMessage `json:"items"`
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /api/v1/vms?%s: %s: %.200s", raw, resp.Status, body)
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return err
		}
		bodyBytes += int64(len(body))
		rows += int64(page.Total)
		return nil
	}
	i := 0
	next := func() error { i++; return get(queries[(i-1)%len(queries)]) }
	d, err := sequential(5, apiRequests, next)
	if err != nil {
		b.Fatal(err)
	}
	bodyBytes, rows = bodyBytes*int64(apiRequests)/int64(apiRequests+5), rows*int64(apiRequests)/int64(apiRequests+5)
	http1 := summarize(d)

	// The same queries in-process: Snapshot.Query and encoding the page.
	snap := eng.Snapshot()
	var inproc []time.Duration
	for _, raw := range queries {
		v, _ := url.ParseQuery(raw)
		q, err := inventory.ParseQuery(v)
		if err != nil {
			b.Fatal(err)
		}
		t := time.Now()
		if _, err := json.Marshal(snap.Query(q)); err != nil {
			b.Fatal(err)
		}
		inproc = append(inproc, time.Since(t))
	}
	local := summarize(inproc)

	out := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(out, "\nGET /api/v1/vms?q=…&sort=name: %d VMs, %d nodes, %d cores; loading through the engine took %.1f s\n",
		snap.Len(), len(nodes), runtime.NumCPU(), load.Seconds())
	fmt.Fprintln(out, "measure\tp50 ms\tp99 ms\tmax ms\t")
	fmt.Fprintf(out, "HTTP, real server, %d sequential requests\t%.2f\t%.2f\t%.2f\t\n", http1.n, ms(http1.p50), ms(http1.p99), ms(http1.max))
	fmt.Fprintf(out, "in-process Snapshot.Query + json.Marshal\t%.2f\t%.2f\t%.2f\t\n", ms(local.p50), ms(local.p99), ms(local.max))
	fmt.Fprintf(out, "mean body %.1f kB, mean matches %d\t\t\t\t\n", float64(bodyBytes)/float64(apiRequests)/1024, rows/int64(apiRequests))
	out.Flush()
	if http1.p99 > 50*time.Millisecond {
		logf("bench: p99 %.1f ms is over the 50 ms target", ms(http1.p99))
	}

	for b.Loop() {
		if err := next(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(ms(http1.p50), "p50-ms")
	b.ReportMetric(ms(http1.p99), "p99-ms")
	b.ReportMetric(ms(http1.max), "max-ms")
	b.ReportMetric(ms(local.p50), "inproc-p50-ms")
	b.ReportMetric(ms(local.p99), "inproc-p99-ms")
	b.ReportMetric(load.Seconds(), "load-s")
}

// BenchmarkInventoryMemory measures the heap the inventory keeps with
// 100,000 VMs (loaded through the engine as in BenchmarkVMsAPI) joined to
// 10,000 tailnet nodes (5,000 share a tailnet address with a VM, 5,000
// match none): the live heap after a full collection, in all and beyond
// what the process held before, and this process's resident memory (it
// includes the test binary and SQLite's cache). The loop times rebuilding
// the snapshot (copy, correlation, indexes), as after every change.
func BenchmarkInventoryMemory(b *testing.B) {
	if testing.Short() {
		b.Skip("100,000 VMs: not under -short")
	}
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	before := int64(m.HeapAlloc)

	s := newInvStack(b)
	nodes := fakeNodes(tailnetNodes)
	eng := s.engine(func() ([]headscale.Node, error) { return nodes, nil }, inventory.Options{})
	load := loadFleet(b, s, eng, bigFleet, bigAccounts)
	links := map[inventory.Link]int{}
	for _, v := range eng.Snapshot().All() {
		links[v.NodeLink]++
	}
	if links[inventory.LinkIP] != tailnetNodes/2 {
		b.Errorf("%d VMs linked by tailnet address, want %d (links %v)", links[inventory.LinkIP], tailnetNodes/2, links)
	}

	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	heap, inuse, sys := int64(m.HeapAlloc), int64(m.HeapInuse), int64(m.Sys)
	rss, hwm, _ := procMem(os.Getpid())

	out := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(out, "\nInventory memory: %d VMs (%d linked by address, %d by name), %d nodes; loaded in %.1f s\n",
		eng.Snapshot().Len(), links[inventory.LinkIP], links[inventory.LinkHostname], len(nodes), load.Seconds())
	fmt.Fprintln(out, "measure\tMB\t")
	fmt.Fprintf(out, "live heap after GC (HeapAlloc)\t%.1f\t\n", mb(heap))
	fmt.Fprintf(out, "  of which the inventory (after − before)\t%.1f\t\n", mb(heap-before))
	fmt.Fprintf(out, "heap spans in use (HeapInuse)\t%.1f\t\n", mb(inuse))
	fmt.Fprintf(out, "Go runtime total (Sys)\t%.1f\t\n", mb(sys))
	fmt.Fprintf(out, "bench process VmRSS / VmHWM\t%.1f / %.1f\t\n", mb(rss), mb(hwm))
	out.Flush()

	for b.Loop() {
		eng.Refresh()
	}
	b.ReportMetric(mb(heap), "heap-MB")
	b.ReportMetric(mb(heap-before), "inventory-MB")
	b.ReportMetric(mb(inuse), "heap-inuse-MB")
	b.ReportMetric(mb(rss), "rss-MB")
	b.ReportMetric(mb(hwm), "hwm-MB")
	runtime.KeepAlive(nodes)
}
