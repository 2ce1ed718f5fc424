package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/headscale/headscaletest"
)

// Environment variables that shape the fixture.
const (
	EnvNodes  = "NEOCONSOLE_BENCH_NODES"  // how many nodes; default 10000
	EnvCache  = "NEOCONSOLE_BENCH_CACHE"  // cache root; default ~/.cache/neoconsole-bench
	EnvBudget = "NEOCONSOLE_BENCH_BUDGET" // longest time to spend creating nodes; default 40m
)

const (
	// DefaultNodes is the node count of the benchmark.
	DefaultNodes = 10000
	// DefaultBudget bounds one run's node creation.
	DefaultBudget = 40 * time.Minute
	// benchUser owns every fixture node.
	benchUser = "bench"
	// inFlight is how many registrations run at once: one at a time takes
	// about a second per node, because Headscale answers a registration
	// only after its batched change processing.
	inFlight = 64
	// progressEvery is how often (in nodes) the build logs its progress.
	progressEvery = 500
)

// Fixture is a running Headscale, started from the cached directory, that
// holds at least the requested number of nodes.
type Fixture struct {
	*headscaletest.Server
	Dir     string        // the cache directory (config, keys, db.sqlite, log)
	Nodes   int           // nodes Headscale holds now
	Created int           // nodes this run created (0: the cache was complete)
	Build   time.Duration // time this run spent creating them
}

// NodesFromEnv is NEOCONSOLE_BENCH_NODES, or DefaultNodes.
func NodesFromEnv(tb testing.TB) int {
	tb.Helper()
	v := os.Getenv(EnvNodes)
	if v == "" {
		return DefaultNodes
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1_000_000 {
		tb.Fatalf("%s=%q: want a node count from 1 to 1000000", EnvNodes, v)
	}
	return n
}

// BudgetFromEnv is NEOCONSOLE_BENCH_BUDGET (a Go duration), or DefaultBudget.
func BudgetFromEnv(tb testing.TB) time.Duration {
	tb.Helper()
	v := os.Getenv(EnvBudget)
	if v == "" {
		return DefaultBudget
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		tb.Fatalf("%s=%q: want a positive duration such as 40m", EnvBudget, v)
	}
	return d
}

// CacheDir is where the Headscale for n nodes lives:
// $NEOCONSOLE_BENCH_CACHE/headscale-<n>, by default
// ~/.cache/neoconsole-bench/headscale-<n>. One directory per node count, so
// changing NEOCONSOLE_BENCH_NODES never grows or reuses another size's database.
func CacheDir(tb testing.TB, n int) string {
	tb.Helper()
	root := os.Getenv(EnvCache)
	if root == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			tb.Fatalf("no cache directory (%v): set %s", err, EnvCache)
		}
		root = filepath.Join(base, "neoconsole-bench")
	}
	dir, err := filepath.Abs(filepath.Join(root, fmt.Sprintf("headscale-%d", n)))
	if err != nil {
		tb.Fatal(err)
	}
	// Headscale's unix socket lives in the directory: sun_path holds 108 bytes.
	if sock := filepath.Join(dir, "headscale.sock"); len(sock) >= 100 {
		tb.Fatalf("fixture directory %s is too long for a unix socket path (%d bytes); set %s to a shorter path", dir, len(sock), EnvCache)
	}
	return dir
}

// StartFixture starts Headscale on the cached directory for n nodes (plain
// TCP gRPC on loopback too, for API-key clients such as the console) and
// creates the nodes it lacks, within budget. It stops Headscale at cleanup.
// Only one run may use a directory at a time.
func StartFixture(tb testing.TB, n int, budget time.Duration) *Fixture {
	tb.Helper()
	dir := CacheDir(tb, n)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		tb.Fatalf("create fixture directory: %v", err)
	}
	lock(tb, dir) // released after Headscale stops: cleanups run last-in first-out

	start := time.Now()
	srv := headscaletest.Start(tb, headscaletest.WithDir(dir), headscaletest.WithTCPGRPC())
	logf("bench fixture: headscale started on %s in %s (gRPC %s)", dir, time.Since(start).Round(time.Millisecond), srv.Config.GRPCAddr)

	// A client of our own: registrations get slow as the tailnet grows, and
	// the harness's client gives up after 10 s.
	client, err := headscale.Dial(headscale.DialConfig{Address: "unix://" + srv.Config.SocketPath(), Timeout: 2 * time.Minute})
	if err != nil {
		tb.Fatalf("dial headscale: %v", err)
	}
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	if err := ensureUser(ctx, client); err != nil {
		tb.Fatalf("bench fixture: user %q: %v", benchUser, err)
	}
	nodes, err := client.ListNodes(ctx)
	if err != nil {
		tb.Fatalf("bench fixture: list nodes: %v", err)
	}
	fx := &Fixture{Server: srv, Dir: dir, Nodes: len(nodes)}
	if missing := n - len(nodes); missing > 0 {
		logf("bench fixture: %s holds %d of %d nodes; creating %d, %d at a time (budget %s; the database is kept, so an interrupted build resumes)",
			dir, len(nodes), n, missing, inFlight, budget)
		t0 := time.Now()
		created, err := createNodes(ctx, client, len(nodes), missing)
		fx.Created, fx.Build = created, time.Since(t0)
		if err != nil {
			tb.Fatalf("bench fixture: %v", err)
		}
		if nodes, err = client.ListNodes(context.Background()); err != nil {
			tb.Fatalf("bench fixture: list nodes: %v", err)
		}
		fx.Nodes = len(nodes)
		logf("bench fixture: created %d nodes in %s; headscale holds %d", created, fx.Build.Round(time.Second), fx.Nodes)
		note(dir, fmt.Sprintf("%s created %d nodes in %s (%d in flight); headscale holds %d\n",
			time.Now().UTC().Format(time.RFC3339), created, fx.Build.Round(time.Second), inFlight, fx.Nodes))
	}
	if fx.Nodes < n {
		tb.Fatalf("bench fixture: headscale holds %d nodes, want %d", fx.Nodes, n)
	}
	return fx
}

