// Package headscaletest starts real, pinned Headscale servers and real
// tailscaled clients (userspace networking) on loopback for tests.
//
// The binaries come from `make tools` (bin/ at the module root), or from the
// paths in NEOCONSOLE_HEADSCALE_BIN, NEOCONSOLE_TAILSCALE_BIN and
// NEOCONSOLE_TAILSCALED_BIN. A missing binary fails the test with the command
// that builds it; it never skips.
package headscaletest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/headscale"
)

// Server is a running Headscale.
type Server struct {
	Config     headscale.ManagedConfig
	Supervisor *headscale.Supervisor
	// Client speaks to it over its unix socket.
	Client *headscale.GRPC
}

// Option changes how Start runs Headscale.
type Option func(*headscale.ManagedConfig)

// WithTCPGRPC also serves gRPC over plain TCP on a free loopback port
// (Config.GRPCAddr), as an external Headscale would, for API-key tests.
func WithTCPGRPC() Option {
	return func(c *headscale.ManagedConfig) { c.GRPCAddr = FreeAddr(nil) }
}

// WithDir keeps Headscale's files in dir (to reuse a database across runs).
func WithDir(dir string) Option {
	return func(c *headscale.ManagedConfig) { c.Dir = dir }
}

// Config returns a ManagedConfig with free loopback ports under dir.
func Config(tb testing.TB, dir string) headscale.ManagedConfig {
	listen := FreeAddr(tb)
	return headscale.ManagedConfig{
		Binary:      HeadscaleBinary(tb),
		Dir:         dir,
		ServerURL:   "http://" + listen,
		ListenAddr:  listen,
		MetricsAddr: FreeAddr(tb),
		STUNAddr:    FreeUDPAddr(tb),
		PrefixV4:    "100.64.0.0/10",
		PrefixV6:    "fd7a:115c:a1e0::/48",
		BaseDomain:  "tailnet.test",
		LogLevel:    "warn",
	}
}

// Start runs a Headscale for the test and stops it at cleanup.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	cfg := Config(tb, ShortTempDir(tb))
	for _, o := range opts {
		o(&cfg)
	}
	client, err := headscale.Dial(headscale.DialConfig{Address: "unix://" + cfg.SocketPath(), Timeout: 10 * time.Second})
	if err != nil {
		tb.Fatalf("dial headscale socket: %v", err)
	}
	sup := headscale.NewSupervisor(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), client.Health)
	// A large database (the benchmarks' 10,000 nodes) takes over 30 s to load.
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	if err := sup.Start(ctx); err != nil {
		tb.Fatalf("start headscale: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = sup.Stop(ctx)
		_ = client.Close()
	})
	return &Server{Config: cfg, Supervisor: sup, Client: client}
}

// APIKey creates a Headscale API key valid for a day.
func (s *Server) APIKey(tb testing.TB) string {
	tb.Helper()
	key, err := s.Client.CreateAPIKey(context.Background(), time.Now().Add(24*time.Hour))
	if err != nil {
		tb.Fatalf("create API key: %v", err)
	}
	return key
}

// ModuleRoot is the directory holding the console's go.mod.
func ModuleRoot(tb testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		fatal(tb, "getwd: %v", err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/neogenesys/console\n") {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			fatal(tb, "module root of github.com/neogenesys/console not found above the working directory")
		}
		dir = parent
	}
}

func fatal(tb testing.TB, format string, args ...any) {
	if tb == nil {
		panic(fmt.Sprintf(format, args...))
	}
	tb.Helper()
	tb.Fatalf(format, args...)
}

func binary(tb testing.TB, env, name string) string {
	tb.Helper()
	if p := os.Getenv(env); p != "" {
		if _, err := os.Stat(p); err != nil {
			tb.Fatalf("%s=%s: %v", env, p, err)
		}
		return p
	}
	p := filepath.Join(ModuleRoot(tb), "bin", name)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	tb.Fatalf("%s not found at %s: build the pinned version with `make tools` (or set %s)", name, p, env)
	return ""
}

// HeadscaleBinary is the pinned headscale.
func HeadscaleBinary(tb testing.TB) string {
	return binary(tb, "NEOCONSOLE_HEADSCALE_BIN", "headscale")
}

// TailscaleBinaries are the pinned tailscale CLI and daemon.
func TailscaleBinaries(tb testing.TB) (cli, daemon string) {
	return binary(tb, "NEOCONSOLE_TAILSCALE_BIN", "tailscale"), binary(tb, "NEOCONSOLE_TAILSCALED_BIN", "tailscaled")
}

// ShortTempDir is a temporary directory with a short path: unix socket paths
// are limited to 108 bytes and t.TempDir can be long.
func ShortTempDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", "nct")
	if err != nil {
		tb.Fatalf("temp dir: %v", err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// FreeAddr returns a loopback TCP address that was free a moment ago.
func FreeAddr(tb testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatal(tb, "free port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

// FreeUDPAddr returns a loopback UDP address that was free a moment ago.
func FreeUDPAddr(tb testing.TB) string {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		fatal(tb, "free udp port: %v", err)
	}
	defer c.Close()
	return c.LocalAddr().String()
}

// Machine is a real tailscaled in userspace-networking mode.
type Machine struct {
	Name   string
	dir    string
	cli    string
	daemon *exec.Cmd
	exited chan struct{}
}

// StartMachine runs tailscaled for a machine called name and stops it at cleanup.
func StartMachine(tb testing.TB, name string) *Machine {
	tb.Helper()
	cli, daemon := TailscaleBinaries(tb)
	dir := ShortTempDir(tb)
	m := &Machine{Name: name, dir: dir, cli: cli, exited: make(chan struct{})}
	logf, err := os.Create(filepath.Join(dir, "tailscaled.log"))
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(daemon, "--tun=userspace-networking", "--statedir="+filepath.Join(dir, "state"),
		"--socket="+m.socket(), "--port=0")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), "TS_NO_LOGS_NO_SUPPORT=true", "TS_LOGS_DIR="+dir)
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start tailscaled: %v", err)
	}
	m.daemon = cmd
	go func() { _ = cmd.Wait(); logf.Close(); close(m.exited) }()
	tb.Cleanup(m.Stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(m.socket()); err == nil {
			break
		}
		if time.Now().After(deadline) {
			tb.Fatalf("tailscaled for %s did not create its socket in 20s; log: %s", name, m.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return m
}

func (m *Machine) socket() string { return filepath.Join(m.dir, "ts.sock") }

// Log is tailscaled's output so far.
func (m *Machine) Log() string {
	b, _ := os.ReadFile(filepath.Join(m.dir, "tailscaled.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// Run runs the tailscale CLI against this machine's daemon, bounded by timeout.
func (m *Machine) Run(timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	full := append([]string{"--socket=" + m.socket()}, args...)
	out, err := exec.CommandContext(ctx, m.cli, full...).CombinedOutput()
	return string(out), err
}

// Up enrolls the machine: `tailscale up --login-server URL --authkey KEY`.
func (m *Machine) Up(loginServer, authKey string) (string, error) {
	return m.Run(45*time.Second, "up", "--login-server="+loginServer, "--authkey="+authKey,
		"--hostname="+m.Name, "--accept-dns=false", "--timeout=40s")
}

// Stop ends tailscaled.
func (m *Machine) Stop() {
	if m.daemon == nil || m.daemon.Process == nil {
		return
	}
	_ = m.daemon.Process.Signal(os.Interrupt)
	select {
	case <-m.exited:
	case <-time.After(10 * time.Second):
		_ = m.daemon.Process.Kill()
		<-m.exited
	}
}
