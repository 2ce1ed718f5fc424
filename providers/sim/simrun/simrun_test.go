package simrun_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/providers"
	_ "github.com/neogenesys/console/providers/all"
	"github.com/neogenesys/console/providers/sim/simrun"
)

// Every simulator, served as cloudsim serves it, is reached by its adapter
// through the account config it advertises, and lists its whole fleet.
func TestEveryAdapterReachesItsSimulator(t *testing.T) {
	running, err := simrun.Start(simrun.Options{VMs: 40, Seed: 3, Transition: 50 * time.Millisecond},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer simrun.Stop(running)
	if len(running) != len(simrun.Kinds()) {
		t.Fatalf("started %d simulators, want %d", len(running), len(simrun.Kinds()))
	}
	for _, r := range running {
		t.Run(r.Kind, func(t *testing.T) {
			k, err := providers.Lookup(r.Kind)
			if err != nil {
				t.Fatal(err)
			}
			cfg := k.NewConfig()
			raw, _ := json.Marshal(r.Account)
			if err := json.Unmarshal(raw, cfg); err != nil {
				t.Fatalf("AccountConfig does not decode into the %s config: %v", r.Kind, err)
			}
			if err := cfg.Validate(); err != nil {
				t.Fatalf("AccountConfig is invalid: %v", err)
			}
			p, err := cfg.New("1")
			if err != nil {
				t.Fatal(err)
			}
			if c, ok := p.(io.Closer); ok {
				defer c.Close()
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := p.Check(ctx); err != nil {
				t.Fatalf("Check: %v", err)
			}
			n := 0
			if err := p.List(ctx, func(providers.VM) error { n++; return nil }); err != nil {
				t.Fatalf("List: %v", err)
			}
			// Proxmox templates are not VMs the console lists.
			if want := r.Fleet.Len(); n == 0 || n > want || (r.Kind != "proxmox" && n != want) {
				t.Errorf("listed %d VMs, fleet has %d", n, want)
			}
			// A wrong secret fails as an auth error that does not repeat it.
			const sentinel = "S3NT1NEL-wrong-secret"
			bad := k.NewConfig()
			_ = json.Unmarshal(raw, bad)
			replaced := false
			for name, f := range providers.SecretFields(bad) {
				if *f != "" && name != "credentialsJson" { // a key file, not a string secret
					*f, replaced = sentinel, true
				}
			}
			if !replaced {
				return
			}
			if bp, err := bad.New("1"); err == nil {
				_, err = bp.Check(ctx)
				if !errors.Is(err, providers.ErrAuth) || strings.Contains(err.Error(), sentinel) {
					t.Errorf("Check with a wrong secret = %v, want ErrAuth without the secret", err)
				}
			} else if strings.Contains(err.Error(), sentinel) {
				t.Errorf("New error shows the secret: %v", err)
			}
		})
	}
	if _, err := simrun.Start(simrun.Options{Host: "10.1.2.3"}, slog.Default()); err == nil {
		t.Error("a non-loopback address was accepted")
	}
}
