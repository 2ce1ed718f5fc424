package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/neogenesys/console/internal/store"
)

func testCloudAccounts(t *testing.T, s store.Store) {
	ctx := context.Background()
	seal := func(id int64) (string, error) { return "sealed-for-" + string(rune('0'+id)), nil }
	a, err := s.CreateCloudAccount(ctx, store.CloudAccount{Name: "prod", Kind: "aws", Config: `{"regions":["eu-west-1"]}`, CreatedBy: "alice", SecretNames: []string{"secretAccessKey"}}, seal)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if a.ID == 0 || a.Secrets != seal1(a.ID) || a.CreatedAt.IsZero() || a.CreatedBy != "alice" || len(a.SecretNames) != 1 {
		t.Fatalf("created %+v", a)
	}
	if _, err := s.CreateCloudAccount(ctx, store.CloudAccount{Name: "prod", Kind: "gcp", Config: "{}"}, seal); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate name: %v, want ErrConflict", err)
	}
	// A failing seal leaves nothing behind.
	boom := errors.New("boom")
	if _, err := s.CreateCloudAccount(ctx, store.CloudAccount{Name: "half", Kind: "gcp", Config: "{}"},
		func(int64) (string, error) { return "", boom }); !errors.Is(err, boom) {
		t.Errorf("failing seal: %v", err)
	}
	b, err := s.CreateCloudAccount(ctx, store.CloudAccount{Name: "lab", Kind: "lxd", Config: "{}"}, func(int64) (string, error) { return "", nil })
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.ListCloudAccounts(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "lab" || list[1].Name != "prod" {
		t.Fatalf("list = %+v, %v (want lab, prod; no half-made account)", list, err)
	}
	a.Name, a.Config, a.Secrets, a.SecretNames = "production", `{}`, "resealed", nil
	up, err := s.UpdateCloudAccount(ctx, a)
	if err != nil || up.Name != "production" || up.Secrets != "resealed" || up.Kind != "aws" || up.CreatedBy != "alice" || len(up.SecretNames) != 0 {
		t.Fatalf("update = %+v, %v", up, err)
	}
	got, err := s.GetCloudAccount(ctx, a.ID)
	if err != nil || got.Name != "production" || got.Config != "{}" {
		t.Fatalf("get after update = %+v, %v", got, err)
	}
	b.Name = "production"
	if _, err := s.UpdateCloudAccount(ctx, b); !errors.Is(err, store.ErrConflict) {
		t.Errorf("rename onto a taken name: %v, want ErrConflict", err)
	}
	if err := s.DeleteCloudAccount(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetCloudAccount(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get deleted: %v", err)
	}
	if err := s.DeleteCloudAccount(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
	if _, err := s.UpdateCloudAccount(ctx, a); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update deleted: %v", err)
	}
}

func seal1(id int64) string { return "sealed-for-" + string(rune('0'+id)) }
