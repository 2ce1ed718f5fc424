package headscale

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"
)

// ManagedConfig describes a Headscale the console runs itself.
type ManagedConfig struct {
	Binary      string // path, or a name looked up on PATH
	Dir         string // its config, keys, database, socket and log live here
	ServerURL   string // what machines use as --login-server
	ListenAddr  string
	MetricsAddr string
	STUNAddr    string
	PrefixV4    string
	PrefixV6    string
	BaseDomain  string
	MagicDNS    bool
	Nameservers []string
	// SplitDNS sends queries for a domain to its own nameservers.
	SplitDNS map[string][]string
	// ExtraRecords are served to the tailnet by MagicDNS.
	ExtraRecords []DNSRecord
	LogLevel     string
	// GRPCAddr, when set, also serves gRPC over plain TCP on that loopback
	// address (tests of external mode use it). Empty: unix socket only.
	GRPCAddr string
}

// SocketPath is the unix socket the managed Headscale serves gRPC on.
func (m ManagedConfig) SocketPath() string { return filepath.Join(m.Dir, "headscale.sock") }

// ConfigPath is the generated Headscale configuration file.
func (m ManagedConfig) ConfigPath() string { return filepath.Join(m.Dir, "config.yaml") }

// LogPath is where the child's output goes.
func (m ManagedConfig) LogPath() string { return filepath.Join(m.Dir, "headscale.log") }

// Render returns Headscale's configuration file for m. It works offline: the
// embedded DERP server with a loopback STUN port and no DERP URLs.
func (m ManagedConfig) Render() ([]byte, error) {
	grpcAddr := m.GRPCAddr
	if grpcAddr == "" {
		grpcAddr = "127.0.0.1:0" // not served: insecure gRPC stays off without GRPCAddr
	}
	nameservers := m.Nameservers
	if nameservers == nil {
		nameservers = []string{}
	}
	doc := map[string]any{
		"server_url":          m.ServerURL,
		"listen_addr":         m.ListenAddr,
		"metrics_listen_addr": m.MetricsAddr,
		"grpc_listen_addr":    grpcAddr,
		"grpc_allow_insecure": m.GRPCAddr != "",
		"noise":               map[string]any{"private_key_path": filepath.Join(m.Dir, "noise_private.key")},
		"prefixes":            map[string]any{"v4": m.PrefixV4, "v6": m.PrefixV6, "allocation": "sequential"},
		"derp": map[string]any{
			"server": map[string]any{
				"enabled":                                true,
				"region_id":                              999,
				"region_code":                            "local",
				"region_name":                            "Embedded DERP",
				"stun_listen_addr":                       m.STUNAddr,
				"private_key_path":                       filepath.Join(m.Dir, "derp_server_private.key"),
				"automatically_add_embedded_derp_region": true,
			},
			"urls":                []string{},
			"paths":               []string{},
			"auto_update_enabled": false,
		},
		"disable_check_updates": true,
		"database": map[string]any{
			"type":   "sqlite",
			"sqlite": map[string]any{"path": filepath.Join(m.Dir, "db.sqlite"), "write_ahead_log": true},
		},
		"unix_socket":            m.SocketPath(),
		"unix_socket_permission": "0770",
		"dns": map[string]any{
			"magic_dns":          m.MagicDNS,
			"base_domain":        m.BaseDomain,
			"override_local_dns": len(nameservers) > 0,
			"nameservers":        map[string]any{"global": nameservers, "split": nonNilMap(m.SplitDNS)},
			"search_domains":     []string{},
			"extra_records":      nonNilRecords(m.ExtraRecords),
		},
		"log":     map[string]any{"level": m.LogLevel, "format": "text"},
		"policy":  map[string]any{"mode": "database"},
		"logtail": map[string]any{"enabled": false},
	}
	return yaml.Marshal(doc)
}

// State is where a managed Headscale is in its life.
type State string

const (
	StateStopped    State = "stopped"
	StateStarting   State = "starting"
	StateRunning    State = "running"
	StateRestarting State = "restarting"
)

// Status is a snapshot of a managed Headscale, for /readyz and the UI.
type Status struct {
	State     State     `json:"state"`
	PID       int       `json:"pid,omitempty"`
	Restarts  int       `json:"restarts"`
	Since     time.Time `json:"since"`
	LastError string    `json:"lastError,omitempty"`
}

// Supervisor runs a managed Headscale: it writes its config, starts it,
// restarts it with backoff when it exits, and stops it on Stop.
type Supervisor struct {
	cfg    ManagedConfig
	log    *slog.Logger
	health func(ctx context.Context) error

	mu      sync.Mutex
	status  Status
	cmd     *exec.Cmd
	cancel  context.CancelFunc
	done    chan struct{}
	running chan struct{} // closed (and replaced) each time the child turns healthy
}

// NewSupervisor prepares a Supervisor. health tells whether the child
// answers; it is usually a GRPC client's Health on cfg.SocketPath().
func NewSupervisor(cfg ManagedConfig, log *slog.Logger, health func(ctx context.Context) error) *Supervisor {
	return &Supervisor{
		cfg: cfg, log: log, health: health,
		status:  Status{State: StateStopped, Since: time.Now()},
		running: make(chan struct{}),
	}
}

