package storetest

import (
	"math"
	"testing"
	"time"

	"github.com/neogenesys/console/internal/store"
)

func testMintedKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	keys := []store.MintedKey{
		{
			HeadscaleKeyID: 17, HeadscaleUser: "", Tags: []string{"tag:web", "tag:prod", `tag:"odd" ü`},
			Reusable: true, Ephemeral: false, ExpiresAt: base.Add(time.Hour), CreatedAt: base,
			CreatedBy: "alice", Purpose: "register:web-01",
		},
		{
			HeadscaleKeyID: 18, HeadscaleUser: "ops", Reusable: false, Ephemeral: true,
			ExpiresAt: base.Add(time.Hour), CreatedAt: base, CreatedBy: "system", Purpose: "vm:aws/i-123",
		},
		{HeadscaleKeyID: math.MaxUint64, HeadscaleUser: "max", CreatedAt: base},
		{HeadscaleKeyID: 1 << 63, HeadscaleUser: "high bit", CreatedAt: base},
		{HeadscaleKeyID: 0, HeadscaleUser: "zero", CreatedAt: base},
	}
	for _, k := range keys {
		ok(t, s.RecordMintedKey(ctx, k), "RecordMintedKey")
	}
	for _, k := range keys {
		got, err := s.GetMintedKey(ctx, k.HeadscaleKeyID)
		ok(t, err, "GetMintedKey")
		want := k
		want.ExpiresAt, want.CreatedAt = stored(k.ExpiresAt), stored(k.CreatedAt)
		same(t, "GetMintedKey", want, got)
		inUTC(t, "GetMintedKey", got.ExpiresAt, got.CreatedAt)
	}

	ok(t, s.RecordMintedKey(ctx, store.MintedKey{HeadscaleKeyID: 19, Tags: []string{}}), "RecordMintedKey defaults")
	got, err := s.GetMintedKey(ctx, 19)
	ok(t, err, "GetMintedKey")
	if got.Tags != nil {
		t.Errorf("empty Tags read back as %#v, want nil", got.Tags)
	}
	recent(t, "default CreatedAt", got.CreatedAt)
	if !got.ExpiresAt.IsZero() {
		t.Errorf("zero ExpiresAt read back as %v", got.ExpiresAt)
	}

	wantErr(t, s.RecordMintedKey(ctx, store.MintedKey{HeadscaleKeyID: 17}), store.ErrConflict, "RecordMintedKey duplicate")
	_, err = s.GetMintedKey(ctx, 20)
	wantErr(t, err, store.ErrNotFound, "GetMintedKey unknown")
}

func testSettings(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, err := s.GetSetting(ctx, "theme")
	wantErr(t, err, store.ErrNotFound, "GetSetting unset")

	for _, step := range []struct{ key, value string }{
		{"theme", "dark"},
		{"theme", "light"}, // upsert
		{"empty", ""},
		{"ключ 'quoted'", `{"json":"välue","n":1}`},
	} {
		ok(t, s.PutSetting(ctx, step.key, step.value), "PutSetting")
		got, err := s.GetSetting(ctx, step.key)
		ok(t, err, "GetSetting")
		if got != step.value {
			t.Errorf("GetSetting(%q) = %q, want %q", step.key, got, step.value)
		}
	}
	got, err := s.GetSetting(ctx, "theme")
	ok(t, err, "GetSetting")
	if got != "light" {
		t.Errorf("GetSetting(theme) = %q after other puts, want %q", got, "light")
	}
	_, err = s.GetSetting(ctx, "Theme")
	wantErr(t, err, store.ErrNotFound, "GetSetting is case-sensitive")
}

// testTimes round-trips instants through every kind of time column: they
// come back truncated to milliseconds, in UTC, whatever their location.
func testTimes(t *testing.T, s store.Store) {
	ctx := t.Context()
	instants := []time.Time{
		base,
		time.Date(2024, 2, 29, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(2030, 1, 1, 0, 0, 0, 1_000_000, time.FixedZone("west", -7*3600)),
		time.Date(1969, 12, 31, 23, 59, 59, 500_000_000, time.UTC), // before the epoch
		time.Date(9999, 12, 31, 23, 59, 59, 999_000_000, time.UTC),
		time.Now(), // carries a monotonic reading
	}
	u := createUser(t, s, "timekeeper", store.RoleViewer)
	for i, tm := range instants {
		want := stored(tm)

		e, err := s.AppendAudit(ctx, store.AuditEntry{Time: tm, Action: "time.check"})
		ok(t, err, "AppendAudit")
		list, err := s.ListAudit(ctx, store.AuditFilter{BeforeID: e.ID + 1, Limit: 1})
		ok(t, err, "ListAudit")

		tok, err := s.CreateToken(ctx, store.Token{UserID: u.ID, Name: tm.String(), Hash: tm.String(), CreatedAt: tm, ExpiresAt: tm})
		ok(t, err, "CreateToken")
		tok, err = s.GetToken(ctx, tok.ID)
		ok(t, err, "GetToken")

		id := uint64(1000 + i)
		ok(t, s.RecordMintedKey(ctx, store.MintedKey{HeadscaleKeyID: id, ExpiresAt: tm, CreatedAt: tm}), "RecordMintedKey")
		key, err := s.GetMintedKey(ctx, id)
		ok(t, err, "GetMintedKey")

		for _, got := range []time.Time{e.Time, list[0].Time, tok.CreatedAt, tok.ExpiresAt, key.ExpiresAt, key.CreatedAt} {
			if !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("%v came back as %v, want %v", tm, got, want)
			}
		}
	}
}
