package headscale_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/headscale/headscaletest"
)

func TestGRPCAgainstRealHeadscale(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real headscale; run without -short (make test does)")
	}
	hs := headscaletest.Start(t, headscaletest.WithTCPGRPC())
	ctx := context.Background()
	c := hs.Client

	u, err := c.CreateUser(ctx, "alice", "Alice", "")
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if _, err := c.CreateUser(ctx, "alice", "", ""); err == nil {
		t.Errorf("CreateUser twice: want an error")
	}

	t.Run("keys", func(t *testing.T) {
		k, err := c.CreatePreAuthKey(ctx, headscale.KeyRequest{UserID: u.ID, Reusable: true, Expiration: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatalf("CreatePreAuthKey: %v", err)
		}
		if !strings.HasPrefix(k.Key, "hskey-auth-") || k.User != "alice" || !k.Reusable {
			t.Errorf("CreatePreAuthKey = %+v, want a full hskey-auth- key for alice, reusable", k)
		}
		tagged, err := c.CreatePreAuthKey(ctx, headscale.KeyRequest{Tags: []string{"tag:web"}, Expiration: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatalf("CreatePreAuthKey tagged: %v", err)
		}
		keys, err := c.ListPreAuthKeys(ctx)
		if err != nil {
			t.Fatalf("ListPreAuthKeys: %v", err)
		}
		if len(keys) != 2 {
			t.Fatalf("ListPreAuthKeys = %d keys, want 2", len(keys))
		}
		for _, lk := range keys {
			if lk.Key == k.Key {
				t.Errorf("ListPreAuthKeys shows the full key %q; want it masked", lk.Key)
			}
		}
		if err := c.ExpirePreAuthKey(ctx, k.ID); err != nil {
			t.Fatalf("ExpirePreAuthKey: %v", err)
		}
		if err := c.DeletePreAuthKey(ctx, tagged.ID); err != nil {
			t.Fatalf("DeletePreAuthKey: %v", err)
		}
		for _, bad := range []headscale.KeyRequest{
			{UserID: u.ID}, // no expiration: dead on arrival
			{UserID: u.ID, Expiration: time.Now().Add(-time.Hour)}, // in the past
			{Expiration: time.Now().Add(time.Hour)},                // neither user nor tags
		} {
			if _, err := c.CreatePreAuthKey(ctx, bad); !errors.Is(err, headscale.ErrInvalidArgument) {
				t.Errorf("CreatePreAuthKey(%+v) error = %v, want ErrInvalidArgument", bad, err)
			}
		}
	})

	t.Run("errors map to sentinels", func(t *testing.T) {
		if _, err := c.GetNode(ctx, 999999); !errors.Is(err, headscale.ErrNotFound) {
			t.Errorf("GetNode(missing) error = %v, want ErrNotFound", err)
		}
		if err := c.DeleteNode(ctx, 999999); !errors.Is(err, headscale.ErrNotFound) {
			t.Errorf("DeleteNode(missing) error = %v, want ErrNotFound", err)
		}
		if err := c.ApprovePending(ctx, "not-an-auth-id"); !errors.Is(err, headscale.ErrInvalidArgument) {
			t.Errorf("ApprovePending(bad id) error = %v, want ErrInvalidArgument", err)
		}
		if err := c.CheckPolicy(ctx, `{"acls": [`); !errors.Is(err, headscale.ErrInvalidArgument) {
			t.Errorf("CheckPolicy(broken) error = %v, want ErrInvalidArgument", err)
		}
	})

	t.Run("policy", func(t *testing.T) {
		doc := `{"acls":[{"action":"accept","src":["*"],"dst":["*:*"]}]}`
		if err := c.CheckPolicy(ctx, doc); err != nil {
			t.Fatalf("CheckPolicy: %v", err)
		}
		if _, err := c.SetPolicy(ctx, doc); err != nil {
			t.Fatalf("SetPolicy: %v", err)
		}
		p, err := c.GetPolicy(ctx)
		if err != nil || !strings.Contains(p.Policy, "accept") {
			t.Fatalf("GetPolicy = %+v, %v; want the policy just set", p, err)
		}
	})

	t.Run("api key over TCP", func(t *testing.T) {
		key := hs.APIKey(t)
		tcp, err := headscale.Dial(headscale.DialConfig{Address: hs.Config.GRPCAddr, APIKey: key, Insecure: true, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer tcp.Close()
		if _, err := tcp.ListUsers(ctx); err != nil {
			t.Fatalf("ListUsers with a good key: %v", err)
		}
		for _, bad := range []string{"garbage", key[:len(key)-4] + "aaaa"} {
			badc, err := headscale.Dial(headscale.DialConfig{Address: hs.Config.GRPCAddr, APIKey: bad, Insecure: true, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := badc.ListUsers(ctx); !errors.Is(err, headscale.ErrUnauthenticated) {
				t.Errorf("ListUsers with key %q: error = %v, want ErrUnauthenticated", bad[:4], err)
			}
			badc.Close()
		}
	})

	t.Run("restart after crash", func(t *testing.T) {
		if err := hs.Supervisor.Kill(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		sawDown := false
		for time.Now().Before(deadline) {
			err := c.Health(ctx)
			if err != nil {
				sawDown = true
				if !errors.Is(err, headscale.ErrUnavailable) {
					t.Fatalf("Health while down = %v, want ErrUnavailable", err)
				}
			} else if sawDown || hs.Supervisor.Status().Restarts > 0 {
				if st := hs.Supervisor.Status(); st.Restarts != 1 {
					t.Errorf("Restarts = %d, want 1", st.Restarts)
				}
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("headscale did not come back within 30s: %+v", hs.Supervisor.Status())
	})
}

func TestDialRefusesPlainTCPToRemote(t *testing.T) {
	tests := []struct {
		name string
		cfg  headscale.DialConfig
		want string
	}{
		{"remote insecure", headscale.DialConfig{Address: "10.1.2.3:50443", APIKey: "k", Insecure: true}, "only to loopback"},
		{"no key over tcp", headscale.DialConfig{Address: "127.0.0.1:50443", Insecure: true}, "API key is required"},
		{"no port", headscale.DialConfig{Address: "headscale.example", APIKey: "k"}, "host:port"},
		{"empty socket", headscale.DialConfig{Address: "unix://"}, "empty socket path"},
		{"missing CA", headscale.DialConfig{Address: "hs.example:443", APIKey: "k", CAFile: "/nonexistent/ca.pem"}, "CA file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := headscale.Dial(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Dial(%+v) error = %v, want one containing %q", tt.cfg, err, tt.want)
			}
		})
	}
	for _, ok := range []string{"127.0.0.1:50443", "[::1]:50443", "localhost:50443"} {
		c, err := headscale.Dial(headscale.DialConfig{Address: ok, APIKey: "k", Insecure: true})
		if err != nil {
			t.Errorf("Dial(%s insecure) = %v, want allowed", ok, err)
			continue
		}
		c.Close()
	}
}
