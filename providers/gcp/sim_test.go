package gcp

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/neogenesys/console/providers"
	"github.com/neogenesys/console/providers/sim"
	"github.com/neogenesys/console/providers/sim/gcesim"
)

// simEnv is a gcesim server on a loopback port and what tests need of it.
type simEnv struct {
	fleet *sim.Fleet
	srv   *gcesim.Server
	ts    *httptest.Server
	ids   map[string]string // adapter VM id → fleet id
}

// newSimEnv serves n populated VMs. keepAlive false closes every connection
// after its response, so no idle server goroutine outlives a test.
func newSimEnv(t testing.TB, n int, opts gcesim.Options, keepAlive bool) *simEnv {
	t.Helper()
	fleet := sim.NewFleet()
	gcesim.Populate(fleet, n, 1)
	srv := gcesim.New(fleet, opts)
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.SetKeepAlivesEnabled(keepAlive)
	ts.Start()
	t.Cleanup(ts.Close)
	e := &simEnv{fleet: fleet, srv: srv, ts: ts, ids: map[string]string{}}
	for _, vm := range fleet.List(nil) {
		p, z, name := srv.Locate(vm)
		e.ids[vmID(p, z, name)] = vm.ID
	}
	return e
}

// config is the adapter configuration AccountConfig gives, decoded the way
// the console decodes a stored account.
func (e *simEnv) config(t testing.TB) *Config {
	t.Helper()
	b, err := json.Marshal(e.srv.AccountConfig(e.ts.URL, nil))
	if err != nil {
		t.Fatal(err)
	}
	cfg := NewConfig()
	if err := json.Unmarshal(b, cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// badKeyConfig is cfg with a key of the same service account the sim has
// never seen: its token endpoint answers invalid_grant.
func (e *simEnv) badKeyConfig(t testing.TB, cfg *Config) *Config {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	js, err := gcesim.KeyJSON(e.ts.URL+"/token", e.srv.Email(), "0123456789abcdef", key)
	if err != nil {
		t.Fatal(err)
	}
	bad := *cfg
	bad.CredentialsJSON = string(js)
	return &bad
}

func newProv(t testing.TB, cfg *Config) *Provider {
	t.Helper()
	p, err := cfg.New("acct-gcp")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { p.(*Provider).Close() })
	return p.(*Provider)
}

// listAll lists with p and returns the VMs by id.
func listAll(t testing.TB, p providers.Provider, timeout time.Duration) (map[string]providers.VM, error) {
	t.Helper()
	ctx, cancel := contextWithTimeout(timeout)
	defer cancel()
	got := map[string]providers.VM{}
	err := p.List(ctx, func(vm providers.VM) error {
		got[vm.ID] = vm
		return nil
	})
	return got, err
}
