package headscalefake_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/headscale/headscalefake"
)

// The zero value must satisfy the interface and work without New.
var _ headscale.Client = new(headscalefake.Fake)

func TestKeysAreFullOnceAndMaskedInLists(t *testing.T) {
	var f headscalefake.Fake // zero value
	ctx := context.Background()
	u, err := f.CreateUser(ctx, "alice", "", "")
	if err != nil {
		t.Fatal(err)
	}
	k, err := f.CreatePreAuthKey(ctx, headscale.KeyRequest{UserID: u.ID, Reusable: true, Expiration: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(k.Key, headscalefake.KeyPrefix) || len(k.Key) < 40 || k.User != "alice" || !k.Reusable {
		t.Fatalf("created key = %+v, want a full hskey-auth- key of alice, reusable", k)
	}
	keys, err := f.ListPreAuthKeys(ctx)
	if err != nil || len(keys) != 1 {
		t.Fatalf("ListPreAuthKeys = %+v, %v; want one key", keys, err)
	}
	secret := k.Key[strings.LastIndex(k.Key, "-")+1:]
	if keys[0].Key == k.Key || strings.Contains(keys[0].Key, secret) {
		t.Fatalf("listed key %q is not masked (full %q)", keys[0].Key, k.Key)
	}
	if !strings.HasSuffix(keys[0].Key, "-***") || !strings.HasPrefix(k.Key, strings.TrimSuffix(keys[0].Key, "***")) {
		t.Errorf("listed key %q, want the full key's prefix then ***", keys[0].Key)
	}
	if full, ok := f.FullKey(k.ID); !ok || full != k.Key {
		t.Errorf("FullKey(%d) = %q, %v; want the created key", k.ID, full, ok)
	}
	if f.Calls("CreatePreAuthKey") != 1 || f.Calls("ListPreAuthKeys") != 1 || f.Calls("DeleteNode") != 0 {
		t.Errorf("calls: create %d, list %d, delete node %d; want 1, 1, 0",
			f.Calls("CreatePreAuthKey"), f.Calls("ListPreAuthKeys"), f.Calls("DeleteNode"))
	}
}

func TestRules(t *testing.T) {
	f := headscalefake.New()
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	for name, err := range map[string]error{
		"bad tag":          second(f.CreatePreAuthKey(ctx, headscale.KeyRequest{Tags: []string{"tag:Web"}, Expiration: exp})),
		"no user nor tags": second(f.CreatePreAuthKey(ctx, headscale.KeyRequest{Expiration: exp})),
		"past expiration":  second(f.CreatePreAuthKey(ctx, headscale.KeyRequest{Tags: []string{"tag:web"}, Expiration: time.Now().Add(-time.Minute)})),
		"set bad tag":      second(f.SetTags(ctx, f.AddNode(headscale.Node{Name: "n"}).ID, []string{"web"})),
	} {
		if !errors.Is(err, headscale.ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument", name, err)
		}
	}
	if _, err := f.CreatePreAuthKey(ctx, headscale.KeyRequest{Tags: []string{"tag:web-1"}, Expiration: exp}); err != nil {
		t.Errorf("tagged key: %v", err)
	}
	if _, err := f.CreateUser(ctx, "bob", "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.CreateUser(ctx, "bob", "", ""); !errors.Is(err, headscale.ErrConflict) {
		t.Errorf("duplicate user: err = %v, want ErrConflict", err)
	}
}

func TestMissingIDsAreNotFound(t *testing.T) {
	f := headscalefake.New()
	ctx := context.Background()
	n := f.AddNode(headscale.Node{Name: "web-01"})
	if n.ID == 0 || len(n.IPAddresses) == 0 {
		t.Fatalf("AddNode = %+v, want an ID and an address", n)
	}
	for name, err := range map[string]error{
		"GetNode":    second(f.GetNode(ctx, n.ID+100)),
		"DeleteNode": f.DeleteNode(ctx, n.ID+100),
		"RenameNode": second(f.RenameNode(ctx, n.ID+100, "x")),
		"DeleteKey":  f.DeletePreAuthKey(ctx, 999),
		"Register":   second(f.RegisterPending(ctx, "nosuchauthid", "alice")),
	} {
		var he *headscale.Error
		if !errors.Is(err, headscale.ErrNotFound) || !errors.As(err, &he) {
			t.Errorf("%s: err = %#v, want an *headscale.Error wrapping ErrNotFound", name, err)
		}
	}
	if err := f.DeleteNode(ctx, n.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.GetNode(ctx, n.ID); !errors.Is(err, headscale.ErrNotFound) {
		t.Errorf("GetNode after delete: err = %v, want ErrNotFound", err)
	}
}

func TestDownAndFail(t *testing.T) {
	f := headscalefake.New()
	ctx := context.Background()
	f.SetDown(true)
	if err := f.Health(ctx); !errors.Is(err, headscale.ErrUnavailable) {
		t.Errorf("Health while down: %v, want ErrUnavailable", err)
	}
	if _, err := f.ListNodes(ctx); !errors.Is(err, headscale.ErrUnavailable) {
		t.Errorf("ListNodes while down: %v, want ErrUnavailable", err)
	}
	f.SetDown(false)
	if err := f.Health(ctx); err != nil {
		t.Errorf("Health after SetDown(false): %v", err)
	}
	boom := &headscale.Error{Op: "ListUsers", Kind: headscale.ErrUnauthenticated, Message: "invalid token", Err: errors.New("x")}
	f.Fail("ListUsers", boom)
	if _, err := f.ListUsers(ctx); err != boom {
		t.Errorf("ListUsers with Fail: %v, want the injected error", err)
	}
	f.Fail("ListUsers", nil)
	if _, err := f.ListUsers(ctx); err != nil {
		t.Errorf("ListUsers after Fail(nil): %v", err)
	}
	if got := f.Calls("ListUsers"); got != 2 {
		t.Errorf("Calls(ListUsers) = %d, want 2", got)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := f.Health(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Health with canceled context: %v, want context.Canceled", err)
	}
}

func TestPendingAndRoutes(t *testing.T) {
	f := headscalefake.New()
	ctx := context.Background()
	if _, err := f.CreateUser(ctx, "alice", "", ""); err != nil {
		t.Fatal(err)
	}
	f.AddPending("AbCdEf123456", "laptop")
	n, err := f.RegisterPending(ctx, "AbCdEf123456", "alice")
	if err != nil || n.Name != "laptop" || n.User != "alice" || n.UserID == 0 {
		t.Fatalf("RegisterPending = %+v, %v; want laptop of alice", n, err)
	}
	if f.Pending("AbCdEf123456") {
		t.Error("the machine still waits after RegisterPending")
	}
	n = f.AddNode(headscale.Node{ID: n.ID, Name: "laptop", User: "alice", AvailableRoutes: []string{"10.0.0.0/24"}})
	n, err = f.SetApprovedRoutes(ctx, n.ID, []string{"10.0.0.0/24", "0.0.0.0/0"})
	if err != nil || len(n.ApprovedRoutes) != 2 || len(n.SubnetRoutes) != 1 {
		t.Fatalf("SetApprovedRoutes = %+v, %v", n, err)
	}
	if _, err := f.SetApprovedRoutes(ctx, n.ID, []string{"nonsense"}); !errors.Is(err, headscale.ErrInvalidArgument) {
		t.Errorf("bad route: %v, want ErrInvalidArgument", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	f := headscalefake.New()
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			n := f.AddNode(headscale.Node{Name: "n"})
			_, _ = f.ListNodes(ctx)
			_, _ = f.SetTags(ctx, n.ID, []string{"tag:a"})
			_, _ = f.CreateUser(ctx, "u"+string(rune('a'+i)), "", "")
		})
	}
	wg.Wait()
	nodes, _ := f.ListNodes(ctx)
	users, _ := f.ListUsers(ctx)
	if len(nodes) != 8 || len(users) != 8 {
		t.Errorf("%d nodes, %d users; want 8 each", len(nodes), len(users))
	}
	for i := 1; i < len(nodes); i++ {
		if nodes[i-1].ID >= nodes[i].ID {
			t.Fatalf("ListNodes not sorted by unique ID: %d then %d", nodes[i-1].ID, nodes[i].ID)
		}
	}
}

func second[T any](_ T, err error) error { return err }