// Status returns the current state.
func (s *Supervisor) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// Start writes the config, starts Headscale and waits until it answers or
// ctx ends. Supervision goes on in the background until Stop.
func (s *Supervisor) Start(ctx context.Context) error {
	cfg := s.Config()
	bin, err := exec.LookPath(cfg.Binary)
	if err != nil {
		return fmt.Errorf("headscale: managed binary %q not found (build it with `make tools`, or set headscale.managed.binary): %w", cfg.Binary, err)
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return fmt.Errorf("headscale: create %s: %w", cfg.Dir, err)
	}
	doc, err := cfg.Render()
	if err != nil {
		return fmt.Errorf("headscale: render config: %w", err)
	}
	if err := os.WriteFile(cfg.ConfigPath(), doc, 0o600); err != nil {
		return fmt.Errorf("headscale: write config: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	s.cancel = cancel
	s.done = make(chan struct{})
	ready := s.running
	s.mu.Unlock()
	go s.supervise(runCtx, bin, cfg)

	select {
	case <-ready:
		return nil
	case <-ctx.Done():
		st := s.Status()
		return fmt.Errorf("headscale: not ready (%s; see %s): %w", st.LastError, cfg.LogPath(), ctx.Err())
	}
}

// Restart stops the child and starts it again with a freshly written config.
func (s *Supervisor) Restart(ctx context.Context) error {
	return s.Reconfigure(ctx, s.Config())
}

// Config is the configuration the child runs with.
func (s *Supervisor) Config() ManagedConfig {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}

// Reconfigure restarts the child with cfg. When it does not come up, the
// previous configuration is restored and started again, and the error says why.
func (s *Supervisor) Reconfigure(ctx context.Context, cfg ManagedConfig) error {
	old := s.Config()
	if err := s.Stop(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	s.cfg, s.running = cfg, make(chan struct{})
	s.mu.Unlock()
	startCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err := s.Start(startCtx)
	cancel()
	if err == nil {
		return nil
	}
	_ = s.Stop(context.WithoutCancel(ctx))
	s.mu.Lock()
	s.cfg, s.running = old, make(chan struct{})
	s.mu.Unlock()
	if rerr := s.Start(context.WithoutCancel(ctx)); rerr != nil {
		return fmt.Errorf("new configuration failed (%w) and the previous one did not come back: %v", err, rerr)
	}
	return fmt.Errorf("headscale did not start with the new configuration, the previous one is back: %w", err)
}

// Stop ends supervision and the child: SIGTERM, then SIGKILL after 10 s or
// when ctx ends.
func (s *Supervisor) Stop(ctx context.Context) error {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("headscale: stop: %w", ctx.Err())
	}
}

// Kill sends SIGKILL to the running child without stopping supervision, as a
// crash would. Tests use it.
func (s *Supervisor) Kill() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return errors.New("headscale: not running")
	}
	return s.cmd.Process.Kill()
}

func (s *Supervisor) setState(st State, pid int, lastErr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.State, s.status.PID, s.status.Since = st, pid, time.Now()
	if lastErr != "" {
		s.status.LastError = lastErr
	}
}

func (s *Supervisor) supervise(ctx context.Context, bin string, cfg ManagedConfig) {
	defer func() {
		s.setState(StateStopped, 0, "")
		s.mu.Lock()
		close(s.done)
		s.cancel = nil
		s.mu.Unlock()
	}()
	backoff := time.Second
	for attempt := 0; ; attempt++ {
		started := time.Now()
		err := s.runOnce(ctx, bin, cfg)
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > time.Minute {
			backoff = time.Second // it ran well for a while: restart promptly
		}
		msg := "exited"
		if err != nil {
			msg = err.Error()
		}
		s.log.Warn("managed headscale exited; restarting", "error", msg, "after", backoff)
		s.mu.Lock()
		s.status.Restarts++
		s.mu.Unlock()
		s.setState(StateRestarting, 0, msg)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

// runOnce starts the child and waits for it to exit or ctx to end.
func (s *Supervisor) runOnce(ctx context.Context, bin string, cfg ManagedConfig) error {
	// Pdeathsig is tied to the thread that started the child: keep this
	// goroutine on it so headscale dies with the console, never orphaned.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	logf, err := os.OpenFile(cfg.LogPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	defer logf.Close()
	_ = os.Remove(cfg.SocketPath())

	cmd := exec.Command(bin, "serve", "-c", cfg.ConfigPath())
	cmd.Dir = cfg.Dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), "HEADSCALE_CONFIG="+cfg.ConfigPath())
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	s.setState(StateStarting, 0, "")
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	s.mu.Lock()
	s.cmd = cmd
	s.status.PID = cmd.Process.Pid
	s.mu.Unlock()
	s.log.Info("managed headscale started", "pid", cmd.Process.Pid, "config", cfg.ConfigPath())

	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	probeCtx, stopProbe := context.WithCancel(ctx)
	defer stopProbe()
	go s.waitHealthy(probeCtx, cmd.Process.Pid)

	select {
	case err := <-exited:
		s.clearCmd(cmd)
		return describeExit(err, cfg.LogPath())
	case <-ctx.Done():
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		s.clearCmd(cmd)
		s.log.Info("managed headscale stopped")
		return nil
	}
}

func (s *Supervisor) clearCmd(cmd *exec.Cmd) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == cmd {
		s.cmd = nil
	}
}

// waitHealthy polls the child until it answers, then marks it running.
func (s *Supervisor) waitHealthy(ctx context.Context, pid int) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := s.health(c)
		cancel()
		if err == nil {
			s.setState(StateRunning, pid, "")
			s.mu.Lock()
			s.status.LastError = ""
			select {
			case <-s.running:
			default:
				close(s.running)
			}
			s.mu.Unlock()
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// describeExit adds the end of the child's log to its exit error.
func describeExit(err error, logPath string) error {
	tail := lastBytes(logPath, 400)
	if err == nil {
		err = errors.New("exited with status 0")
	}
	if tail == "" {
		return err
	}
	return fmt.Errorf("%w; log ends: %s", err, tail)
}

func lastBytes(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(st.Size()-n, 0)
	b := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(b, off); err != nil && !errors.Is(err, io.EOF) {
		return ""
	}
	return string(b)
}
