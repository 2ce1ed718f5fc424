package storetest

import (
	"testing"
	"time"

	"github.com/neogenesys/console/internal/store"
)

func testCreateAndGetToken(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := createUser(t, s, "jack", store.RoleOperator)
	in := store.Token{
		UserID:    u.ID,
		Name:      "deploy bot",
		Prefix:    "nc_3f9a",
		Hash:      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		CreatedAt: base,
		ExpiresAt: base.Add(90 * 24 * time.Hour),
	}
	got, err := s.CreateToken(ctx, in)
	ok(t, err, "CreateToken")
	if got.ID <= 0 {
		t.Fatalf("CreateToken returned ID %d, want > 0", got.ID)
	}
	want := in
	want.ID, want.CreatedAt, want.ExpiresAt = got.ID, stored(in.CreatedAt), stored(in.ExpiresAt)
	same(t, "CreateToken result", want, got)
	inUTC(t, "CreateToken result", got.CreatedAt, got.ExpiresAt)
	if !got.LastUsedAt.IsZero() || !got.RevokedAt.IsZero() {
		t.Errorf("new token has LastUsedAt %v, RevokedAt %v; want zero", got.LastUsedAt, got.RevokedAt)
	}

	byID, err := s.GetToken(ctx, got.ID)
	ok(t, err, "GetToken")
	same(t, "GetToken", want, byID)
	byHash, err := s.GetTokenByHash(ctx, in.Hash)
	ok(t, err, "GetTokenByHash")
	same(t, "GetTokenByHash", want, byHash)

	forever, err := s.CreateToken(ctx, store.Token{UserID: u.ID, Name: "forever", Hash: "h2"})
	ok(t, err, "CreateToken without expiry")
	if !forever.ExpiresAt.IsZero() {
		t.Errorf("ExpiresAt = %v, want zero (never)", forever.ExpiresAt)
	}
	recent(t, "default CreatedAt", forever.CreatedAt)

	_, err = s.GetToken(ctx, forever.ID+1000)
	wantErr(t, err, store.ErrNotFound, "GetToken unknown")
	_, err = s.GetTokenByHash(ctx, "unknown")
	wantErr(t, err, store.ErrNotFound, "GetTokenByHash unknown")
}

func testTokenConflicts(t *testing.T, s store.Store) {
	ctx := t.Context()
	u1 := createUser(t, s, "kim", store.RoleOperator)
	u2 := createUser(t, s, "lee", store.RoleOperator)
	_, err := s.CreateToken(ctx, store.Token{UserID: u1.ID, Name: "ci", Hash: "h1"})
	ok(t, err, "CreateToken")

	for _, tc := range []struct {
		what string
		tok  store.Token
		want error
	}{
		{"same name, same user", store.Token{UserID: u1.ID, Name: "ci", Hash: "h2"}, store.ErrConflict},
		{"same hash, other user", store.Token{UserID: u2.ID, Name: "other", Hash: "h1"}, store.ErrConflict},
		{"unknown user", store.Token{UserID: u2.ID + 1000, Name: "x", Hash: "h3"}, store.ErrNotFound},
		{"same name, other user", store.Token{UserID: u2.ID, Name: "ci", Hash: "h4"}, nil},
	} {
		_, err := s.CreateToken(ctx, tc.tok)
		if tc.want == nil {
			ok(t, err, "CreateToken "+tc.what)
		} else {
			wantErr(t, err, tc.want, "CreateToken "+tc.what)
		}
	}
}

func testListTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	u1 := createUser(t, s, "mia", store.RoleOperator)
	u2 := createUser(t, s, "ned", store.RoleOperator)
	var created []store.Token
	for i, spec := range []struct {
		user int64
		name string
	}{{u1.ID, "first"}, {u2.ID, "second"}, {u1.ID, "third"}, {u1.ID, "fourth"}} {
		tok, err := s.CreateToken(ctx, store.Token{
			UserID: spec.user, Name: spec.name, Hash: "hash-" + spec.name,
			CreatedAt: base.Add(time.Duration(i) * time.Minute),
		})
		ok(t, err, "CreateToken")
		created = append(created, tok)
	}
	// Same creation time as "fourth": the later ID comes first.
	tie, err := s.CreateToken(ctx, store.Token{UserID: u1.ID, Name: "tie", Hash: "hash-tie", CreatedAt: base.Add(3 * time.Minute)})
	ok(t, err, "CreateToken")

	for _, tc := range []struct {
		user int64
		want []store.Token
	}{
		{u1.ID, []store.Token{tie, created[3], created[2], created[0]}},
		{u2.ID, []store.Token{created[1]}},
		{0, []store.Token{tie, created[3], created[2], created[1], created[0]}},
		{u2.ID + 1000, nil},
	} {
		got, err := s.ListTokens(ctx, tc.user)
		ok(t, err, "ListTokens")
		if len(tc.want) == 0 && len(got) == 0 {
			continue
		}
		same(t, "ListTokens", tc.want, got)
	}
}

func testRevokeAndTouchToken(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := createUser(t, s, "olga", store.RoleOperator)
	tok, err := s.CreateToken(ctx, store.Token{UserID: u.ID, Name: "ci", Hash: "h"})
	ok(t, err, "CreateToken")

	used := base.Add(time.Minute)
	ok(t, s.TouchToken(ctx, tok.ID, used), "TouchToken")
	got, err := s.GetToken(ctx, tok.ID)
	ok(t, err, "GetToken")
	same(t, "LastUsedAt", stored(used), got.LastUsedAt)
	inUTC(t, "LastUsedAt", got.LastUsedAt)

	revoked := base.Add(2 * time.Minute)
	ok(t, s.RevokeToken(ctx, tok.ID, revoked), "RevokeToken")
	ok(t, s.RevokeToken(ctx, tok.ID, revoked.Add(time.Hour)), "RevokeToken again")
	got, err = s.GetTokenByHash(ctx, "h")
	ok(t, err, "GetTokenByHash of revoked token")
	same(t, "RevokedAt keeps the first revocation", stored(revoked), got.RevokedAt)
	inUTC(t, "RevokedAt", got.RevokedAt)

	wantErr(t, s.RevokeToken(ctx, tok.ID+1000, revoked), store.ErrNotFound, "RevokeToken unknown")
	wantErr(t, s.TouchToken(ctx, tok.ID+1000, used), store.ErrNotFound, "TouchToken unknown")
}
