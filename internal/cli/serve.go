package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/neogenesys/console/config"
	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/internal/audit"
	"github.com/neogenesys/console/internal/auth"
	"github.com/neogenesys/console/internal/clouds"
	"github.com/neogenesys/console/internal/events"
	"github.com/neogenesys/console/internal/inventory"
	"github.com/neogenesys/console/internal/secrets"
	"github.com/neogenesys/console/internal/server"
	"github.com/neogenesys/console/internal/store"
	"github.com/neogenesys/console/internal/tailnet"
	_ "github.com/neogenesys/console/providers/all" // every provider kind, for cloud accounts
	"github.com/neogenesys/console/web"
	"github.com/prometheus/client_golang/prometheus"
)

func runServe(e Env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfgFile := fs.String("config", "", "configuration file (YAML); default none, or NEOCONSOLE_CONFIG")
	listen := fs.String("listen", "", "address to serve on, overriding http.listen")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("serve takes no arguments, got %q", pos)
	}
	env := e.Environ
	if *listen != "" {
		env = append(append([]string(nil), env...), "NEOCONSOLE_HTTP_LISTEN="+*listen)
	}
	cfg, err := config.Load(configPath(e, *cfgFile), env)
	if err != nil {
		return err
	}
	log := newLogger(cfg, e)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, cfg, log, e.Getenv("NEOCONSOLE_SECRET_KEY"))
}

func newLogger(cfg config.Config, e Env) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(e.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(e.Stderr, opts))
}

// openStore opens the configured database and runs its migrations.
func openStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	if cfg.Store.Driver == "postgres" {
		dsn, err := cfg.PostgresDSN()
		if err != nil {
			return nil, err
		}
		return store.OpenPostgres(ctx, dsn)
	}
	return store.OpenSQLite(ctx, cfg.SQLitePath())
}

// managedConfig turns the console's config into the managed Headscale's.
func managedConfig(cfg config.Config) headscale.ManagedConfig {
	m := cfg.Headscale.Managed
	dir, _ := filepath.Abs(cfg.HeadscaleDir())
	bin := m.Binary
	if !strings.ContainsRune(bin, '/') {
		// Prefer the pinned build next to the console (make tools), then PATH.
		if exe, err := os.Executable(); err == nil {
			if p := filepath.Join(filepath.Dir(exe), bin); fileExists(p) {
				bin = p
			}
		}
	}
	return headscale.ManagedConfig{
		Binary: bin, Dir: dir, ServerURL: m.ServerURL, ListenAddr: m.ListenAddr, MetricsAddr: m.MetricsAddr,
		STUNAddr: m.STUNAddr, PrefixV4: m.PrefixV4, PrefixV6: m.PrefixV6, BaseDomain: m.BaseDomain,
		MagicDNS: m.MagicDNS, Nameservers: m.Nameservers, LogLevel: m.LogLevel,
	}
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// serve runs the console until ctx ends, then shuts down in order: stop
// accepting, drain requests, stop background work, stop Headscale, close the
// store. secretKey is NEOCONSOLE_SECRET_KEY (base64); empty uses, or
// creates, data_dir/secret.key.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, secretKey string) error {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()

	reg := prometheus.NewRegistry()
	dial := headscale.DialConfig{Timeout: cfg.Headscale.Timeout, OnCall: server.HeadscaleCallObserver(reg)}
	var sup *headscale.Supervisor
	info := server.HeadscaleInfo{Mode: cfg.Headscale.Mode, LoginServer: cfg.HeadscaleServerURL()}
	if cfg.Headscale.Mode == "managed" {
		dial.Address = "unix://" + managedConfig(cfg).SocketPath()
	} else {
		key, err := cfg.HeadscaleAPIKey()
		if err != nil {
			return err
		}
		ext := cfg.Headscale.External
		dial.Address, dial.APIKey = ext.Address, key
		dial.Insecure, dial.CAFile, dial.ServerName = ext.TLS.Insecure, ext.TLS.CAFile, ext.TLS.ServerName
	}
	info.Address = dial.Address
	hc, err := headscale.Dial(dial)
	if err != nil {
		return err
	}
	defer hc.Close()
	var managed server.ManagedHeadscale
	if cfg.Headscale.Mode == "managed" {
		mc, err := loadManagedSettings(ctx, st, managedConfig(cfg))
		if err != nil {
			return err
		}
		sup = headscale.NewSupervisor(mc, log.With("component", "headscale"), hc.Health)
		managed = &managedSettings{sup: sup, st: st}
		startCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
		err = sup.Start(startCtx)
		cancel()
		if err != nil {
			return err
		}
		defer func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if err := sup.Stop(stopCtx); err != nil {
				log.Error("stop managed headscale", "error", err)
			}
		}()
		log.Info("managed headscale running", "login_server", mc.ServerURL, "dir", mc.Dir)
	}

	hub := events.NewHub()
	view := tailnet.NewView(hc, hub, log.With("component", "nodeview"), cfg.Headscale.RefreshInterval)
	bg, stopBG := context.WithCancel(context.Background())
	defer stopBG()
	go view.Run(bg)

	box, err := openSecrets(cfg, secretKey)
	if err != nil {
		return err
	}
	cloudSvc := &clouds.Service{Store: st, Sealer: box}
	inv, invDone, err := startInventory(ctx, bg, cfg, st, cloudSvc, hub, view, log, reg)
	if err != nil {
		return err
	}

	srv, err := server.New(server.Deps{
		Config: cfg, Log: log, Store: st, Headscale: hc, Nodes: view,
		Auth: auth.NewService(st, cfg.Auth.SessionTTL), Audit: audit.New(st, log), Events: hub,
		HeadscaleInfo: func() server.HeadscaleInfo {
			i := info
			if sup != nil {
				s := sup.Status()
				i.Managed = &s
				i.LoginServer = sup.Config().ServerURL
			}
			return i
		},
		Registry: reg, UI: web.Handler(), Version: Version, Managed: managed,
		Clouds: cloudSvc, Inventory: inv, Secrets: box,
	})
	if err != nil {
		return err
	}
	if tok, err := srv.PrepareSetup(ctx); err != nil {
		log.Warn("first-run setup", "error", err)
	} else if tok != "" {
		log.Warn("no admin account yet: open the console and create one with this one-time setup token, "+
			"or run `neoconsole admin create --username admin`", "url", cfg.PublicURL(), "setup_token", tok)
	}
	go sweepSessions(bg, st, log)

	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTP.Listen, err)
	}
	hs := &http.Server{
		Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() {
		if cfg.HTTP.TLSCert != "" {
			errc <- hs.ServeTLS(ln, cfg.HTTP.TLSCert, cfg.HTTP.TLSKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	log.Info("console listening", "url", cfg.PublicURL(), "addr", ln.Addr().String(), "headscale_mode", cfg.Headscale.Mode)

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("shutdown", "error", err)
	}
	stopBG()
	<-invDone // syncs in flight finish their writes before the store closes
	return nil
}

func sweepSessions(ctx context.Context, st store.Store, log *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := st.DeleteExpiredSessions(ctx, time.Now()); err != nil {
				log.Warn("sweep sessions", "error", err)
			} else if n > 0 {
				log.Debug("swept expired sessions", "count", n)
			}
		}
	}
}

