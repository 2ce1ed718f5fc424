package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/internal/consoletest"
)

// Sizes of the measured phases.
const (
	directCalls  = 30               // sequential direct ListNodes calls
	consoleCalls = 100              // sequential GET /api/v1/nodes
	readers      = 50               // concurrent readers
	readFor      = 10 * time.Second // how long the readers read
	idleFor      = 5 * time.Second  // console running, nobody reading
	warmCalls    = 2                // untimed calls before each sequential phase
)

// Console metrics the benchmark reads from /metrics.
const (
	mListCount  = `neoconsole_headscale_call_duration_seconds_count{op="ListNodes"}`
	mListSum    = `neoconsole_headscale_call_duration_seconds_sum{op="ListNodes"}`
	mConsoleRSS = `process_resident_memory_bytes`
	mConsoleCPU = `process_cpu_seconds_total`
)

// BenchmarkNodesList measures, in one run against one Headscale holding
// NEOCONSOLE_BENCH_NODES nodes (default 10,000; see StartFixture):
//
//  1. a direct gRPC ListNodes from Go, sequentially, over plain TCP with an
//     API key (as the console and remote scripts call Headscale) and over
//     the unix socket (no API key check), then from 50 concurrent callers;
//  2. in this process, the cost of encoding every node as JSON (what an
//     uncached handler pays per request) and of serving those bytes encoded
//     once (the ceiling for a handler that copies them);
//  3. GET /api/v1/nodes from the real neoconsole binary in external mode,
//     once it serves all nodes: sequentially (plain and gzip), then from 50
//     concurrent readers for 10 s, reading every body whole and noting how
//     old each served snapshot was;
//  4. how many ListNodes calls the console made to Headscale, and the CPU
//     Headscale used, with nobody reading and with the 50 readers: the
//     readers should add nothing, the view refreshing once a second anyway;
//  5. the resident memory of Headscale and of the console.
//
// The figures are printed as a table and reported with b.ReportMetric. The
// phases run once, before b.Loop, which then times one sequential
// GET /api/v1/nodes per iteration: ns/op is that request, and -benchtime
// only changes how many of those are made. Run it with
//
//	go test -run '^$' -bench BenchmarkNodesList -benchtime 1x -timeout 90m ./internal/bench/
func BenchmarkNodesList(b *testing.B) {
	want := NodesFromEnv(b)
	fx := StartFixture(b, want, BudgetFromEnv(b))
	hsPID := fx.Supervisor.Status().PID
	apiKey := fx.APIKey(b)
	ctx := context.Background()

	tcp, err := headscale.Dial(headscale.DialConfig{Address: fx.Config.GRPCAddr, APIKey: apiKey, Insecure: true, Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	defer tcp.Close()
	unix, err := headscale.Dial(headscale.DialConfig{Address: "unix://" + fx.Config.SocketPath(), Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close()

	nodes, err := tcp.ListNodes(ctx)
	if err != nil {
		b.Fatalf("ListNodes: %v", err)
	}
	total := len(nodes)
	list := func(c *headscale.GRPC) func() error {
		return func() error {
			ns, err := c.ListNodes(ctx)
			if err == nil && len(ns) != total {
				err = fmt.Errorf("ListNodes returned %d nodes, want %d", len(ns), total)
			}
			return err
		}
	}
	r := report{nodes: total, fixture: fx, cores: runtime.NumCPU()}

	// 1. Direct calls.
	logf("bench: %d nodes; direct ListNodes, %d sequential calls over TCP with an API key", total, directCalls)
	d, err := sequential(warmCalls, directCalls, list(tcp))
	if err != nil {
		b.Fatalf("direct ListNodes (tcp): %v", err)
	}
	r.directTCP = summarize(d)
	logf("bench: direct ListNodes, %d sequential calls over the unix socket", directCalls)
	if d, err = sequential(warmCalls, directCalls, list(unix)); err != nil {
		b.Fatalf("direct ListNodes (unix): %v", err)
	}
	r.directUnix = summarize(d)
	r.hsRSSIdle, _, _ = procMem(hsPID)
	logf("bench: direct ListNodes from %d concurrent callers for %s (TCP, API key)", readers, readFor)
	cpu0, _ := procCPU(hsPID)
	r.directLoad = concurrent(readers, readFor, list(tcp))
	cpu1, _ := procCPU(hsPID)
	r.directLoadHSCPU = cpu1 - cpu0
	r.hsRSSAfterDirect, _, _ = procMem(hsPID)

	// What the console spends per request, measured in this process: the
	// JSON of every node, built as listNodes builds it; and the ceiling of
	// serving that JSON already encoded.
	logf("bench: in-process: encoding %d nodes as JSON; serving the encoded bytes", total)
	r.encode, r.cached, r.cachedLoad, r.bodyBytesLocal = diagnose(b, nodes)
	nodes = nil
	runtime.GC()

	// 2. The console, in external mode like a console in front of an
	// existing Headscale.
	logf("bench: starting neoconsole (external mode, gRPC %s)", fx.Config.GRPCAddr)
	c := consoletest.Start(b, consoletest.External(fx.Config.GRPCAddr, apiKey, fx.Config.ServerURL))
	waitAllNodes(b, c, total, 3*time.Minute)
	rd := &nodesReader{url: c.URL, token: c.AdminToken, client: &http.Client{Timeout: time.Minute,
		Transport: &http.Transport{MaxIdleConnsPerHost: 2 * readers, DisableCompression: true}}}
	metrics := func() window { return snap(b, c, hsPID) }

	logf("bench: console idle for %s (view refreshing, no readers)", idleFor)
	w0 := metrics()
	time.Sleep(idleFor)
	r.idle = metrics().since(w0)

	logf("bench: GET /api/v1/nodes, %d sequential calls", consoleCalls)
	if d, err = sequential(warmCalls, consoleCalls, rd.get); err != nil {
		b.Fatalf("GET /api/v1/nodes: %v", err)
	}
	r.console = summarize(d)
	r.bodyBytes = rd.lastSize

	logf("bench: GET /api/v1/nodes with Accept-Encoding: gzip, %d sequential calls", consoleCalls)
	gz := &nodesReader{url: c.URL, token: c.AdminToken, client: rd.client, gzip: true}
	if d, err = sequential(warmCalls, consoleCalls, gz.get); err != nil {
		b.Fatalf("GET /api/v1/nodes (gzip): %v", err)
	}
	r.consoleGzip = summarize(d)
	r.gzipBytes = gz.lastSize

	logf("bench: GET /api/v1/nodes from %d concurrent readers for %s", readers, readFor)
	rd.resetAges()
	w0 = metrics()
	r.consoleLoad = concurrent(readers, readFor, rd.get)
	r.busy = metrics().since(w0)
	r.ages = summarize(rd.ages)
	r.hsRSS, r.hsHWM, _ = procMem(hsPID)
	r.consoleRSS = int64(r.busy.consoleRSS)

	r.print(os.Stdout)
	if r.consoleLoad.errs > 0 {
		b.Errorf("%d of the concurrent console reads failed; first: %v", r.consoleLoad.errs, r.consoleLoad.firstErr)
	}

	for b.Loop() {
		if err := rd.get(); err != nil {
			b.Fatal(err)
		}
	}
	r.metrics(b) // after the loop: its first call deletes metrics reported before it
}

// waitAllNodes waits until the console serves total nodes.
func waitAllNodes(b *testing.B, c *consoletest.Console, total int, timeout time.Duration) {
	b.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		r := c.Do(b, "GET", "/api/v1/nodes", c.AdminToken, nil)
		if r.Status == http.StatusOK {
			var out struct{ Total int }
			r.JSON(b, &out)
			if out.Total == total {
				return
			}
			last = fmt.Sprintf("%d nodes", out.Total)
		} else {
			last = fmt.Sprintf("%d %.200s", r.Status, r.Body)
		}
		time.Sleep(500 * time.Millisecond)
	}
	b.Fatalf("console did not serve all %d nodes within %s; last answer: %s\nlog:\n%s", total, timeout, last, c.Log())
}

// window is a reading of counters; since turns two into a delta.
type window struct {
	at         time.Time
	listCalls  float64 // ListNodes calls the console made
	listSecs   float64 // their total duration
	hsCPU      time.Duration
	consoleCPU float64 // seconds
	consoleRSS float64 // bytes, at the end of the window
}

func snap(b *testing.B, c *consoletest.Console, hsPID int) window {
	b.Helper()
	m, err := scrape(c.HTTP, c.URL+"/metrics", mListCount, mListSum, mConsoleRSS, mConsoleCPU)
	if err != nil {
		b.Fatalf("console metrics: %v", err)
	}
	cpu, err := procCPU(hsPID)
	if err != nil {
		b.Fatalf("headscale CPU: %v", err)
	}
	return window{at: time.Now(), listCalls: m[mListCount], listSecs: m[mListSum], hsCPU: cpu,
		consoleCPU: m[mConsoleCPU], consoleRSS: m[mConsoleRSS]}
}

func (w window) since(w0 window) window {
	return window{at: w.at, listCalls: w.listCalls - w0.listCalls, listSecs: w.listSecs - w0.listSecs,
		hsCPU: w.hsCPU - w0.hsCPU, consoleCPU: w.consoleCPU - w0.consoleCPU, consoleRSS: w.consoleRSS}
}

// report holds every figure of one run.
type report struct {
	nodes, cores                                      int
	fixture                                           *Fixture
	directTCP, directUnix, console, consoleGzip, ages latencies
	directLoad, consoleLoad, cachedLoad               load
	encode, cached                                    latencies
	bodyBytesLocal                                    int64
	directLoadHSCPU                                   time.Duration
	idle, busy                                        window
	bodyBytes, gzipBytes                              int64
	hsRSSIdle, hsRSSAfterDirect, hsRSS, hsHWM         int64
	consoleRSS                                        int64
}

func (r report) ratio() float64 { return float64(r.console.p50) / float64(r.directTCP.p50) }

func perSec(calls float64, d time.Duration) float64 { return calls / d.Seconds() }

func (r report) print(out *os.File) {
	fmt.Fprintf(out, "\nBenchmarkNodesList: %d nodes, %d cores, %s, Go %s\n", r.nodes, r.cores, time.Now().UTC().Format(time.RFC3339), runtime.Version())
	if r.fixture.Created > 0 {
		fmt.Fprintf(out, "fixture: created %d nodes in %s (%s)\n", r.fixture.Created, r.fixture.Build.Round(time.Second), r.fixture.Dir)
	} else {
		fmt.Fprintf(out, "fixture: reused %s\n", r.fixture.Dir)
	}
	if h := r.fixture.History(); h != "" {
		fmt.Fprintf(out, "fixture build log (%s):\n%s\n", BuildLog, h)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "measure\tcalls\tp50\tp99\tmax\treq/s\n")
	row := func(name string, l latencies, rps string) {
		fmt.Fprintf(tw, "%s\t%d\t%.1f ms\t%.1f ms\t%.1f ms\t%s\n", name, l.n, ms(l.p50), ms(l.p99), ms(l.max), rps)
	}
	row("direct ListNodes, TCP + API key, sequential", r.directTCP, "")
	row("direct ListNodes, unix socket, sequential", r.directUnix, "")
	row(fmt.Sprintf("direct ListNodes, TCP + API key, %d callers", readers), summarize(r.directLoad.lat), fmt.Sprintf("%.1f", r.directLoad.rps()))
	row("console GET /api/v1/nodes, sequential", r.console, "")
	row("console GET /api/v1/nodes, gzip, sequential", r.consoleGzip, "")
	row(fmt.Sprintf("console GET /api/v1/nodes, %d readers", readers), summarize(r.consoleLoad.lat), fmt.Sprintf("%.1f", r.consoleLoad.rps()))
	row("in-process: encode all nodes as JSON, per call", r.encode, "")
	row("in-process: GET of that JSON encoded once, sequential", r.cached, "")
	row(fmt.Sprintf("in-process: GET of that JSON encoded once, %d readers", readers), summarize(r.cachedLoad.lat), fmt.Sprintf("%.1f", r.cachedLoad.rps()))
	tw.Flush()

	fmt.Fprintf(out, "console p50 / direct p50: %.2fx over TCP + API key, %.2fx over the unix socket (target <= 0.25x)\n",
		r.ratio(), float64(r.console.p50)/float64(r.directUnix.p50))
	fmt.Fprintf(out, "response body: %.1f MB, %.1f MB gzip-encoded; failed reads: direct %d, console %d\n", mb(r.bodyBytes), mb(r.gzipBytes), r.directLoad.errs, r.consoleLoad.errs)
	fmt.Fprintf(out, "snapshot age seen by the %d readers: p50 %.2f s, p99 %.2f s, max %.2f s (target: never more than 2 s)\n",
		readers, r.ages.p50.Seconds(), r.ages.p99.Seconds(), r.ages.max.Seconds())

	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "load on headscale\tListNodes calls/s\tmean ListNodes\theadscale CPU\tconsole CPU\n")
	win := func(name string, w window, d time.Duration) {
		mean := 0.0
		if w.listCalls > 0 {
			mean = w.listSecs / w.listCalls * 1000
		}
		fmt.Fprintf(tw, "%s\t%.2f\t%.1f ms\t%.0f%%\t%.0f%%\n", name, perSec(w.listCalls, d), mean,
			100*w.hsCPU.Seconds()/d.Seconds(), 100*w.consoleCPU/d.Seconds())
	}
	win(fmt.Sprintf("console idle (%s)", idleFor), r.idle, idleFor)
	win(fmt.Sprintf("console with %d readers (%s)", readers, r.consoleLoad.elapsed.Round(time.Millisecond)), r.busy, r.consoleLoad.elapsed)
	fmt.Fprintf(tw, "%d direct callers (%s)\t%.2f\t\t%.0f%%\t\n", readers, r.directLoad.elapsed.Round(time.Millisecond),
		r.directLoad.rps(), 100*r.directLoadHSCPU.Seconds()/r.directLoad.elapsed.Seconds())
	tw.Flush()
	fmt.Fprintf(out, "resident memory: headscale %.0f MB after start, %.0f MB after the direct callers, %.0f MB at the end (peak %.0f MB); neoconsole %.0f MB\n\n",
		mb(r.hsRSSIdle), mb(r.hsRSSAfterDirect), mb(r.hsRSS), mb(r.hsHWM), mb(r.consoleRSS))
}

func (r report) metrics(b *testing.B) {
	cl := summarize(r.consoleLoad.lat)
	for _, m := range []struct {
		v    float64
		unit string
	}{
		{float64(r.nodes), "nodes"},
		{ms(r.directTCP.p50), "direct-p50-ms"},
		{ms(r.directTCP.p99), "direct-p99-ms"},
		{ms(r.directUnix.p50), "direct-unix-p50-ms"},
		{ms(r.console.p50), "console-p50-ms"},
		{ms(r.console.p99), "console-p99-ms"},
		{ms(r.consoleGzip.p50), "console-gzip-p50-ms"},
		{r.ratio(), "console/direct-p50"},
		{r.consoleLoad.rps(), "readers50-req/s"},
		{ms(cl.p50), "readers50-p50-ms"},
		{ms(cl.p99), "readers50-p99-ms"},
		{perSec(r.busy.listCalls, r.consoleLoad.elapsed), "readers50-ListNodes/s"},
		{r.ages.max.Seconds(), "readers50-max-age-s"},
		{mb(r.hsRSS), "headscale-rss-MB"},
		{mb(r.consoleRSS), "console-rss-MB"},
	} {
		b.ReportMetric(m.v, m.unit)
	}
}

// apiNode mirrors the console's nodeJSON (internal/server/handlers_nodes.go).
type apiNode struct {
	headscale.Node
	Expired  bool   `json:"expired"`
	ExitNode bool   `json:"exitNode"`
	OS       string `json:"os"`
}

// diagnose times, in this process, the work listNodes does for each
// request (copy the selected nodes, wrap them, encode the document) and what
// answering with the same bytes encoded once would cost over loopback HTTP,
// sequentially and from the concurrent readers (for half as long).
func diagnose(b *testing.B, nodes []headscale.Node) (encode, cached latencies, cachedLoad load, size int64) {
	b.Helper()
	var body []byte
	build := func() error {
		now := time.Now()
		sel := make([]headscale.Node, 0, len(nodes))
		sel = append(sel, nodes...)
		out := make([]apiNode, len(sel))
		for i, n := range sel {
			out[i] = apiNode{Node: n, Expired: n.Expired(now), OS: "unknown"}
		}
		var buf bytes.Buffer
		err := json.NewEncoder(&buf).Encode(map[string]any{"nodes": out, "total": len(out), "fetchedAt": now.UTC()})
		body = buf.Bytes()
		return err
	}
	d, err := sequential(warmCalls, 20, build)
	if err != nil {
		b.Fatal(err)
	}
	encode = summarize(d)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	rd := &nodesReader{url: srv.URL, client: &http.Client{Timeout: time.Minute,
		Transport: &http.Transport{MaxIdleConnsPerHost: 2 * readers, DisableCompression: true}}}
	if d, err = sequential(warmCalls, consoleCalls, rd.get); err != nil {
		b.Fatal(err)
	}
	cachedLoad = concurrent(readers, readFor/2, rd.get)
	if cachedLoad.errs > 0 {
		b.Fatalf("in-process reads: %v", cachedLoad.firstErr)
	}
	return encode, summarize(d), cachedLoad, int64(len(body))
}
