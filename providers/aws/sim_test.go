package aws

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/neogenesys/console/providers"
	"github.com/neogenesys/console/providers/sim"
	"github.com/neogenesys/console/providers/sim/ec2sim"
)

// simEnv is an ec2sim server on 127.0.0.1 with a populated fleet.
type simEnv struct {
	fleet *sim.Fleet
	sim   *ec2sim.Server
	url   string
}

// Tests run the server without keep-alive: the conformance suite's leak check
// sees idle pooled connections (a client readLoop parked in netpoll, the
// server's conn.serve) as leaked goroutines. The benchmark keeps them.
func newSimEnv(tb testing.TB, n int, opts ec2sim.Options) *simEnv {
	tb.Helper()
	fleet := sim.NewFleet()
	fleet.Transition = 200 * time.Millisecond
	ec2sim.Populate(fleet, n, 1)
	s := ec2sim.New(fleet, opts)
	hs := httptest.NewUnstartedServer(s)
	if _, bench := tb.(*testing.B); !bench {
		hs.Config.SetKeepAlivesEnabled(false)
	}
	hs.Start()
	tb.Cleanup(hs.Close)
	return &simEnv{fleet: fleet, sim: s, url: hs.URL}
}

// config is the adapter configuration the simulator hands out, decoded the
// way the console decodes an account's JSON, then changed by edit.
func (e *simEnv) config(tb testing.TB, edit func(*Config)) *Config {
	tb.Helper()
	b, err := json.Marshal(e.sim.AccountConfig(e.url, nil))
	if err != nil {
		tb.Fatal(err)
	}
	cfg := NewConfig()
	if err := json.Unmarshal(b, cfg); err != nil {
		tb.Fatal(err)
	}
	if edit != nil {
		edit(cfg)
	}
	return cfg
}

// provider makes a provider from the simulator's configuration, closed at
// the end of the test.
func (e *simEnv) provider(tb testing.TB, edit func(*Config)) *provider {
	tb.Helper()
	p, err := e.config(tb, edit).New("acct-1")
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() { p.(*provider).Close() })
	return p.(*provider)
}

func (e *simEnv) ids() []string {
	var ids []string
	for _, vm := range e.fleet.List(nil) {
		ids = append(ids, vm.ID)
	}
	return ids
}

func (e *simEnv) running() string {
	for _, vm := range e.fleet.List(nil) {
		if vm.State == sim.Running {
			return vm.ID
		}
	}
	return ""
}

var _ providers.Provider = (*provider)(nil)