// openSecrets returns the box that seals cloud credentials: the master key
// from NEOCONSOLE_SECRET_KEY, else data_dir/secret.key (created 0600 on first
// run). Several replicas must share one key: set the variable on each.
func openSecrets(cfg config.Config, envKey string) (*secrets.Box, error) {
	key, err := secrets.LoadKey(envKey, cfg.SecretKeyPath())
	if err != nil {
		return nil, err
	}
	return secrets.New(key)
}

// startInventory loads the stored inventory, relinks the keys minted for
// VMs, and runs the sync engine until bg ends. Node changes re-join VMs to
// nodes at once.
func startInventory(ctx, bg context.Context, cfg config.Config, st store.Store, cs *clouds.Service, hub *events.Hub,
	view *tailnet.View, log *slog.Logger, reg *prometheus.Registry) (*inventory.Engine, <-chan struct{}, error) {
	nodes := func() ([]headscale.Node, error) {
		s, err := view.Snapshot()
		return s.Nodes, err
	}
	inv := inventory.New(cs, st, hub, nodes, log.With("component", "inventory"), reg, inventory.Options{
		Interval: cfg.Inventory.SyncInterval, Parallel: cfg.Inventory.Parallel,
		CallTimeout: cfg.Inventory.CallTimeout, GoneGrace: cfg.Inventory.GoneGrace,
	})
	if err := inv.Load(ctx); err != nil {
		return nil, nil, fmt.Errorf("load inventory: %w", err)
	}
	keys, err := st.ListMintedKeys(ctx, "vm:")
	if err != nil {
		return nil, nil, err
	}
	for _, k := range keys {
		if vmKey, err := strconv.ParseInt(strings.TrimPrefix(k.Purpose, "vm:"), 10, 64); err == nil {
			inv.LinkKey(k.HeadscaleKeyID, vmKey)
		}
	}
	done := make(chan struct{})
	go func() { inv.Run(bg); close(done) }()
	ch, stop := hub.Subscribe()
	go func() {
		defer stop()
		for {
			select {
			case <-bg.Done():
				return
			case e := <-ch:
				if strings.HasPrefix(e.Type, "node.") || e.Type == "resync" {
					inv.NodesChanged()
				}
			}
		}
	}()
	return inv, done, nil
}
