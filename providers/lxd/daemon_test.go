package lxd

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/providers"
	"github.com/neogenesys/console/providers/lxd/lxdtest"
	"github.com/neogenesys/console/providers/providertest"
)

// One real daemon serves every test in this file: its start, six launches
// and its stop take a few seconds, the power transitions a second each.
func TestRealDaemon(t *testing.T) {
	d := lxdtest.Start(t)
	begin := time.Now()
	ids := d.LaunchAll(t,
		lxdtest.Spec{Name: "web1", Config: map[string]string{"user.team": "web", "limits.cpu": "2", "limits.memory": "256MiB"}},
		lxdtest.Spec{Name: "web2"},
		lxdtest.Spec{Name: "db1", Stopped: true},
		lxdtest.Spec{Name: "app1", Project: "team"},
		lxdtest.Spec{Name: "app2", Project: "team", Addrs: []string{"10.201.9.9/16", "203.0.113.7/24", "fd42::7/64"}},
		lxdtest.Spec{Name: "app3", Project: "team", Stopped: true},
	)
	t.Logf("6 containers in 2 projects launched in %v", time.Since(begin).Round(time.Millisecond))

	unix := newTestProvider(t, &Config{Endpoint: d.UnixEndpoint()})
	httpsCfg := &Config{Endpoint: d.HTTPSEndpoint(), ClientCert: d.ClientCert, ClientKey: d.ClientKey, ServerCert: d.ServerCert}
	https := newTestProvider(t, httpsCfg)
	strangerCert, strangerKey := lxdtest.NewClientCert(t, "stranger")
	untrusted := newTestProvider(t, &Config{Endpoint: d.HTTPSEndpoint(), ClientCert: strangerCert, ClientKey: strangerKey,
		ServerCert: d.ServerCert})

	target := providertest.Target{
		Kind:             Kind,
		BadAuth:          idleClosed{untrusted.(*Provider)},
		WantIDs:          ids,
		MinRegions:       1, // a standalone server: one member; the two projects are in WantIDs
		MissingID:        "default/no-such-vm",
		Settle:           20 * time.Second,
		NoThrottleReason: "LXD has no rate limiting (retries of 429/503 are tested against a replay server)",
		NoCorruptReason:  "a real daemon sends well-formed records (malformed ones are tested against recorded JSON)",
	}
	t.Run("ConformanceUnix", func(t *testing.T) {
		tg := target
		tg.Provider, tg.Running = idleClosed{unix.(*Provider)}, "default/web2"
		providertest.Run(t, tg)
	})
	t.Run("ConformanceHTTPS", func(t *testing.T) {
		tg := target
		tg.Provider, tg.Running = idleClosed{https.(*Provider)}, "team/app1"
		providertest.Run(t, tg)
	})

	t.Run("Check", func(t *testing.T) {
		for name, p := range map[string]providers.Provider{"unix": unix, "https": https} {
			info, err := p.Check(testCtx(t))
			if err != nil {
				t.Fatalf("%s: Check: %v", name, err)
			}
			if want := d.ServerName + " (projects: default, team)"; info.Identity != want {
				t.Errorf("%s: identity %q, want %q", name, info.Identity, want)
			}
			if !slices.Equal(info.Regions, []string{d.ServerName}) {
				t.Errorf("%s: regions %v, want [%s]", name, info.Regions, d.ServerName)
			}
		}
	})

	t.Run("Fields", func(t *testing.T) { testFields(t, d, https) })

	t.Run("Projects", func(t *testing.T) {
		p := newTestProvider(t, &Config{Endpoint: d.UnixEndpoint(), Projects: []string{"team"}})
		got := listIDs(t, p)
		if want := []string{"team/app1", "team/app2", "team/app3"}; !slices.Equal(got, want) {
			t.Errorf("List with projects [team] = %v, want %v", got, want)
		}
		p = newTestProvider(t, &Config{Endpoint: d.UnixEndpoint(), Projects: []string{"team", "gone"}})
		if _, err := p.Check(testCtx(t)); err == nil || !strings.Contains(err.Error(), `"gone"`) {
			t.Errorf("Check with a missing project = %v, want it named", err)
		}
	})

	t.Run("InvalidState", func(t *testing.T) {
		for _, c := range []struct {
			id string
			a  providers.Action
		}{{"default/web1", providers.Start}, {"default/db1", providers.Stop}, {"default/db1", providers.Reboot}} {
			if err := unix.Power(testCtx(t), c.id, c.a); !errors.Is(err, providers.ErrInvalidState) {
				t.Errorf("Power(%s, %s) = %v, want ErrInvalidState", c.id, c.a, err)
			}
		}
	})

	t.Run("FrozenStarts", func(t *testing.T) {
		d.Lxc(t, "pause", "web1")
		if vm := listVMs(t, unix)["default/web1"]; vm.State != providers.StateStopped {
			t.Errorf("frozen web1 is %s, want stopped", vm.State)
		}
		if err := unix.Power(testCtx(t), "default/web1", providers.Start); err != nil {
			t.Fatalf("Start of a frozen instance: %v", err)
		}
		if vm := listVMs(t, unix)["default/web1"]; vm.State != providers.StateRunning {
			t.Errorf("web1 after Start is %s, want running", vm.State)
		}
	})

	t.Run("PowerCancelled", func(t *testing.T) {
		id := d.LaunchAll(t, lxdtest.Spec{Name: "stubborn", Stubborn: true})[0]
		t.Cleanup(func() { d.Lxc(t, "stop", "--force", "stubborn") })
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(500*time.Millisecond, cancel)
		begin := time.Now()
		err := https.Power(ctx, id, providers.Stop)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Power(stop) of an instance ignoring SIGPWR, cancelled = %v, want context.Canceled", err)
		}
		if took := time.Since(begin); took > 2*time.Second {
			t.Errorf("Power took %v to notice the cancellation", took)
		}
	})

	t.Run("Record", func(t *testing.T) {
		// LXD_UPDATE_TESTDATA=1 refreshes the recorded answer the unit tests
		// and the benchmark replay.
		if os.Getenv("LXD_UPDATE_TESTDATA") == "" {
			return
		}
		raw := d.Lxc(t, "query", "/1.0/instances?recursion=2&all-projects=true")
		if err := os.WriteFile(recordedInstances, []byte(raw), 0o644); err != nil {
			t.Fatal(err)
		}
		raw = d.Lxc(t, "query", "/1.0")
		if err := os.WriteFile(recordedServer, []byte(raw), 0o644); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Onboarding", func(t *testing.T) { testOnboarding(t, d) })
	t.Run("Unreachable", func(t *testing.T) { testUnreachable(t, d) })
}

func testFields(t *testing.T, d *lxdtest.Daemon, p providers.Provider) {
	vms := listVMs(t, p)
	web1, app2, db1 := vms["default/web1"], vms["team/app2"], vms["default/db1"]
	for id, vm := range vms {
		if vm.Host != d.ServerName || vm.Region != d.ServerName || vm.Cluster != "" {
			t.Errorf("%s: host %q region %q cluster %q, want %q, %q, none", id, vm.Host, vm.Region, vm.Cluster,
				d.ServerName, d.ServerName)
		}
		if vm.Type != "container" || vm.OS != "busybox static" || vm.Image != "busybox-static test image" {
			t.Errorf("%s: type %q os %q image %q", id, vm.Type, vm.OS, vm.Image)
		}
		if vm.CreatedAt.IsZero() || time.Since(vm.CreatedAt) > time.Hour {
			t.Errorf("%s: created %v", id, vm.CreatedAt)
		}
		if vm.ConsoleURL != "" {
			t.Errorf("%s: console URL %q, but LXD 5.0 has no web UI", id, vm.ConsoleURL)
		}
	}
	if web1.VCPUs != 2 || web1.MemoryMB != 256 || web1.Tags["team"] != "web" || len(web1.Tags) != 1 {
		t.Errorf("web1: vcpus %d memory %d tags %v, want 2, 256, team=web", web1.VCPUs, web1.MemoryMB, web1.Tags)
	}
	if len(web1.PrivateIPs) != 1 || !strings.HasPrefix(web1.PrivateIPs[0], "10.201.") || len(web1.PublicIPs) != 0 {
		t.Errorf("web1: private %v public %v, want one 10.201.x.y", web1.PrivateIPs, web1.PublicIPs)
	}
	if want := []string{"10.201.9.9", "fd42::7"}; !slices.Equal(app2.PrivateIPs, want) ||
		!slices.Equal(app2.PublicIPs, []string{"203.0.113.7"}) {
		t.Errorf("app2: private %v public %v, want %v and [203.0.113.7]", app2.PrivateIPs, app2.PublicIPs, want)
	}
	if db1.State != providers.StateStopped || len(db1.PrivateIPs) != 0 || db1.VCPUs != 0 {
		t.Errorf("db1: state %s private %v vcpus %d, want stopped, none, 0", db1.State, db1.PrivateIPs, db1.VCPUs)
	}
	if web1.DiskGB != 0 {
		t.Errorf("web1: disk %d GB, want 0 (a dir pool reports neither size nor usage)", web1.DiskGB)
	}
}

func testOnboarding(t *testing.T, d *lxdtest.Daemon) {
	t.Run("Token", func(t *testing.T) {
		cert, key := lxdtest.NewClientCert(t, "token-client")
		cfg := &Config{Endpoint: d.HTTPSEndpoint(), ClientCert: cert, ClientKey: key, ServerCert: d.ServerCert,
			TrustToken: d.TrustToken(t, "token-client")}
		if _, err := newTestProvider(t, cfg).Check(testCtx(t)); err != nil {
			t.Fatalf("Check with a trust token: %v", err)
		}
		// A later start with the spent token finds the certificate trusted.
		if len(listIDs(t, newTestProvider(t, cfg))) == 0 {
			t.Error("List after onboarding emitted nothing")
		}
		cfg.TrustToken = ""
		if _, err := newTestProvider(t, cfg).Check(testCtx(t)); err != nil {
			t.Errorf("Check without the token once trusted: %v", err)
		}
	})
	t.Run("ConcurrentFirstCalls", func(t *testing.T) {
		cert, key := lxdtest.NewClientCert(t, "eager-client")
		p := newTestProvider(t, &Config{Endpoint: d.HTTPSEndpoint(), ClientCert: cert, ClientKey: key,
			ServerCert: d.ServerCert, TrustToken: d.TrustToken(t, "eager-client")})
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				errs <- p.List(testCtx(t), func(providers.VM) error { return nil })
			}()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Errorf("concurrent first List with a single-use token: %v", err)
			}
		}
	})
	t.Run("SpentToken", func(t *testing.T) {
		token := d.TrustToken(t, "twice")
		c1, k1 := lxdtest.NewClientCert(t, "first")
		c2, k2 := lxdtest.NewClientCert(t, "second")
		for i, pair := range [][2]string{{c1, k1}, {c2, k2}} {
			cfg := &Config{Endpoint: d.HTTPSEndpoint(), ClientCert: pair[0], ClientKey: pair[1], ServerCert: d.ServerCert,
				TrustToken: token}
			_, err := newTestProvider(t, cfg).Check(testCtx(t))
			if i == 0 && err != nil {
				t.Fatalf("first use of the token: %v", err)
			}
			if i == 1 && (!errors.Is(err, providers.ErrAuth) || !strings.Contains(err.Error(), "credentials")) {
				t.Errorf("second use of the token = %v, want ErrAuth naming the credentials", err)
			}
		}
	})
	t.Run("Password", func(t *testing.T) {
		d.SetTrustPassword(t, "s3cret")
		t.Setenv("LXD_TEST_TRUST_PASSWORD", "s3cret")
		cert, key := lxdtest.NewClientCert(t, "password-client")
		cfg := &Config{Endpoint: d.HTTPSEndpoint(), ClientCert: cert, ClientKey: key, ServerCert: d.ServerCert,
			TrustPassword: "env:LXD_TEST_TRUST_PASSWORD"}
		if _, err := newTestProvider(t, cfg).Check(testCtx(t)); err != nil {
			t.Errorf("Check with the trust password: %v", err)
		}
		cert, key = lxdtest.NewClientCert(t, "wrong-password")
		cfg = &Config{Endpoint: d.HTTPSEndpoint(), ClientCert: cert, ClientKey: key, ServerCert: d.ServerCert,
			TrustPassword: "wrong"}
		if _, err := newTestProvider(t, cfg).Check(testCtx(t)); !errors.Is(err, providers.ErrAuth) {
			t.Errorf("Check with a wrong trust password = %v, want ErrAuth", err)
		}
	})
}

