// Package storetest is the behavioural test suite that every store.Store
// implementation must pass, so that SQLite and PostgreSQL are checked alike.
//
// Call Run from a test of the implementation:
//
//	func TestSQLite(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { ... open a fresh, empty store ... })
//	}
package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/neogenesys/console/internal/store"
)

// Run runs the suite. Each subtest calls open for a fresh, empty store and
// closes it when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Ping", testPing},
		{"Users/CreateAndGet", testCreateAndGetUser},
		{"Users/CreateInvalid", testCreateInvalidUser},
		{"Users/NamesStoredVerbatim", testUsernamesVerbatim},
		{"Users/List", testListUsers},
		{"Users/Update", testUpdateUser},
		{"Users/Delete", testDeleteUser},
		{"Users/Count", testCountUsers},
		{"Sessions/CreateAndGet", testCreateAndGetSession},
		{"Sessions/Expiry", testSessionExpiry},
		{"Sessions/Touch", testTouchSession},
		{"Sessions/Delete", testDeleteSessions},
		{"Tokens/CreateAndGet", testCreateAndGetToken},
		{"Tokens/Conflicts", testTokenConflicts},
		{"Tokens/List", testListTokens},
		{"Tokens/RevokeAndTouch", testRevokeAndTouchToken},
		{"Audit/Append", testAppendAudit},
		{"Audit/Filters", testAuditFilters},
		{"Audit/Paging", testAuditPaging},
		{"Audit/Limits", testAuditLimits},
		{"MintedKeys", testMintedKeys},
		{"Settings", testSettings},
		{"CloudAccounts", testCloudAccounts},
		{"Inventory/VMs", testInventoryVMs},
		{"Inventory/SyncRuns", testSyncRuns},
		{"Inventory/SaveMany", testSaveManyVMs},
		{"InstallLinks", testInstallLinks},
		{"Times", testTimes},
		{"Concurrent/AuditWriters", testConcurrentAuditWriters},
		{"Concurrent/Mixed", testConcurrentMixed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

func testPing(t *testing.T, s store.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// base is a fixed instant with sub-millisecond digits, outside UTC, to check
// that times come back truncated to milliseconds and in UTC.
var base = time.Date(2025, 3, 14, 15, 9, 26, 535_897_932, time.FixedZone("IST", 5*3600+1800))

// stored is t as the store keeps it: milliseconds, UTC.
func stored(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Truncate(time.Millisecond).UTC()
}

// ok fails the test at once when err is not nil.
func ok(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantErr fails the test unless errors.Is(err, target).
func wantErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want %v", what, err, target)
	}
}

// same reports a difference between want and got; time.Time fields compare
// with Equal.
func same(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// inUTC checks that every non-zero time is in UTC.
func inUTC(t *testing.T, what string, times ...time.Time) {
	t.Helper()
	for i, tm := range times {
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Errorf("%s: time #%d %v is in %v, want UTC", what, i, tm, tm.Location())
		}
	}
}

// recent checks that tm lies within a minute of now.
func recent(t *testing.T, what string, tm time.Time) {
	t.Helper()
	if d := time.Since(tm); d < -time.Minute || d > time.Minute {
		t.Errorf("%s = %v, want about now", what, tm)
	}
}

func createUser(t *testing.T, s store.Store, name string, role store.Role) store.User {
	t.Helper()
	u, err := s.CreateUser(t.Context(), store.User{Username: name, Role: role, PasswordHash: "hash-of-" + name})
	ok(t, err, "CreateUser "+name)
	return u
}
