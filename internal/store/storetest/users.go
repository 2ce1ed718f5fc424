package storetest

import (
	"testing"
	"time"

	"github.com/neogenesys/console/internal/store"
)

func testCreateAndGetUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	in := store.User{
		Username:     "alice",
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		Role:         store.RoleAdmin,
		Disabled:     true,
		CreatedAt:    base,
	}
	got, err := s.CreateUser(ctx, in)
	ok(t, err, "CreateUser")
	if got.ID <= 0 {
		t.Fatalf("CreateUser returned ID %d, want > 0", got.ID)
	}
	want := in
	want.ID, want.CreatedAt, want.UpdatedAt = got.ID, stored(base), stored(base)
	same(t, "CreateUser result", want, got)
	inUTC(t, "CreateUser result", got.CreatedAt, got.UpdatedAt)

	byID, err := s.GetUser(ctx, got.ID)
	ok(t, err, "GetUser")
	same(t, "GetUser", want, byID)
	byName, err := s.GetUserByName(ctx, "alice")
	ok(t, err, "GetUserByName")
	same(t, "GetUserByName", want, byName)

	_, err = s.CreateUser(ctx, store.User{Username: "alice", Role: store.RoleViewer})
	wantErr(t, err, store.ErrConflict, "CreateUser duplicate")

	bob, err := s.CreateUser(ctx, store.User{Username: "bob", Role: store.RoleViewer})
	ok(t, err, "CreateUser without times")
	recent(t, "default CreatedAt", bob.CreatedAt)
	same(t, "default UpdatedAt", bob.CreatedAt, bob.UpdatedAt)
	if bob.ID == got.ID {
		t.Errorf("two users got the same ID %d", bob.ID)
	}

	_, err = s.GetUser(ctx, bob.ID+1000)
	wantErr(t, err, store.ErrNotFound, "GetUser unknown")
	_, err = s.GetUserByName(ctx, "nobody")
	wantErr(t, err, store.ErrNotFound, "GetUserByName unknown")
	_, err = s.GetUserByName(ctx, "Alice")
	wantErr(t, err, store.ErrNotFound, "GetUserByName is case-sensitive")
}

func testCreateInvalidUser(t *testing.T, s store.Store) {
	for _, u := range []store.User{
		{Username: "", Role: store.RoleAdmin},
		{Username: "norole"},
		{Username: "badrole", Role: "root"},
	} {
		if _, err := s.CreateUser(t.Context(), u); err == nil {
			t.Errorf("CreateUser(%+v) succeeded, want an error", u)
		}
	}
	n, err := s.CountUsers(t.Context(), "")
	ok(t, err, "CountUsers")
	if n != 0 {
		t.Errorf("invalid users were stored: count %d", n)
	}
}

func testUsernamesVerbatim(t *testing.T, s store.Store) {
	ctx := t.Context()
	names := []string{
		`Robert'); DROP TABLE users;--`,
		`O'Brien "the ""quoted"""`,
		`Zoë 雪 🙂 Ωmega`,
		`back\slash\\`,
		`100%_off`,
		`?`,
		`$1`,
		"tab\tand\nnewline",
		`' OR '1'='1`,
	}
	for _, name := range names {
		created := createUser(t, s, name, store.RoleViewer)
		got, err := s.GetUserByName(ctx, name)
		ok(t, err, "GetUserByName")
		if got.Username != name || got.ID != created.ID {
			t.Errorf("GetUserByName(%q) = %q (ID %d), want the name verbatim (ID %d)", name, got.Username, got.ID, created.ID)
		}
	}
	n, err := s.CountUsers(ctx, "")
	ok(t, err, "CountUsers")
	if n != len(names) {
		t.Errorf("CountUsers = %d, want %d", n, len(names))
	}
	// Injection text in audit fields is stored verbatim too.
	e, err := s.AppendAudit(ctx, store.AuditEntry{Username: names[0], Action: "auth.login", Target: names[8]})
	ok(t, err, "AppendAudit")
	got, err := s.ListAudit(ctx, store.AuditFilter{Username: names[0], Target: names[8]})
	ok(t, err, "ListAudit")
	same(t, "audit entry with injection text", []store.AuditEntry{e}, got)
}

func testListUsers(t *testing.T, s store.Store) {
	ctx := t.Context()
	users, err := s.ListUsers(ctx)
	ok(t, err, "ListUsers on empty store")
	if len(users) != 0 {
		t.Fatalf("ListUsers on empty store = %v", users)
	}
	var want []store.User
	for _, name := range []string{"carol", "Zed", "alice", "bob"} {
		want = append(want, createUser(t, s, name, store.RoleOperator))
	}
	users, err = s.ListUsers(ctx)
	ok(t, err, "ListUsers")
	// Byte-wise order: upper case before lower case.
	want = []store.User{want[1], want[2], want[3], want[0]}
	same(t, "ListUsers", want, users)
}

func testUpdateUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	u, err := s.CreateUser(ctx, store.User{Username: "dave", Role: store.RoleViewer, PasswordHash: "old", CreatedAt: base})
	ok(t, err, "CreateUser")

	change := u
	change.Username = "renamed" // ignored
	change.CreatedAt = base.Add(time.Hour)
	change.Role, change.PasswordHash, change.Disabled = store.RoleOperator, "new", true
	change.UpdatedAt = base.Add(2 * time.Hour)
	got, err := s.UpdateUser(ctx, change)
	ok(t, err, "UpdateUser")
	want := u
	want.Role, want.PasswordHash, want.Disabled, want.UpdatedAt = store.RoleOperator, "new", true, stored(change.UpdatedAt)
	same(t, "UpdateUser result", want, got)
	reread, err := s.GetUser(ctx, u.ID)
	ok(t, err, "GetUser")
	same(t, "GetUser after UpdateUser", want, reread)

	change = reread
	change.Disabled, change.UpdatedAt = false, time.Time{}
	got, err = s.UpdateUser(ctx, change)
	ok(t, err, "UpdateUser re-enable")
	if got.Disabled {
		t.Errorf("Disabled = true after re-enabling")
	}
	recent(t, "default UpdatedAt", got.UpdatedAt)

	_, err = s.UpdateUser(ctx, store.User{ID: u.ID + 1000, Role: store.RoleAdmin})
	wantErr(t, err, store.ErrNotFound, "UpdateUser unknown")
	change.Role = "superuser"
	if _, err := s.UpdateUser(ctx, change); err == nil {
		t.Errorf("UpdateUser with an invalid role succeeded")
	}
}

func testDeleteUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	gone := createUser(t, s, "gone", store.RoleOperator)
	kept := createUser(t, s, "kept", store.RoleOperator)
	expires := time.Now().Add(time.Hour)
	for _, u := range []store.User{gone, kept} {
		ok(t, s.CreateSession(ctx, store.Session{IDHash: "session-" + u.Username, UserID: u.ID, ExpiresAt: expires}), "CreateSession")
		_, err := s.CreateToken(ctx, store.Token{UserID: u.ID, Name: "ci", Hash: "hash-" + u.Username})
		ok(t, err, "CreateToken")
	}
	entry, err := s.AppendAudit(ctx, store.AuditEntry{UserID: gone.ID, Username: "gone", Action: "auth.login"})
	ok(t, err, "AppendAudit")

	ok(t, s.DeleteUser(ctx, gone.ID), "DeleteUser")

	_, err = s.GetUser(ctx, gone.ID)
	wantErr(t, err, store.ErrNotFound, "GetUser deleted")
	_, err = s.GetSession(ctx, "session-gone")
	wantErr(t, err, store.ErrNotFound, "GetSession of deleted user")
	_, err = s.GetTokenByHash(ctx, "hash-gone")
	wantErr(t, err, store.ErrNotFound, "GetTokenByHash of deleted user")
	_, err = s.GetSession(ctx, "session-kept")
	ok(t, err, "GetSession of other user")
	_, err = s.GetTokenByHash(ctx, "hash-kept")
	ok(t, err, "GetTokenByHash of other user")
	trail, err := s.ListAudit(ctx, store.AuditFilter{Username: "gone"})
	ok(t, err, "ListAudit")
	same(t, "audit trail of deleted user", []store.AuditEntry{entry}, trail)

	wantErr(t, s.DeleteUser(ctx, gone.ID), store.ErrNotFound, "DeleteUser again")

	again := createUser(t, s, "gone", store.RoleViewer)
	if again.ID == gone.ID {
		t.Errorf("a new user reused the deleted user's ID %d", gone.ID)
	}
}

func testCountUsers(t *testing.T, s store.Store) {
	ctx := t.Context()
	roles := []store.Role{store.RoleAdmin, store.RoleOperator, store.RoleOperator, store.RoleViewer, store.RoleViewer, store.RoleViewer}
	for i, r := range roles {
		createUser(t, s, string(r)+string(rune('a'+i)), r)
	}
	for _, tc := range []struct {
		role store.Role
		want int
	}{
		{"", 6},
		{store.RoleAdmin, 1},
		{store.RoleOperator, 2},
		{store.RoleViewer, 3},
		{"nonexistent", 0},
	} {
		n, err := s.CountUsers(ctx, tc.role)
		ok(t, err, "CountUsers")
		if n != tc.want {
			t.Errorf("CountUsers(%q) = %d, want %d", tc.role, n, tc.want)
		}
	}
}
