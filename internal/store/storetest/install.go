package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/neogenesys/console/internal/store"
)

func testInstallLinks(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	link := store.InstallLink{TokenHash: "h1", SealedKey: "v1:sealed", LoginServer: "https://hs.example", Hostname: "web-1",
		VMKey: 7, CreatedAt: now, ExpiresAt: now.Add(time.Hour), CreatedBy: "ada"}
	if err := s.CreateInstallLink(ctx, link); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateInstallLink(ctx, store.InstallLink{TokenHash: "h2", SealedKey: "x", LoginServer: "x",
		ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	// Two racing uses: exactly one wins.
	var wg sync.WaitGroup
	results := make([]error, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := s.UseInstallLink(ctx, "h1", now.Add(time.Minute))
			if err == nil && (got.SealedKey != "v1:sealed" || got.VMKey != 7 || got.Hostname != "web-1") {
				err = errors.New("wrong link returned")
			}
			results[i] = err
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range results {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrGone):
			t.Errorf("losing use = %v, want ErrGone", err)
		}
	}
	if wins != 1 {
		t.Errorf("%d uses won, want exactly 1", wins)
	}
	if _, err := s.UseInstallLink(ctx, "h2", now.Add(2*time.Minute)); !errors.Is(err, store.ErrGone) {
		t.Errorf("expired link = %v, want ErrGone", err)
	}
	if _, err := s.UseInstallLink(ctx, "nope", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown link = %v, want ErrNotFound", err)
	}

	for i, purpose := range []string{"vm:1", "register:web", "vm:2"} {
		if err := s.RecordMintedKey(ctx, store.MintedKey{HeadscaleKeyID: uint64(100 + i), Purpose: purpose,
			ExpiresAt: now.Add(time.Hour), CreatedAt: now.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := s.ListMintedKeys(ctx, "vm:")
	if err != nil || len(keys) != 2 || keys[0].Purpose != "vm:1" || keys[1].HeadscaleKeyID != 102 {
		t.Errorf("ListMintedKeys(vm:) = %+v, %v", keys, err)
	}
}