func testUnreachable(t *testing.T, d *lxdtest.Daemon) {
	otherCert, _ := lxdtest.NewClientCert(t, "not-the-server")
	for name, cfg := range map[string]*Config{
		"no socket":   {Endpoint: d.Dir + "/missing.socket"},
		"closed port": {Endpoint: "https://127.0.0.1:1", ClientCert: d.ClientCert, ClientKey: d.ClientKey},
		"wrong serverCert": {Endpoint: d.HTTPSEndpoint(), ClientCert: d.ClientCert, ClientKey: d.ClientKey,
			ServerCert: otherCert},
		"system roots": {Endpoint: d.HTTPSEndpoint(), ClientCert: d.ClientCert, ClientKey: d.ClientKey},
	} {
		p := newTestProvider(t, cfg)
		if _, err := p.Check(testCtx(t)); !errors.Is(err, providers.ErrUnreachable) {
			t.Errorf("%s: Check = %v, want ErrUnreachable", name, err)
		}
		if err := p.List(testCtx(t), func(providers.VM) error { return nil }); !errors.Is(err, providers.ErrUnreachable) {
			t.Errorf("%s: List = %v, want ErrUnreachable", name, err)
		}
	}
}

func newTestProvider(t *testing.T, cfg *Config) providers.Provider {
	t.Helper()
	p, err := cfg.New("acct-1")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = p.(*Provider).Close() })
	return p
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func listVMs(t *testing.T, p providers.Provider) map[string]providers.VM {
	t.Helper()
	out := map[string]providers.VM{}
	if err := p.List(testCtx(t), func(vm providers.VM) error { out[vm.ID] = vm; return nil }); err != nil {
		t.Fatalf("List: %v", err)
	}
	return out
}

func listIDs(t *testing.T, p providers.Provider) []string {
	t.Helper()
	var ids []string
	for id := range listVMs(t, p) {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// idleClosed drops the provider's idle connections after every call. The
// conformance suite's leak check takes an idle pooled HTTPS connection (its
// readLoop parked in netpoll, so runtime_pollWait is the top function) for
// a leak, and a real LXD keeps connections open.
type idleClosed struct{ *Provider }

func (p idleClosed) Check(ctx context.Context) (providers.AccountInfo, error) {
	defer p.Close()
	return p.Provider.Check(ctx)
}

func (p idleClosed) List(ctx context.Context, emit func(providers.VM) error) error {
	defer p.Close()
	return p.Provider.List(ctx, emit)
}

func (p idleClosed) Power(ctx context.Context, id string, a providers.Action) error {
	defer p.Close()
	return p.Provider.Power(ctx, id, a)
}

// Answers of a real LXD 5.0.2 (the daemon of TestRealDaemon), recorded with
// LXD_UPDATE_TESTDATA=1.
const (
	recordedInstances = "testdata/instances-5.0.2.json"
	recordedServer    = "testdata/server-5.0.2.json"
)
