package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/neogenesys/console/internal/store"
)

func newCloud(t *testing.T, s store.Store, name string) store.CloudAccount {
	t.Helper()
	a, err := s.CreateCloudAccount(context.Background(), store.CloudAccount{Name: name, Kind: "aws", Config: "{}"},
		func(int64) (string, error) { return "", nil })
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func testInventoryVMs(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := newCloud(t, s, "a"), newCloud(t, s, "b")
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	saved, err := s.SaveVMs(ctx, []store.StoredVM{
		{CloudID: a.ID, ProviderID: "i-1", Data: `{"name":"one"}`, FirstSeen: t0, LastSeen: t0},
		{CloudID: a.ID, ProviderID: "i-2", Data: `{"name":"two"}`, FirstSeen: t0, LastSeen: t0},
		{CloudID: b.ID, ProviderID: "i-1", Data: `{"name":"other one"}`, FirstSeen: t0, LastSeen: t0},
	})
	if err != nil || len(saved) != 3 || saved[0].ID == 0 || saved[0].ID == saved[2].ID {
		t.Fatalf("SaveVMs = %+v, %v", saved, err)
	}
	// An update keeps the ID and the first sighting.
	t1 := t0.Add(time.Hour)
	up, err := s.SaveVMs(ctx, []store.StoredVM{{CloudID: a.ID, ProviderID: "i-1", Data: `{"name":"uno"}`, FirstSeen: t1, LastSeen: t1, GoneAt: t1}})
	if err != nil || up[0].ID != saved[0].ID || !up[0].FirstSeen.Equal(t0) || !up[0].GoneAt.Equal(t1) || up[0].Data != `{"name":"uno"}` {
		t.Fatalf("update = %+v, %v", up, err)
	}
	if err := s.DeleteVMs(ctx, []int64{saved[1].ID, 999999}); err != nil {
		t.Fatal(err)
	}
	all, err := s.ListVMs(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("ListVMs = %+v, %v", all, err)
	}
	// Removing an account removes its VMs.
	if err := s.DeleteCloudAccount(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if all, _ := s.ListVMs(ctx); len(all) != 1 || all[0].ProviderID != "i-1" || all[0].CloudID != a.ID {
		t.Fatalf("after deleting account b: %+v", all)
	}
}

func testSyncRuns(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, other := newCloud(t, s, "a"), newCloud(t, s, "other")
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	for i := range 5 {
		// Another account's runs interleave: ids are not per account.
		for range 4 {
			if _, err := s.AppendSyncRun(ctx, store.SyncRun{CloudID: other.ID, StartedAt: t0, EndedAt: t0}, 3); err != nil {
				t.Fatal(err)
			}
		}
		errText := ""
		if i == 3 {
			errText = "throttled"
		}
		if _, err := s.AppendSyncRun(ctx, store.SyncRun{CloudID: a.ID, StartedAt: t0.Add(time.Duration(i) * time.Minute),
			EndedAt: t0.Add(time.Duration(i)*time.Minute + time.Second), VMs: i, Error: errText}, 3); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := s.ListSyncRuns(ctx, a.ID, 10)
	if err != nil || len(runs) != 3 || runs[0].VMs != 4 || runs[1].Error != "throttled" || !runs[2].StartedAt.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("ListSyncRuns = %+v, %v (want the newest 3, newest first)", runs, err)
	}
}

func testSaveManyVMs(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := newCloud(t, s, "big")
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	var vms []store.StoredVM
	for i := range 450 { // more than one statement's batch
		vms = append(vms, store.StoredVM{CloudID: a.ID, ProviderID: fmt.Sprintf("i-%04d", 449-i), Data: fmt.Sprintf(`{"n":%d}`, i), FirstSeen: t0, LastSeen: t0})
	}
	saved, err := s.SaveVMs(ctx, vms)
	if err != nil || len(saved) != 450 {
		t.Fatalf("SaveVMs(450) = %d, %v", len(saved), err)
	}
	for i, v := range saved {
		if v.ProviderID != vms[i].ProviderID || v.Data != vms[i].Data || v.ID == 0 {
			t.Fatalf("row %d came back as %+v, want %s", i, v, vms[i].ProviderID)
		}
	}
	if _, err := s.SaveVMs(ctx, []store.StoredVM{vms[0], vms[0]}); err == nil {
		t.Error("a VM given twice was accepted")
	}
}
