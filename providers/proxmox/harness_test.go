package proxmox

import (
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/neogenesys/console/providers/sim"
	"github.com/neogenesys/console/providers/sim/pvesim"
)

// harness is a simulated cluster served over TLS on 127.0.0.1.
type harness struct {
	sim *pvesim.Server
	srv *httptest.Server
	ca  []byte // the server's certificate, PEM
}

func newHarness(tb testing.TB, n int, opts pvesim.Options) *harness {
	tb.Helper()
	fleet := sim.NewFleet()
	fleet.Transition = 200 * time.Millisecond
	pvesim.Populate(fleet, n, 1)
	return serve(tb, fleet, opts)
}

func serve(tb testing.TB, fleet *sim.Fleet, opts pvesim.Options) *harness {
	tb.Helper()
	s := pvesim.New(fleet, opts)
	srv := httptest.NewUnstartedServer(s)
	// Refused certificates are the point of some tests; keep the server's
	// handshake complaints out of the output.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	tb.Cleanup(srv.Close)
	return &harness{sim: s, srv: srv, ca: harnessCA(srv)}
}

func harnessCA(srv *httptest.Server) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
}

// config is the sim's account config, changed by edit, decoded as the
// console decodes a stored one.
func (h *harness) config(tb testing.TB, edit func(map[string]any)) *Config {
	tb.Helper()
	m := h.sim.AccountConfig(h.srv.URL, h.ca)
	if edit != nil {
		edit(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	cfg := NewConfig()
	if err := json.Unmarshal(b, cfg); err != nil {
		tb.Fatal(err)
	}
	return cfg
}

func (h *harness) provider(tb testing.TB, edit func(map[string]any)) *Provider {
	tb.Helper()
	p, err := h.config(tb, edit).New("acct-pve")
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	pp := p.(*Provider)
	// The simulator runs in this process, so each idle keep-alive
	// connection is also a server goroutine, which the suite's leak check
	// would count: let idle connections go quickly.
	pp.transport.IdleConnTimeout = 100 * time.Millisecond
	tb.Cleanup(func() { _ = pp.Close() })
	return pp
}

// guests are the fleet's non-template guests as adapter ids, and how many
// of them run (each costs List one address request).
func (h *harness) guests() (ids []string, running int) {
	for _, vm := range h.sim.Fleet.List(nil) {
		if vm.Tags[pvesim.TagTemplate] != "" {
			continue
		}
		ids = append(ids, vm.Kind+"/"+vm.ID)
		if vm.State == sim.Running {
			running++
		}
	}
	return ids, running
}

// firstGuest returns the first non-template guest keep accepts.
func (h *harness) firstGuest(tb testing.TB, keep func(sim.VM) bool) sim.VM {
	tb.Helper()
	for _, vm := range h.sim.Fleet.List(nil) {
		if vm.Tags[pvesim.TagTemplate] == "" && keep(vm) {
			return vm
		}
	}
	tb.Fatal("no such guest in the fleet")
	return sim.VM{}
}
