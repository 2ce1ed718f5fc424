package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/neogenesys/console/internal/store"
)

const (
	writers          = 8
	appendsPerWriter = 50
	concurrencyLimit = 2 * time.Minute // bounds each concurrent test
)

// runWriters runs fn(ctx, w) for each writer w concurrently and returns the
// errors they reported.
func runWriters(t *testing.T, fn func(ctx context.Context, w int) error) []error {
	ctx, cancel := context.WithTimeout(t.Context(), concurrencyLimit)
	defer cancel()
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() { errs[w] = fn(ctx, w) })
	}
	wg.Wait()
	return errs
}

func testConcurrentAuditWriters(t *testing.T, s store.Store) {
	ids := make([][]int64, writers)
	start := time.Now()
	errs := runWriters(t, func(ctx context.Context, w int) error {
		for i := range appendsPerWriter {
			e, err := s.AppendAudit(ctx, store.AuditEntry{
				Username: fmt.Sprintf("writer%d", w), Action: "concurrent.append", Target: fmt.Sprint(i),
			})
			if err != nil {
				return fmt.Errorf("writer %d, append %d: %w", w, i, err)
			}
			ids[w] = append(ids[w], e.ID)
		}
		return nil
	})
	for _, err := range errs {
		ok(t, err, "concurrent AppendAudit")
	}
	t.Logf("%d concurrent appends in %v", writers*appendsPerWriter, time.Since(start))

	seen := map[int64]bool{}
	for _, w := range ids {
		for _, id := range w {
			if seen[id] {
				t.Errorf("ID %d returned twice", id)
			}
			seen[id] = true
		}
	}
	list, err := s.ListAudit(t.Context(), store.AuditFilter{Action: "concurrent.append", Limit: store.MaxAuditLimit})
	ok(t, err, "ListAudit")
	if len(list) != writers*appendsPerWriter {
		t.Errorf("ListAudit returned %d entries, want %d", len(list), writers*appendsPerWriter)
	}
	for _, e := range list {
		if !seen[e.ID] {
			t.Errorf("listed entry %d was not returned by AppendAudit", e.ID)
		}
	}
	for w := range writers {
		mine, err := s.ListAudit(t.Context(), store.AuditFilter{Username: fmt.Sprintf("writer%d", w)})
		ok(t, err, "ListAudit")
		if len(mine) != appendsPerWriter {
			t.Errorf("writer %d has %d entries, want %d", w, len(mine), appendsPerWriter)
		}
	}
}

// testConcurrentMixed runs whole account lifecycles side by side: reads,
// single-statement writes, upserts of one setting and DeleteUser's
// transaction.
func testConcurrentMixed(t *testing.T, s store.Store) {
	errs := runWriters(t, func(ctx context.Context, w int) error {
		for i := range 10 {
			if err := lifecycle(ctx, s, fmt.Sprintf("user-%d-%d", w, i)); err != nil {
				return fmt.Errorf("writer %d, round %d: %w", w, i, err)
			}
			if err := s.PutSetting(ctx, "shared", fmt.Sprintf("%d/%d", w, i)); err != nil {
				return fmt.Errorf("writer %d: %w", w, err)
			}
		}
		return nil
	})
	for _, err := range errs {
		ok(t, err, "concurrent lifecycle")
	}
	n, err := s.CountUsers(t.Context(), "")
	ok(t, err, "CountUsers")
	if n != 0 {
		t.Errorf("%d users left, want 0", n)
	}
	if _, err := s.GetSetting(t.Context(), "shared"); err != nil {
		t.Errorf("GetSetting: %v", err)
	}
}

func lifecycle(ctx context.Context, s store.Store, name string) error {
	u, err := s.CreateUser(ctx, store.User{Username: name, Role: store.RoleViewer})
	if err != nil {
		return err
	}
	if err := s.CreateSession(ctx, store.Session{IDHash: "s-" + name, UserID: u.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		return err
	}
	if _, err := s.GetSession(ctx, "s-"+name); err != nil {
		return err
	}
	tok, err := s.CreateToken(ctx, store.Token{UserID: u.ID, Name: "t", Hash: "h-" + name})
	if err != nil {
		return err
	}
	if err := s.TouchToken(ctx, tok.ID, time.Now()); err != nil {
		return err
	}
	u.Role = store.RoleOperator
	if _, err := s.UpdateUser(ctx, u); err != nil {
		return err
	}
	if _, err := s.AppendAudit(ctx, store.AuditEntry{UserID: u.ID, Username: name, Action: "user.update"}); err != nil {
		return err
	}
	if _, err := s.ListUsers(ctx); err != nil {
		return err
	}
	return s.DeleteUser(ctx, u.ID)
}
