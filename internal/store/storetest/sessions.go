package storetest

import (
	"testing"
	"time"

	"github.com/neogenesys/console/internal/store"
)

func testCreateAndGetSession(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := createUser(t, s, "erin", store.RoleViewer)
	now := time.Now()
	in := store.Session{
		IDHash:    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		UserID:    u.ID,
		CreatedAt: now.Add(-time.Minute),
		ExpiresAt: now.Add(12 * time.Hour),
		LastSeen:  now,
		SourceIP:  "2001:db8::1",
		UserAgent: `Mozilla/5.0 (X11; Linux x86_64) "quoted" ünïcode`,
	}
	ok(t, s.CreateSession(ctx, in), "CreateSession")
	got, err := s.GetSession(ctx, in.IDHash)
	ok(t, err, "GetSession")
	want := in
	want.CreatedAt, want.ExpiresAt, want.LastSeen = stored(in.CreatedAt), stored(in.ExpiresAt), stored(in.LastSeen)
	same(t, "GetSession", want, got)
	inUTC(t, "GetSession", got.CreatedAt, got.ExpiresAt, got.LastSeen)

	wantErr(t, s.CreateSession(ctx, in), store.ErrConflict, "CreateSession duplicate")

	orphan := store.Session{IDHash: "orphan", UserID: u.ID + 1000, ExpiresAt: now.Add(time.Hour)}
	wantErr(t, s.CreateSession(ctx, orphan), store.ErrNotFound, "CreateSession for unknown user")

	defaults := store.Session{IDHash: "defaults", UserID: u.ID, ExpiresAt: now.Add(time.Hour)}
	ok(t, s.CreateSession(ctx, defaults), "CreateSession with defaults")
	got, err = s.GetSession(ctx, "defaults")
	ok(t, err, "GetSession")
	recent(t, "default CreatedAt", got.CreatedAt)
	same(t, "default LastSeen", got.CreatedAt, got.LastSeen)

	_, err = s.GetSession(ctx, "absent")
	wantErr(t, err, store.ErrNotFound, "GetSession absent")
	if err := s.CreateSession(ctx, store.Session{IDHash: "noexpiry", UserID: u.ID}); err == nil {
		t.Errorf("CreateSession without expiry succeeded")
	}
}

func testSessionExpiry(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := createUser(t, s, "frank", store.RoleViewer)
	now := time.Now()
	sessions := []struct {
		id      string
		expires time.Time
		valid   bool
	}{
		{"long-expired", now.Add(-24 * time.Hour), false},
		{"just-expired", now.Add(-time.Second), false},
		{"valid", now.Add(time.Hour), true},
	}
	for _, sess := range sessions {
		ok(t, s.CreateSession(ctx, store.Session{IDHash: sess.id, UserID: u.ID, CreatedAt: now.Add(-48 * time.Hour), ExpiresAt: sess.expires}), "CreateSession")
	}
	for _, sess := range sessions {
		_, err := s.GetSession(ctx, sess.id)
		if sess.valid {
			ok(t, err, "GetSession "+sess.id)
		} else {
			wantErr(t, err, store.ErrNotFound, "GetSession "+sess.id)
		}
	}

	n, err := s.DeleteExpiredSessions(ctx, now)
	ok(t, err, "DeleteExpiredSessions")
	if n != 2 {
		t.Errorf("DeleteExpiredSessions = %d, want 2", n)
	}
	n, err = s.DeleteExpiredSessions(ctx, now)
	ok(t, err, "DeleteExpiredSessions again")
	if n != 0 {
		t.Errorf("DeleteExpiredSessions again = %d, want 0", n)
	}
	_, err = s.GetSession(ctx, "valid")
	ok(t, err, "GetSession valid after cleanup")

	// The boundary: a session expiring at exactly the given time is expired.
	n, err = s.DeleteExpiredSessions(ctx, sessions[2].expires)
	ok(t, err, "DeleteExpiredSessions at expiry")
	if n != 1 {
		t.Errorf("DeleteExpiredSessions at the expiry instant = %d, want 1", n)
	}
}

func testTouchSession(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := createUser(t, s, "gina", store.RoleViewer)
	now := time.Now()
	ok(t, s.CreateSession(ctx, store.Session{IDHash: "live", UserID: u.ID, ExpiresAt: now.Add(time.Minute)}), "CreateSession")
	ok(t, s.CreateSession(ctx, store.Session{IDHash: "dead", UserID: u.ID, ExpiresAt: now.Add(-time.Minute)}), "CreateSession")

	seen, expires := now.Add(30*time.Second), now.Add(12*time.Hour)
	ok(t, s.TouchSession(ctx, "live", seen, expires), "TouchSession")
	got, err := s.GetSession(ctx, "live")
	ok(t, err, "GetSession")
	same(t, "LastSeen", stored(seen), got.LastSeen)
	same(t, "ExpiresAt", stored(expires), got.ExpiresAt)

	wantErr(t, s.TouchSession(ctx, "dead", seen, expires), store.ErrNotFound, "TouchSession expired")
	_, err = s.GetSession(ctx, "dead")
	wantErr(t, err, store.ErrNotFound, "GetSession of expired session after touch")
	wantErr(t, s.TouchSession(ctx, "absent", seen, expires), store.ErrNotFound, "TouchSession absent")
}

func testDeleteSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	u1 := createUser(t, s, "hank", store.RoleViewer)
	u2 := createUser(t, s, "ivy", store.RoleViewer)
	expires := time.Now().Add(time.Hour)
	for _, sess := range []store.Session{
		{IDHash: "u1-a", UserID: u1.ID, ExpiresAt: expires},
		{IDHash: "u1-b", UserID: u1.ID, ExpiresAt: expires},
		{IDHash: "u2-a", UserID: u2.ID, ExpiresAt: expires},
		{IDHash: "u2-b", UserID: u2.ID, ExpiresAt: expires},
	} {
		ok(t, s.CreateSession(ctx, sess), "CreateSession")
	}

	ok(t, s.DeleteSession(ctx, "u2-b"), "DeleteSession")
	_, err := s.GetSession(ctx, "u2-b")
	wantErr(t, err, store.ErrNotFound, "GetSession deleted")
	wantErr(t, s.DeleteSession(ctx, "u2-b"), store.ErrNotFound, "DeleteSession again")

	ok(t, s.DeleteUserSessions(ctx, u1.ID), "DeleteUserSessions")
	for _, id := range []string{"u1-a", "u1-b"} {
		_, err := s.GetSession(ctx, id)
		wantErr(t, err, store.ErrNotFound, "GetSession "+id+" after DeleteUserSessions")
	}
	_, err = s.GetSession(ctx, "u2-a")
	ok(t, err, "GetSession of the other user")
	ok(t, s.DeleteUserSessions(ctx, u1.ID), "DeleteUserSessions with none left")
}