// BuildLog is the file in the fixture directory where each run that created
// nodes notes how many and how long it took.
const BuildLog = "bench-build.log"

func note(dir, line string) {
	f, err := os.OpenFile(filepath.Join(dir, BuildLog), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.WriteString(line)
}

// History is the fixture directory's build log ("" when it has none).
func (f *Fixture) History() string {
	b, _ := os.ReadFile(filepath.Join(f.Dir, BuildLog))
	return strings.TrimSpace(string(b))
}

// lock takes an exclusive lock on dir for the rest of the run.
func lock(tb testing.TB, dir string) {
	tb.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "bench.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		tb.Fatalf("fixture lock: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		tb.Fatalf("fixture %s is in use by another benchmark run (%v); wait for it or set %s", dir, err, EnvCache)
	}
	tb.Cleanup(func() { f.Close() }) // closing releases the lock
}

func ensureUser(ctx context.Context, c *headscale.GRPC) error {
	users, err := c.ListUsers(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Name == benchUser {
			return nil
		}
	}
	_, err = c.CreateUser(ctx, benchUser, "", "")
	return err
}

// authID is an id in Headscale's format: "hskey-authreq-" and 24 characters.
func authID() string { return "hskey-authreq-" + rand.Text()[:24] }

// createNodes registers missing nodes the way the issue describes:
// DebugCreateNode puts a registration in Headscale's auth cache under a fresh
// auth id, then AuthRegister (RegisterPending) turns it into a node of the
// bench user. It keeps inFlight registrations going until missing nodes
// exist, ctx ends, or Headscale keeps failing.
func createNodes(ctx context.Context, c *headscale.GRPC, have, missing int) (int, error) {
	var (
		created     atomic.Int64
		claimed     atomic.Int64 // slots handed out; a failure hands its slot back
		consecutive atomic.Int64
		failures    atomic.Int64
		errOnce     sync.Once
		firstErr    error
		wg          sync.WaitGroup
	)
	start := time.Now()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err })
		stop()
	}
	for range inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if claimed.Add(1) > int64(missing) {
					return
				}
				err := registerOne(ctx, c)
				if err != nil {
					claimed.Add(-1)
					if ctx.Err() != nil {
						return
					}
					f := failures.Add(1)
					if consecutive.Add(1) >= 3*inFlight || f > int64(max(200, missing/10)) {
						fail(fmt.Errorf("headscale keeps failing registrations (%d failures, last: %w)", f, err))
						return
					}
					time.Sleep(200 * time.Millisecond)
					continue
				}
				consecutive.Store(0)
				total := have + int(created.Add(1))
				if total%progressEvery == 0 {
					el := time.Since(start)
					done := total - have
					logf("bench fixture: %d/%d nodes (%.1f nodes/s, %s elapsed, %d failed calls)",
						total, have+missing, float64(done)/el.Seconds(), el.Round(time.Second), failures.Load())
				}
			}
		}()
	}
	wg.Wait()
	n := int(created.Load())
	if firstErr != nil {
		return n, firstErr
	}
	if n < missing {
		cause := ctx.Err()
		if errors.Is(cause, context.DeadlineExceeded) || errors.Is(cause, context.Canceled) {
			return n, fmt.Errorf("node creation ran out of its time budget after %s: created %d of %d missing nodes "+
				"(headscale now holds about %d). The database keeps them: run again to continue, or raise %s",
				time.Since(start).Round(time.Second), n, missing, have+n, EnvBudget)
		}
		return n, fmt.Errorf("created only %d of %d nodes", n, missing)
	}
	return n, nil
}

func registerOne(ctx context.Context, c *headscale.GRPC) error {
	id := authID()
	name := "bench-" + strings.ToLower(rand.Text()[:12])
	if err := c.DebugCreateNode(ctx, benchUser, id, name); err != nil {
		return fmt.Errorf("DebugCreateNode: %w", err)
	}
	if _, err := c.RegisterPending(ctx, id, benchUser); err != nil {
		return fmt.Errorf("AuthRegister: %w", err)
	}
	return nil
}

// logf prints progress at once: testing's own log is shown only when the
// benchmark ends, and building a fixture can take many minutes.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}
